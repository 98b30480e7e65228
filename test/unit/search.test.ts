import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gapToProgram, parseGapFile, parseKnownValues } from '../../bench/orlib.js';
import { loadEngines } from '../../solver/backends/index.js';
import { chainSearch } from '../../solver/search/chains.js';
import { greedyPlan } from '../../solver/greedy.js';
import { heuristicPlan } from '../../solver/heuristic.js';
import { lns, solveFreed } from '../../solver/search/lns.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { bruteForcePlan, fixturePath, intsFrom, program, rng, snapshot, twoByTwo } from '../helpers.js';
import { sharedPool } from '../setup.js';

/**
 * The primal searches behind the portfolio's second worker: the ejection-chain search (solver/chains.ts)
 * and the large-neighbourhood search (solver/lns.ts). Each must return only plans the verifier accepts,
 * never worse than where it started, and find what its neighbourhood is built to find.
 */
const FAR = (): number => Date.now() + 60_000;

describe('ejection-chain search', () => {
  it('finds the cyclic exchange that no shift or swap finds', () => {
    // Three full nodes, one container each; every container is cheapest on the next node. No shift fits
    // and every swap costs the same 15; only the 3-cycle a→B, b→C, c→A reaches 3.
    const v = program({
      cost: [
        [5, 9, 1],
        [1, 5, 9],
        [9, 1, 5],
      ],
      demand: {
        load: [
          [10, 10, 10],
          [10, 10, 10],
          [10, 10, 10],
        ],
      },
      capacity: { load: [10, 10, 10] },
      sense: 'min',
    });
    const start = Int32Array.from([0, 1, 2]);
    assert.equal(verifyPlan(v.model, start, true).objective, 15);
    const plan = chainSearch(v.model, start, { deadline: FAR(), maxSteps: 50 });
    assert.ok(plan);
    assert.deepEqual([...plan], [1, 2, 0]);
    assert.equal(verifyPlan(v.model, plan, true).objective, 3);
  });

  it('reaches the brute-force optimum on 40 random two-resource instances, from the worst plan, through the verifier', () => {
    let fromWorse = 0;
    for (let seed = 0; seed < 40; seed++) {
      const r = rng(7000 + seed);
      const int = intsFrom(r);
      const n = int(2, 4);
      const m = int(4, 8);
      const matrix = (lo: number, hi: number): number[][] =>
        Array.from({ length: n }, () => Array.from({ length: m }, () => int(lo, hi)));
      const sense = seed % 4 === 3 ? 'max' : 'min';
      const v = program({
        cost: matrix(0, 30),
        demand: { cpu: matrix(1, 9), memory: matrix(1, 9) },
        capacity: {
          cpu: Array.from({ length: n }, () => int(8, 20)),
          memory: Array.from({ length: n }, () => int(8, 20)),
        },
        sense,
      });
      const exact = bruteForcePlan(v.model);
      // Start from the worst plan that fits: the brute-force optimum of the opposite sense.
      const worst = bruteForcePlan({ ...v.model, sense: sense === 'min' ? 'max' : 'min' });
      if (!exact || !worst) continue;
      const start = worst.plan;
      const startValue = verifyPlan(v.model, start, true).objective;
      const plan = chainSearch(v.model, start, { deadline: FAR(), maxSteps: 300, seed });
      assert.ok(plan, `seed ${seed}: a plan`);
      const check = verifyPlan(v.model, plan, true);
      assert.ok(check.valid, `seed ${seed}: ${check.violations.join('; ')}`);
      assert.equal(
        check.objective,
        exact.objective,
        `seed ${seed}: ${sense} optimum ${exact.objective}, from ${startValue}`,
      );
      if (startValue !== exact.objective) fromWorse++;
    }
    assert.ok(fromWorse >= 30, `the search started above the optimum on ${fromWorse} instances`);
  });

  it('never moves a container to a node a rule forbids', () => {
    const v = snapshot({
      nodes: [
        { name: 'a', capacity: { cpu: '3' }, labels: { disk: 'hdd' } },
        { name: 'b', capacity: { cpu: '3' }, labels: { disk: 'ssd' } },
      ],
      containers: [
        { name: 'x', requests: { cpu: '1' } },
        { name: 'y', requests: { cpu: '1' }, nodeSelector: { disk: 'ssd' } },
        { name: 'z', requests: { cpu: '1' } },
      ],
      costs: {
        matrix: [
          [1, 1, 1],
          [5, 5, 5],
        ],
      },
    });
    const plan = chainSearch(v.model, Int32Array.from([1, 1, 1]), { deadline: FAR(), maxSteps: 50 });
    assert.ok(plan);
    assert.deepEqual([...plan], [0, 1, 0]);
    assert.equal(verifyPlan(v.model, plan, true).objective, 7);
  });
});

