import assert from 'node:assert/strict';
import type { AssignmentModel } from '../../models/model.js';
import { greedyPlan, shareOrder } from '../../solver/greedy.js';
import { verifyPlan } from '../../solver/verify.js';
import fc from 'fast-check';
import { clusterSnapshot } from '../../bench/clusters.js';
import { snapshotArb } from '../../bench/fuzz/cases.js';
import { scaleSnapshot } from '../../bench/scale.js';
import { validatePlanBody, validateSnapshot } from '../../models/validate.js';
import { intsFrom, loadCases, rng, snapshot } from '../helpers.js';

/**
 * The greedy is checked against a second, independent implementation of the rule written with exact
 * rational arithmetic (BigInt cross-multiplication), on seeded random snapshots it has never seen.
 */
type Ratio = readonly [bigint, bigint]; // numerator, denominator > 0
const cmp = (a: Ratio, b: Ratio): number => {
  const l = a[0] * b[1];
  const r = b[0] * a[1];
  return l < r ? -1 : l > r ? 1 : 0;
};

function referenceGreedy(model: AssignmentModel): number[] {
  const n = model.nodes.length;
  const m = model.items.length;
  const dem = (k: number, i: number, j: number): bigint => {
    const r = model.resources[k]!;
    return r.perNode ? r.demand[i * m + j]! : r.demand[j]!;
  };
  const shares: Ratio[] = [];
  for (let j = 0; j < m; j++) {
    let best: Ratio = [0n, 1n];
    model.resources.forEach((r, k) => {
      const total = r.capacity.reduce((s, c) => s + c, 0n);
      if (total === 0n) return;
      let sum = 0n;
      for (let i = 0; i < n; i++) sum += dem(k, i, j);
      const share: Ratio = r.perNode ? [sum, total * BigInt(n)] : [dem(k, 0, j), total];
      if (cmp(share, best) > 0) best = share;
    });
    shares.push(best);
  }
  const order = [...Array(m).keys()].sort((a, b) => cmp(shares[b]!, shares[a]!) || a - b);
  const left = model.resources.map((r) => [...r.capacity]);
  const plan = new Array<number>(m).fill(-1);
  for (const j of order) {
    let bestNode = -1;
    let bestScore: Ratio | null = null;
    for (let i = 0; i < n; i++) {
      let score: Ratio = [0n, 1n];
      let fits = true;
      model.resources.forEach((_, k) => {
        const d = dem(k, i, j);
        if (d === 0n) return;
        if (d > left[k]![i]!) fits = false;
        else if (cmp([d, left[k]![i]!], score) > 0) score = [d, left[k]![i]!];
      });
      if (fits && (bestScore === null || cmp(score, bestScore) < 0)) {
        bestNode = i;
        bestScore = score;
      }
    }
    if (bestNode < 0) continue;
    plan[j] = bestNode;
    model.resources.forEach((_, k) => (left[k]![bestNode]! -= dem(k, bestNode, j)));
  }
  return plan;
}

function randomSnapshot(seed: number): unknown {
  const r = rng(seed);
  const int = intsFrom(r);
  const n = int(1, 8);
  const m = int(0, 40);
  const resources = ['cpu', 'memory', 'nvidia.com/gpu'].slice(0, int(1, 3));
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `n${i}`,
    capacity: Object.fromEntries(resources.map((k) => [k, int(0, 16)])),
  }));
  const containers = Array.from({ length: m }, (_, j) => ({
    name: `c${j}`,
    requests: Object.fromEntries(resources.map((k) => [k, `${int(0, 16) * 250}m`])),
  }));
  return { nodes, containers };
}

describe('the greedy is exactly the rule', () => {
  it('matches an independent exact-arithmetic implementation on 300 random snapshots', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { model } = snapshot(randomSnapshot(seed));
      const plan = Array.from(greedyPlan(model));
      assert.deepEqual(plan, referenceGreedy(model), `seed ${seed}`);
      assert.ok(verifyPlan(model, plan, false).valid, `seed ${seed}: greedy plan breaks a capacity`);
    }
  });

  it('matches it on generated cluster snapshots (identical node types and replicas)', () => {
    for (const [n, m] of [
      [10, 60],
      [20, 200],
      [50, 500],
    ] as const) {
      const { model } = snapshot(clusterSnapshot(n, m, 7 + n));
      assert.deepEqual(Array.from(greedyPlan(model)), referenceGreedy(model), `${n}×${m}`);
    }
  });
});

