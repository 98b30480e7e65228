import assert from 'node:assert/strict';
import { ENGINES } from '../../solver/backends/index.js';
import { columnGenerationApplies, columnGenerationBound, COLGEN_MAX_ITEMS } from '../../solver/search/colgen.js';
import { orlibMinimum, program, randomSingleResource, twoByTwo } from '../helpers.js';

/**
 * The Dantzig–Wolfe bound (solver/colgen.ts): never on the wrong side of the optimum, and on tightly
 * packed instances well above the LP bound.
 */
describe('Dantzig–Wolfe bound by column generation', () => {
  it('on gapd-5 (20×100) reaches 6176.1, between the LP bound HiGHS starts from (6166 after 30 s) and the published 6185', async function () {
    this.timeout(15_000);
    const highs = ENGINES.highs;
    await highs.load();
    const { model, published, start } = orlibMinimum('gapd.txt', 5);
    const bound = columnGenerationBound(highs, model, start, Date.now() + 10_000)!;
    assert.ok(bound > 6176 && bound < 6176.2, `bound ${bound}`);
    assert.ok(bound <= published);
  });

  it('stays at or below the published optimum on gapa-1, gapc-5 and gapd-3', async function () {
    this.timeout(20_000);
    const highs = ENGINES.highs;
    await highs.load();
    for (const [file, index] of [
      ['gapa.txt', 1],
      ['gapc.txt', 5],
      ['gapd.txt', 3],
    ] as const) {
      const { model, published, start } = orlibMinimum(file, index);
      const bound = columnGenerationBound(highs, model, start, Date.now() + 5_000)!;
      assert.ok(bound <= published, `${file} ${index}: ${bound} > ${published}`);
      assert.ok(bound >= published * 0.99, `${file} ${index}: ${bound} is far below ${published}`);
    }
  });

  it('is a valid bound on 60 random instances (min and max, brute force), from any start and any deadline', async () => {
    const highs = ENGINES.highs;
    await highs.load();
    let tight = 0;
    let checked = 0;
    for (let seed = 0; seed < 60; seed++) {
      const instance = randomSingleResource(9100, seed);
      if (!instance) continue;
      const { model, sense, exact, worst } = instance;
      checked++;
      // From the optimum, from the worst plan, and cut short after one round.
      for (const [start, deadline] of [
        [exact.plan, Date.now() + 5_000],
        [worst.plan, Date.now() + 5_000],
        [worst.plan, 0],
      ] as const) {
        const bound = columnGenerationBound(highs, model, start, deadline);
        if (bound === undefined) continue;
        if (sense === 'min')
          assert.ok(
            bound <= exact.objective + 1e-9,
            `seed ${seed}: bound ${bound} above the optimum ${exact.objective}`,
          );
        else
          assert.ok(
            bound >= exact.objective - 1e-9,
            `seed ${seed}: bound ${bound} below the optimum ${exact.objective}`,
          );
        if (deadline > 0 && Math.abs(bound - exact.objective) < 1e-6) tight++;
      }
    }
    assert.ok(checked >= 40, `${checked} instances had a plan`);
    assert.ok(tight >= 20, `the bound met the optimum ${tight} times`);
  });

  it('applies to plain single-resource models up to COLGEN_MAX_ITEMS containers', () => {
    const plain = twoByTwo();
    assert.equal(columnGenerationApplies(plain), true);
    const two = twoByTwo(['cpu', 'memory']);
    assert.equal(columnGenerationApplies(two), false);
    const m = COLGEN_MAX_ITEMS + 1;
    const big = program({
      cost: [Array.from({ length: m }, () => 1), Array.from({ length: m }, () => 2)],
      demand: { load: [Array.from({ length: m }, () => 1), Array.from({ length: m }, () => 1)] },
      capacity: { load: [m, m] },
    });
    assert.equal(columnGenerationApplies(big.model), false);
  });
});
