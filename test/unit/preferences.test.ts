import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AssignmentModel } from '../../models/model.js';
import { validateConverted, validateSnapshot } from '../../models/validate.js';
import { outcomeJson } from '../../planning/answer.js';
import { ENGINES } from '../../solver/backends/index.js';
import type { Engine } from '../../solver/backends/engine.js';
import { aggregate } from '../../solver/scale/aggregate.js';
import { scaleSolve } from '../../solver/scale/solve.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { bruteForce } from '../helpers.js';
import { sharedPool } from '../setup.js';

/**
 * Soft rules (docs/kubernetes.md): on small random snapshots with every kind of preference, the optimum of the
 * documented objective, by brute force through the verifier, is what the per-node model proves, and what the
 * scale path's bounds and plans enclose. Then kube-scheduler's SchedulingPreferredPodAntiAffinity workload under
 * pack, where the preferences weight sets the trade-off.
 */

const zone = fc.constantFrom('a', 'b');
const app = fc.constantFrom('x', 'y');
const key = fc.constantFrom('kubernetes.io/hostname', 'zone');
const weight = fc.integer({ min: 1, max: 100 });
const selector = app.map((a) => ({ matchLabels: { app: a } }));
const podTerm = fc.record({ weight, term: fc.record({ selector, topologyKey: key }) });

const nodeArb = (k: number, identical: boolean) =>
  fc.record({
    name: fc.constant(`n${k}`),
    capacity: identical ? fc.constant({ cpu: '4' }) : fc.integer({ min: 2, max: 6 }).map((c) => ({ cpu: `${c}` })),
    labels: identical ? fc.constant({ zone: k % 2 === 0 ? 'a' : 'b' }) : zone.map((z) => ({ zone: z })),
    taints: fc.option(fc.constant([{ key: 'spot', value: 'yes', effect: 'PreferNoSchedule' }]), { nil: undefined }),
  });

const containerArb = (k: number, identical: boolean) =>
  fc.record(
    {
      name: fc.constant(`c${k}`),
      requests: identical ? fc.constant({ cpu: '1' }) : fc.integer({ min: 1, max: 3 }).map((c) => ({ cpu: `${c}` })),
      labels: identical ? fc.constant({ app: 'x' }) : app.map((a) => ({ app: a })),
      preferredNodeAffinity: fc.array(
        fc.record({
          weight,
          preference: zone.map((z) => ({ matchExpressions: [{ key: 'zone', operator: 'In', values: [z] }] })),
        }),
        { maxLength: 1 },
      ),
      preferredAffinity: fc.array(podTerm, { maxLength: 1 }),
      preferredAntiAffinity: fc.array(podTerm, { maxLength: 1 }),
      spread: fc.array(
        fc.record({
          maxSkew: fc.integer({ min: 1, max: 2 }),
          topologyKey: key,
          selector,
          whenUnsatisfiable: fc.constant('ScheduleAnyway'),
        }),
        { maxLength: 1 },
      ),
      controller: fc.constant('ReplicaSet/web'),
      tolerations: fc.constant([{ key: 'spot', operator: 'Exists' }]),
    },
    { requiredKeys: ['name', 'requests', 'labels'] },
  );

const objective = fc.oneof(
  fc.constant('cost'),
  fc.constant('pack'),
  fc.record({ pack: fc.constantFrom(1, 3), preferences: fc.constantFrom(0, 0.5, 2) }),
);

/** Small snapshots with soft rules; `identical`: identical nodes and replicas (what the scale path groups). */
const softArb = (identical: boolean) =>
  fc
    .record({ n: fc.integer({ min: 2, max: 4 }), m: fc.integer({ min: 2, max: identical ? 6 : 5 }) })
    .chain(({ n, m }) =>
      fc.record({
        nodes: fc.tuple(...Array.from({ length: n }, (_, k) => nodeArb(k, identical))),
        containers: fc.tuple(...Array.from({ length: m }, (_, k) => containerArb(k, identical))),
        options: fc.record({ objective }),
      }),
    )
    .map((s) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>);

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

function modelOf(body: unknown): AssignmentModel {
  const v = validateSnapshot(body);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.model;
}