describe('large-neighbourhood search and the portfolio', () => {
  const known = parseKnownValues(readFileSync(fixturePath('gap', 'known-values.csv'), 'utf8'));

  it('LNS solves gap1-1 (5×15, every container freed) from the greedy plan to the published optimum', async () => {
    await loadEngines();
    const g = parseGapFile(readFileSync(fixturePath('gap', 'gap1.txt'), 'utf8'), true)[0]!;
    const v = program(gapToProgram(g, 'min'));
    const start = heuristicPlan(v.model, greedyPlan(v.model), Date.now() + 100)!;
    const plan = lns(v.model, start, { deadline: Date.now() + 10_000 });
    const check = verifyPlan(v.model, plan, true);
    assert.ok(check.valid);
    assert.equal(
      check.objective,
      known.find((x) => x.file === 'gap1.txt' && x.index === 1 && x.sense === 'min')!.value,
    );
  });

  it('on gapd-5 (20×100, tight) the auto portfolio answers in time with a verified plan from its second worker and an honest gap', async function () {
    this.timeout(20_000);
    const g = parseGapFile(readFileSync(fixturePath('gap', 'gapd.txt'), 'utf8'), true)[4]!;
    const v = program(gapToProgram(g, 'min', { timeLimitMs: 3_000 }));
    const started = Date.now();
    const outcome = await solveModel(v.model, v.options, sharedPool());
    assert.ok(Date.now() - started < 3_500);
    assert.equal(outcome.status, 'feasible');
    assert.ok(verifyPlan(v.model, outcome.plan.assignment, true).valid);
    const published = known.find((x) => x.file === 'gapd.txt' && x.index === 5 && x.sense === 'min')!.value;
    assert.ok(outcome.bound! <= published && outcome.objective! >= published);
    assert.ok(outcome.gap! > 0);
  });
});

