import assert from 'node:assert/strict';
import type { AssignmentModel } from '../../models/model.js';
import { ENGINES, loadEngines } from '../../solver/backends/index.js';
import { columnGeneration } from '../../solver/search/colgen.js';
import { lpStart } from '../../solver/search/rounding.js';
import { subsetSearch, subsetSearchApplies } from '../../solver/search/subsets.js';
import { verifyPlan } from '../../solver/verify.js';
import {
  orlibMinimum,
  bruteForcePlan,
  intsFrom,
  program,
  randomSingleResource,
  rng,
  snapshot,
  twoByTwo,
} from '../helpers.js';

/**
 * The exact node-subset search (solver/subsets.ts). Its optimality claims become `optimal` statuses, so
 * they are checked against brute force and published optima; every plan it returns must pass the verifier.
 */
const FAR = (): number => Date.now() + 60_000;

async function multipliersFor(model: AssignmentModel, start: Int32Array): Promise<Float64Array> {
  await loadEngines();
  return columnGeneration(ENGINES.highs, model, start, Date.now() + 5_000)!.multipliers;
}

describe('exact node-subset search (Lagrangian branch and bound)', () => {
  it('proves the brute-force optimum of 60 random instances (min and max) from the worst and the runner-up plan, with column generation multipliers and with none', async () => {
    let proved = 0;
    for (let seed = 0; seed < 60; seed++) {
      const instance = randomSingleResource(9300, seed);
      if (!instance) continue;
      const { model, m, exact, worst } = instance;
      // From the runner-up the last decision (is there a plan one better?) is the whole search.
      const starts = [worst.plan, bruteForcePlan(model, exact.objective)?.plan ?? exact.plan];
      for (const [start, u] of starts.flatMap(
        (s) =>
          [
            [s, new Float64Array(m)],
            [s, null],
          ] as const,
      )) {
        const result = subsetSearch(model, start, u ?? (await multipliersFor(model, start)), { deadline: FAR() })!;
        const check = verifyPlan(model, result.plan, true);
        assert.ok(check.valid, `seed ${seed}: ${check.violations.join('; ')}`);
        assert.equal(result.optimal, true, `seed ${seed}: no proof`);
        assert.equal(
          check.objective,
          exact.objective,
          `seed ${seed}: ${check.objective} claimed optimal, brute force ${exact.objective}`,
        );
      }
      proved++;
    }
    assert.ok(proved >= 40, `${proved} instances had a plan`);
  });

  it('keeps containers off the nodes their selectors rule out, and still reaches the brute-force optimum', async () => {
    for (let seed = 0; seed < 20; seed++) {
      const r = rng(9400 + seed);
      const int = intsFrom(r);
      const n = int(2, 4);
      const m = int(3, 7);
      const v = snapshot({
        nodes: Array.from({ length: n }, (_, i) => ({
          name: `n${i}`,
          capacity: { cpu: String(int(4, 9)) },
          labels: { pool: i % 2 === 0 ? 'a' : 'b' },
        })),
        containers: Array.from({ length: m }, (_, j) => ({
          name: `c${j}`,
          requests: { cpu: String(int(1, 4)) },
          ...(j % 3 === 0 ? { nodeSelector: { pool: 'b' } } : {}),
        })),
        costs: { matrix: Array.from({ length: n }, () => Array.from({ length: m }, () => int(1, 20))) },
      });
      const exact = bruteForcePlan(v.model);
      if (!exact) continue;
      const worst = bruteForcePlan({ ...v.model, sense: 'max' })!;
      const result = subsetSearch(v.model, worst.plan, await multipliersFor(v.model, worst.plan), { deadline: FAR() })!;
      const check = verifyPlan(v.model, result.plan, true);
      assert.ok(check.valid, `seed ${seed}: ${check.violations.join('; ')}`);
      assert.equal(check.objective, exact.objective, `seed ${seed}`);
      assert.equal(result.optimal, true);
    }
  });

  it('claims no proof when costs are not integers (the decision steps rest on integer objectives), but still improves', async () => {
    const v = program({
      cost: [
        [0.5, 2.25, 1],
        [2.5, 0.75, 3],
      ],
      demand: {
        load: [
          [2, 2, 2],
          [2, 2, 2],
        ],
      },
      capacity: { load: [4, 4] },
    });
    const start = Int32Array.from([1, 0, 1]);
    const result = subsetSearch(v.model, start, await multipliersFor(v.model, start), {
      deadline: Date.now() + 2_000,
    })!;
    assert.equal(result.optimal, false);
    assert.equal(verifyPlan(v.model, result.plan, true).objective, bruteForcePlan(v.model)!.objective);
  });

  it('proves gap1-1, gap4-1, gap8-1 and gap12-1 optimal at the published values from the heuristic plan', async () => {
    for (const [file, index] of [
      ['gap1.txt', 1],
      ['gap4.txt', 1],
      ['gap8.txt', 1],
      ['gap12.txt', 1],
    ] as const) {
      const { model, published, start } = orlibMinimum(file, index);
      const result = subsetSearch(model, start, await multipliersFor(model, start), { deadline: FAR() })!;
      assert.equal(result.optimal, true, file);
      assert.equal(verifyPlan(model, result.plan, true).objective, published, file);
    }
  });

  it('on gapd-5 (20×100) improves the heuristic plan within 3 s, reporting each better plan', async function () {
    this.timeout(20_000);
    const { model, start } = orlibMinimum('gapd.txt', 5);
    const before = verifyPlan(model, start, true).objective;
    const u = await multipliersFor(model, start);
    const seen: number[] = [];
    const result = subsetSearch(model, start, u, {
      deadline: Date.now() + 3_000,
      onImprove: (_plan, objective) => seen.push(objective),
    })!;
    const check = verifyPlan(model, result.plan, true);
    assert.ok(check.valid);
    assert.ok(check.objective < before, `${check.objective} is not below the start ${before}`);
    assert.equal(seen.at(-1), check.objective);
    assert.ok(seen.every((o, x) => x === 0 || o < seen[x - 1]!));
    assert.equal(result.optimal, false);
  });

  it('applies where column generation does', () => {
    assert.equal(subsetSearchApplies(twoByTwo()), true);
    const two = twoByTwo(['cpu', 'memory']);
    assert.equal(subsetSearchApplies(two), false);
    assert.equal(subsetSearch(two, Int32Array.from([0, 1]), new Float64Array(2), { deadline: FAR() }), undefined);
  });

  it('steps aside where its knapsack tables would be too large (10 containers, capacities of a million units)', async () => {
    const m = 10;
    const { model } = program({
      cost: [Array.from({ length: m }, (_, j) => j), Array.from({ length: m }, (_, j) => m - j)],
      demand: { load: [Array.from({ length: m }, (_, j) => 1 + 2 * j), Array.from({ length: m }, (_, j) => 2 + j)] },
      capacity: { load: [1_000_000, 1_000_000] },
      sense: 'min',
    });
    assert.equal(subsetSearchApplies(model), false);
    const start = new Int32Array(m);
    assert.equal(subsetSearch(model, start, new Float64Array(m), { deadline: FAR() }), undefined);
    await loadEngines();
    assert.equal(lpStart(ENGINES.highs, model, Infinity, FAR(), 1_000), undefined);
  });
});