describe('soft rules: brute force against the per-node model and the scale path (fast-check)', function () {
  this.timeout(600_000);

  it('the per-node model proves the brute-force optimum of the documented objective', async () => {
    let withPreferences = 0;
    await fc.assert(
      fc.asyncProperty(softArb(false), async (body) => {
        const model = modelOf(body);
        const optimum = bruteForce(model);
        const o = await solveModel(
          model,
          { timeLimitMs: 20_000, mipGap: 0, solver: 'highs', symmetry: true },
          sharedPool(),
        );
        if (optimum === null) return assert.equal(o.status, 'infeasible');
        assert.equal(o.status, 'optimal', o.notes.join('; '));
        assert.ok(close(o.objective!, optimum), `optimal at ${o.objective}, brute force ${optimum}`);
        const v = verifyPlan(model, o.plan.assignment, true);
        assert.ok(v.valid && close(v.objective, optimum));
        if (v.parts.preferences > 0) withPreferences++;
      }),
      { numRuns: 150, seed: 2424 },
    );
    process.stdout.write(`    (${withPreferences} optima leave a preference unmet)\n`);
    assert.ok(withPreferences >= 30, `only ${withPreferences} optima with a preference left unmet`);
  });

  it('the scale path never bounds above the optimum nor plans below it, and proves it on most', async () => {
    const highs: Engine = ENGINES.highs;
    await highs.load();
    let ran = 0;
    let proven = 0;
    fc.assert(
      fc.property(softArb(true), (body) => {
        const model = modelOf(body);
        if ('outOfReach' in aggregate(model)) return;
        const optimum = bruteForce(model);
        const bounds: number[] = [];
        const plans: number[] = [];
        scaleSolve(highs, model, Date.now() + 2000, {
          bound: (b) => void bounds.push(b),
          plan: (assignment) => {
            const v = verifyPlan(model, assignment, true);
            if (v.valid) plans.push(v.objective);
            return v.valid ? v.objective : undefined;
          },
          size: () => undefined,
        });
        ran++;
        if (optimum === null) return assert.deepEqual(plans, []);
        for (const b of bounds) assert.ok(b <= optimum + 1e-6, `bound ${b} above the optimum ${optimum}`);
        for (const p of plans) assert.ok(p >= optimum - 1e-6, `plan ${p} below the optimum ${optimum}`);
        if (plans.length > 0 && bounds.length > 0 && close(Math.min(...plans), Math.max(...bounds))) proven++;
      }),
      { numRuns: 150, seed: 4242 },
    );
    process.stdout.write(`    (scale path: ${ran} ran, ${proven} proven)\n`);
    assert.ok(ran >= 100, `the scale path ran on only ${ran} of 150`);
    assert.ok(proven >= ran / 2, `the scale path proved only ${proven} of ${ran}`);
  });
});

/** scheduler_perf's SchedulingPreferredPodAntiAffinity at 50 nodes: 4 cpu nodes, 100m "yellow" pods. */
function yellowPods(nodes: number, pods: number, objective: unknown): unknown {
  const node = (i: number) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
    status: { capacity: { pods: '110', cpu: '4', memory: '32Gi' } },
  });
  const term = {
    labelSelector: { matchLabels: { color: 'yellow' } },
    topologyKey: 'kubernetes.io/hostname',
    namespaces: ['sched-1', 'sched-0'],
  };
  const pod = (i: number) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `yellow-${i}`, namespace: 'sched-1', labels: { color: 'yellow' } },
    spec: {
      affinity: {
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term }] },
      },
      containers: [{ name: 'pause', image: 'pause', resources: { requests: { cpu: '100m', memory: '500Mi' } } }],
    },
  });
  const items = [
    ...Array.from({ length: nodes }, (_, i) => node(i)),
    ...Array.from({ length: pods }, (_, i) => pod(i)),
  ];
  return { kind: 'List', items, options: { objective, timeLimitMs: 60_000 } };
}

interface Answer {
  status: string;
  objective: number;
  parts: { pack: number; preferences: number };
  assignments: { node: string }[];
  preferences: { name: string; violations: number; weight: number; penalty: number }[];
}

async function plan(body: unknown): Promise<Answer & { perNode: number[] }> {
  const v = validateConverted(body);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  const o = await solveModel(v.model, v.options, sharedPool());
  const a = outcomeJson(v.model, o) as unknown as Answer;
  const per = new Map<string, number>();
  for (const x of a.assignments) per.set(x.node, (per.get(x.node) ?? 0) + 1);
  return { ...a, perNode: [...per.values()].sort((x, y) => x - y) };
}

describe("preferred anti-affinity under pack (scheduler_perf's SchedulingPreferredPodAntiAffinity, 50 nodes)", function () {
  this.timeout(300_000);
  const TERM = 'preferred anti-affinity kubernetes.io/hostname {"matchLabels":{"color":"yellow"}} (1)';

  it('with preferences 0 it packs as before: 200 pods on 5 nodes of 40, each pod beside 39 others', async () => {
    const a = await plan(yellowPods(50, 200, { pack: 1, preferences: 0 }));
    assert.equal(a.status, 'optimal');
    assert.deepEqual(a.perNode, [40, 40, 40, 40, 40]);
    assert.equal(a.objective, 5);
    // Unweighted, the part still says what the plan does to the preferences: 5 × 40 × 39 pairs, weight 2 each.
    assert.deepEqual(a.preferences, [{ name: TERM, violations: 7800, weight: 2, penalty: 15600 }]);
  });

  it('at the default weight it spreads them, 4 on each node: fewest pairs, and proven', async () => {
    const a = await plan(yellowPods(50, 200, 'pack'));
    assert.equal(a.status, 'optimal');
    assert.deepEqual(
      a.perNode,
      Array.from({ length: 50 }, () => 4),
    );
    assert.deepEqual([a.parts.pack, a.parts.preferences, a.objective], [50, 1200, 1250]);
    assert.deepEqual(a.preferences, [{ name: TERM, violations: 600, weight: 2, penalty: 1200 }]);
  });

  it('where every preference can be met (50 pods, 50 nodes), none is left unmet', async () => {
    const a = await plan(yellowPods(50, 50, 'pack'));
    assert.equal(a.status, 'optimal');
    assert.deepEqual(
      a.perNode,
      Array.from({ length: 50 }, () => 1),
    );
    assert.deepEqual([a.parts.preferences, a.preferences], [0, []]);
  });
});