describe('the sub-programs of the large-neighbourhood searches (solveFreed)', () => {
  it('puts the freed containers only on the nodes within, at the least cost there', async () => {
    await loadEngines();
    // Three nodes, costs 3, 2, 1 for either container; container 0 stays on node 0, container 1 is freed.
    const { model } = program({
      cost: [
        [3, 3],
        [2, 2],
        [1, 1],
      ],
      demand: {
        load: [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
      },
      capacity: { load: [2, 2, 2] },
    });
    const plan = Int32Array.from([0, 0]);
    const anywhere = solveFreed(model, plan, [1], 10_000);
    assert.deepEqual([...anywhere.assignment!], [2]);
    const within = solveFreed(model, plan, [1], 10_000, { within: Uint8Array.from([1, 1, 0]) });
    assert.deepEqual([...within.assignment!], [1]);
  });
});

describe('the portfolio proof by the node-subset search', () => {
  it('on Yagiura e20100 (20×100) the second worker proves the published optimum 8436 and ends the race (source subsets)', async function () {
    this.timeout(40_000);
    const [g] = parseGapFile(readFileSync(fixturePath('gap', 'e20100'), 'utf8'), false);
    const published = parseKnownValues(readFileSync(fixturePath('gap', 'known-values.csv'), 'utf8')).find(
      (x) => x.file === 'e20100',
    )!.value;
    const v = program(gapToProgram(g!, 'min', { timeLimitMs: 20_000 }));
    const started = Date.now();
    const outcome = await solveModel(v.model, v.options, sharedPool());
    assert.ok(Date.now() - started < 20_500);
    assert.equal(outcome.status, 'optimal');
    assert.equal(outcome.objective, published);
    assert.equal(outcome.bound, published);
    assert.equal(outcome.source, 'subsets');
    assert.ok(verifyPlan(v.model, outcome.plan.assignment, true).valid);
    const glpk = outcome.backends.find((b) => b.name === 'glpk')!;
    assert.equal(glpk.status, 'optimal');
    assert.match(glpk.note ?? '', /node-subset search proved the plan optimal/);
    assert.equal(outcome.backends.find((b) => b.name === 'highs')!.status, 'stopped');
  });
});

describe('where the searches apply', () => {
  it('chains: to plain cost models whose improvement graph holds at most CHAIN_MAX_ARCS arcs', async () => {
    const { chainsApply, chainArcs, CHAIN_MAX_ARCS } = await import('../../solver/search/chains.js');
    const plain = twoByTwo();
    assert.equal(chainsApply(plain), true);
    const balanced = snapshot({
      nodes: [
        { name: 'a', capacity: { cpu: '2' } },
        { name: 'b', capacity: { cpu: '2' } },
      ],
      containers: [
        { name: 'x', requests: { cpu: '1' } },
        { name: 'y', requests: { cpu: '1' } },
      ],
      options: { objective: { balance: 1 } },
    });
    assert.equal(chainsApply(balanced.model), false);
    const wide = (n: number, m: number) =>
      program({
        cost: Array.from({ length: n }, (_, i) => Array.from({ length: m }, () => i + 1)),
        demand: { load: Array.from({ length: n }, () => Array.from({ length: m }, () => 1)) },
        capacity: { load: Array.from({ length: n }, () => m) },
      }).model;
    // Yagiura's largest (80 × 1600): 1600 containers × 40 candidate nodes × 20 containers a node.
    assert.equal(chainArcs(wide(80, 1600)), 1_280_000);
    assert.equal(chainsApply(wide(80, 1600)), true);
    // 3000 containers on 2 nodes: 3000 × 2 × 1500 = 9 000 000 arcs.
    assert.ok(chainArcs(wide(2, 3000)) > CHAIN_MAX_ARCS);
    assert.equal(chainsApply(wide(2, 3000)), false);
  });
});

describe('capacity prices (the searches of large plain cost models)', () => {
  const known = parseKnownValues(readFileSync(fixturePath('gap', 'known-values.csv'), 'utf8'));

  it('bound every OR-Library gap1–gap4 instance from below, every multiplier at least the cheapest cost of its container', async () => {
    const { capacityPrices } = await import('../../solver/search/prices.js');
    const { data } = await import('../../solver/heuristic.js');
    for (const file of ['gap1.txt', 'gap2.txt', 'gap3.txt', 'gap4.txt']) {
      parseGapFile(readFileSync(fixturePath('gap', file), 'utf8'), true).forEach((g, index) => {
        const v = program(gapToProgram(g, 'min'));
        const best = known.find((x) => x.file === file && x.index === index + 1 && x.sense === 'min')!.value;
        const p = capacityPrices(data(v.model), best * 2, FAR());
        assert.ok(p.value <= best + 1e-6, `${file} #${index + 1}: ${p.value} above the optimum ${best}`);
        // Each container's multiplier is its cheapest reduced cost: at least its cheapest plain cost.
        g.cost[0]!.forEach((_, j) => {
          const cheapest = Math.min(...g.cost.map((row) => row[j]!));
          assert.ok(p.multipliers[j]! >= cheapest - 1e-9);
        });
      });
    }
  });

  it('on Yagiura e801600 (80×1600) price a plan that fits within 2% of the optimum, which the sparse chains keep improving', async () => {
    const { capacityPrices, pricedPlan } = await import('../../solver/search/prices.js');
    const { data } = await import('../../solver/heuristic.js');
    const g = parseGapFile(readFileSync(fixturePath('gap', 'e801600'), 'utf8'), false)[0]!;
    const v = program(gapToProgram(g, 'min'));
    const optimum = known.find((x) => x.file === 'e801600' && x.sense === 'min')!.value;
    const d = data(v.model);
    const greedy = verifyPlan(v.model, greedyPlan(v.model), true).objective;
    const p = capacityPrices(d, greedy, FAR());
    assert.ok(p.value <= optimum && p.value > 0.999 * optimum, `the relaxation's value ${p.value}`);
    const plan = pricedPlan(d, p.price)!;
    const priced = verifyPlan(v.model, plan, true);
    assert.ok(priced.valid, priced.violations.join('; '));
    assert.ok(priced.objective < 1.02 * optimum, `priced plan ${priced.objective}`);
    const better = chainSearch(v.model, plan, { deadline: FAR(), maxSteps: 100 });
    assert.ok(better);
    const after = verifyPlan(v.model, better, true);
    assert.ok(after.valid && after.objective < priced.objective && after.objective >= optimum);
  });
});