/** The plan of the node search (partitioned segment trees) and of the scan of every node, side by side. */
function sameAsScan(model: AssignmentModel, label: string): void {
  assert.deepEqual(Array.from(greedyPlan(model)), Array.from(greedyPlan(model, { scan: true })), label);
}

describe('the greedy order (phase, then share, largest first, then input order)', () => {
  it("is the comparison sort's, on random shares with many ties and random phases (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 0.25, 0.5, 1 / 3, 1e-300, 0.75), fc.integer({ min: 0, max: 2 })), {
          maxLength: 60,
        }),
        (entries) => {
          const share = Float64Array.from(entries, ([s]) => s);
          const phase = (j: number): number => entries[j]![1];
          const want = entries.map((_, j) => j).sort((a, b) => phase(a) - phase(b) || share[b]! - share[a]! || a - b);
          assert.deepEqual(Array.from(shareOrder(share, phase)), want);
        },
      ),
      { numRuns: 500, seed: 612 },
    );
  });
});

describe('the greedy without a scan of every node is the same rule', () => {
  it('on random snapshots with rules (fast-check: selectors, taints, affinity, spread, pins, moves)', () => {
    fc.assert(
      fc.property(snapshotArb, (body) => {
        const v = validateSnapshot(body);
        if (v.ok) sameAsScan(v.model, JSON.stringify(body));
      }),
      { numRuns: 1500, seed: 1412 },
    );
  });

  it('on every Kubernetes and plan fixture', () => {
    let checked = 0;
    for (const folder of ['plan', 'kube', 'objectives']) {
      for (const c of loadCases<{ body?: unknown; input?: unknown }>(folder)) {
        const v = validatePlanBody(c.body ?? c.input);
        if (v.ok) sameAsScan(v.model, `${folder}/${c.file}`);
        checked += v.ok ? 1 : 0;
      }
    }
    assert.ok(checked >= 20, `${checked} fixtures`);
  });

  it('on generated clusters with GPU pools, taints, anti-affinity and zone spread', () => {
    for (const [n, m, seed] of [
      [60, 600, 1],
      [150, 2000, 2],
      [300, 3000, 3],
    ] as const) {
      for (const load of [0.65, 0.95])
        sameAsScan(snapshot(scaleSnapshot(n, m, seed, load)).model, `${n}×${m} at ${load}`);
    }
  });
});

describe('the verifier', () => {
  const { model } = snapshot({
    nodes: [
      { name: 'a', capacity: { cpu: 2 } },
      { name: 'b', capacity: { cpu: 1 } },
    ],
    containers: [
      { name: 'x', requests: { cpu: 1 } },
      { name: 'y', requests: { cpu: '1001m' } },
    ],
    costs: {
      matrix: [
        [1, 2],
        [3, 4],
      ],
    },
  });
  const cases: { name: string; plan: number[]; complete: boolean; wantValid: boolean; wantObjective?: number }[] = [
    { name: 'a valid complete plan', plan: [1, 0], complete: true, wantValid: true, wantObjective: 5 },
    { name: 'both on a: one millicore over', plan: [0, 0], complete: true, wantValid: false },
    { name: 'both on b: over', plan: [1, 1], complete: true, wantValid: false },
    { name: 'y (1001m) alone on b (1 core): over by 1m', plan: [0, 1], complete: true, wantValid: false },
    { name: 'an unplaced container when complete is required', plan: [1, -1], complete: true, wantValid: false },
    {
      name: 'an unplaced container in a partial plan',
      plan: [1, -1],
      complete: false,
      wantValid: true,
      wantObjective: 3,
    },
    { name: 'a node index that does not exist', plan: [2, 0], complete: true, wantValid: false },
    { name: 'a plan of the wrong length', plan: [0], complete: false, wantValid: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = verifyPlan(model, c.plan, c.complete);
      assert.equal(v.valid, c.wantValid, v.violations.join('; '));
      if (c.wantObjective !== undefined) assert.equal(v.objective, c.wantObjective);
    });
  }
});
