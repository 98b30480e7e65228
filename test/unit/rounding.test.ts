import assert from 'node:assert/strict';
import { ENGINES, loadEngines } from '../../solver/backends/index.js';
import { knapsacksOf, type Knapsacks } from '../../solver/search/knapsacks.js';
import { lpStart } from '../../solver/search/rounding.js';
import { bestCompletion, subsetSearch } from '../../solver/search/subsets.js';
import { verifyPlan } from '../../solver/verify.js';
import { orlibMinimum, randomSingleResource, rng } from '../helpers.js';

/**
 * The LP start (solver/search/rounding.ts) and the exact completion it rests on (bestCompletion in
 * solver/search/subsets.ts): the completion is checked against enumeration, the start's plan against the verifier
 * and the optimum, its LP value against the optimum.
 */
const FAR = (): number => Date.now() + 60_000;

/** The cheapest completion of `assign` by enumeration: its cost, or null when none fits. */
function enumerate(k: Knapsacks, assign: Int32Array): number | null {
  const { n, m, cost, cap, dem, blocked } = k;
  const free = [...assign.keys()].filter((j) => assign[j]! < 0);
  const load = new Int32Array(n);
  let fixed = 0;
  for (let j = 0; j < m; j++) {
    const i = assign[j]!;
    if (i < 0) continue;
    load[i]! += dem[i * m + j]!;
    fixed += cost[i * m + j]!;
  }
  let best: number | null = null;
  const walk = (t: number, sum: number): void => {
    if (t === free.length) {
      if (best === null || sum < best) best = sum;
      return;
    }
    const j = free[t]!;
    for (let i = 0; i < n; i++) {
      const p = i * m + j;
      if ((blocked && blocked[p]) || load[i]! + dem[p]! > cap[i]!) continue;
      load[i]! += dem[p]!;
      walk(t + 1, sum + cost[p]!);
      load[i]! -= dem[p]!;
    }
  };
  if (load.every((l, i) => l <= cap[i]!)) walk(0, fixed);
  return best;
}

describe('LP start (relaxation-induced) and exact completion', () => {
  it('completes partial plans at exactly the enumerated optimum, and finds none below it (60 random instances)', () => {
    let checked = 0;
    for (let seed = 0; seed < 60; seed++) {
      const instance = randomSingleResource(9700, seed);
      if (!instance) continue;
      const k = knapsacksOf(instance.model, false)!;
      const r = rng(9800 + seed);
      // Keep each container of the optimum or of the worst plan where it is, with probability 1/2.
      const from = seed % 2 === 0 ? instance.exact.plan : instance.worst.plan;
      const assign = Int32Array.from(from, (i) => (r() < 0.5 ? i : -1));
      const want = enumerate(k, assign);
      assert.notEqual(want, null, `seed ${seed}: the plan it came from completes it`);
      const u = new Float64Array(k.m);
      const got = bestCompletion(k, assign, u, 1e9, FAR());
      assert.ok(got, `seed ${seed}: no completion found`);
      const cost = [...got].reduce((s, i, j) => s + k.cost[i * k.m + j]!, 0);
      assert.equal(cost, want, `seed ${seed}: completion ${cost}, enumeration ${want}`);
      assert.ok(verifyPlan(instance.model, got, true).valid, `seed ${seed}: the completion does not fit`);
      for (let j = 0; j < k.m; j++) if (assign[j]! >= 0) assert.equal(got[j], assign[j], `seed ${seed}: moved ${j}`);
      assert.equal(bestCompletion(k, assign, u, want!, FAR()), null, `seed ${seed}: found one below the optimum`);
      checked++;
    }
    assert.ok(checked >= 40, `${checked} instances had a plan`);
  });

  it('starts from a plan that fits, at or above the optimum, with an LP value at or below it (OR-Library gap1, gap4)', async () => {
    await loadEngines();
    for (const file of ['gap1.txt', 'gap4.txt'])
      for (let index = 1; index <= 5; index++) {
        const { model, published } = orlibMinimum(file, index);
        const start = lpStart(ENGINES.highs, model, Infinity, FAR(), 10_000)!;
        assert.ok(start.value <= published + 1e-6, `${file}#${index}: LP ${start.value} above ${published}`);
        assert.equal(start.multipliers.length, model.items.length);
        assert.ok(start.plan, `${file}#${index}: no plan`);
        const check = verifyPlan(model, start.plan, true);
        assert.ok(check.valid, `${file}#${index}: ${check.violations.join('; ')}`);
        assert.ok(check.objective >= published, `${file}#${index}: ${check.objective} below the optimum ${published}`);
      }
  });

  it('on gapd-5 (20×100) the subset search with the LP’s whole containers improves the start, each plan fitting', async function () {
    this.timeout(20_000);
    await loadEngines();
    const { model, start } = orlibMinimum('gapd.txt', 5);
    const before = verifyPlan(model, start, true).objective;
    const lp = lpStart(ENGINES.highs, model, before, FAR(), 3_000)!;
    const seen: number[] = [];
    const result = subsetSearch(model, start, lp.multipliers, {
      deadline: Date.now() + 3_000,
      lpWhole: lp.whole,
      onImprove: (plan, objective) => {
        assert.ok(verifyPlan(model, plan, true).valid);
        seen.push(objective);
      },
    })!;
    const check = verifyPlan(model, result.plan, true);
    assert.ok(check.valid);
    assert.ok(check.objective < before, `${check.objective} is not below the start ${before}`);
    assert.ok(check.objective >= lp.value - 1e-6, `${check.objective} below the LP value ${lp.value}`);
    assert.ok(seen.every((o, x) => x === 0 || o < seen[x - 1]!));
  });
});
