import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snapshotArb } from '../../bench/fuzz/cases.js';
import { scaleSnapshot } from '../../bench/scale.js';
import type { AssignmentModel } from '../../models/model.js';
import { validateSnapshot } from '../../models/validate.js';
import { ENGINES } from '../../solver/backends/index.js';
import type { Engine } from '../../solver/backends/engine.js';
import { aggregate, type Aggregate } from '../../solver/scale/aggregate.js';
import { costDescent } from '../../solver/scale/descent.js';
import { emptyNodes } from '../../solver/scale/empty.js';
import { packPlan } from '../../solver/scale/pack.js';
import { moveLimitRule } from '../../models/rules/moveLimit.js';
import { scaleKindOf } from '../../models/rules/registry.js';
import { foldPinned } from '../../solver/scale/fold.js';
import { greedyPlan } from '../../solver/greedy.js';
import { patternLimits } from '../../solver/scale/patterns.js';
import { scaleSolve, type ScaleRole } from '../../solver/scale/solve.js';
import { solveModel } from '../../solver/solve.js';
import { SolverPool } from '../../solver/pool.js';
import { verifyPlan } from '../../solver/verify.js';
import { sharedPool } from '../setup.js';
import { bruteForce, rng, snapshot } from '../helpers.js';

/** The scale path run in-process (whatever the size): every bound it posts, and its plans that verify. */
function runScale(
  engine: Engine,
  model: AssignmentModel,
  ms = 2000,
  role: ScaleRole = 'lead',
): { bounds: number[]; methods: string[]; plans: number[]; note: string } {
  const bounds: number[] = [];
  const methods: string[] = [];
  const plans: number[] = [];
  const { note } = scaleSolve(
    engine,
    model,
    Date.now() + ms,
    {
      bound: (b, method) => void (bounds.push(b), methods.push(method)),
      plan: (assignment) => {
        const v = verifyPlan(model, assignment, true);
        if (v.valid) plans.push(v.objective);
        return v.valid ? v.objective : undefined;
      },
      size: () => undefined,
    },
    undefined,
    role,
  );
  return { bounds, methods, plans, note };
}

const tolerance = (x: number): number => 1e-6 * Math.max(1, Math.abs(x));

describe('the scale path (node groups × container classes)', function () {
  this.timeout(120_000);
  let highs: Engine;
  before(async () => {
    highs = ENGINES.highs;
    await highs.load();
  });

  it('never posts a bound above the brute-force optimum, and no plan below it (fast-check, rules and objectives)', () => {
    let solved = 0;
    fc.assert(
      fc.property(snapshotArb, (body) => {
        const v = validateSnapshot(body);
        if (!v.ok || 'outOfReach' in aggregate(v.model)) return;
        const optimum = bruteForce(v.model);
        const { bounds, plans } = runScale(highs, v.model, 1000);
        solved++;
        if (optimum === null) {
          assert.deepEqual(plans, [], 'a plan for a snapshot brute force finds infeasible');
          return;
        }
        for (const b of bounds) assert.ok(b <= optimum + tolerance(optimum), `bound ${b} above the optimum ${optimum}`);
        for (const p of plans) assert.ok(p >= optimum - tolerance(optimum), `plan ${p} below the optimum ${optimum}`);
      }),
      { numRuns: 400, seed: 1414 },
    );
    assert.ok(solved >= 200, `the scale path ran on only ${solved} of 400`);
  });

  it('the branch and bound alone (the second thread for pack): no bound above brute force, no plan below (fast-check)', () => {
    let posted = 0;
    fc.assert(
      fc.property(snapshotArb, (body) => {
        const b = body as { options?: Record<string, unknown> };
        const v = validateSnapshot({ ...b, options: { ...b.options, objective: 'pack' } });
        if (!v.ok || 'outOfReach' in aggregate(v.model)) return;
        const optimum = bruteForce(v.model);
        // A limit above the reserve for packing its last counts (TIME.scale.mipAloneReserve).
        const { bounds, plans, note } = runScale(highs, v.model, 5000, 'mip');
        assert.match(note, /^the aggregate branch and bound alone: /);
        posted += bounds.length;
        if (optimum === null) return assert.deepEqual(plans, []);
        for (const x of bounds) assert.ok(x <= optimum + tolerance(optimum), `bound ${x} above the optimum ${optimum}`);
        for (const p of plans) assert.ok(p >= optimum - tolerance(optimum), `plan ${p} below the optimum ${optimum}`);
      }),
      { numRuns: 100, seed: 2728 },
    );
    assert.ok(posted >= 50, `only ${posted} bounds posted`);
  });

  it('running containers (staying or not, read by rules or not) do not split node groups; every bound holds (fast-check)', () => {
    let merged = 0;
    let movers = 0;
    let free = 0;
    let capped = 0;
    let held = 0;
    let feasible = 0;
    let found = 0;
    const rules = fc.record(
      {
        antiAffinity: fc.constant([
          { selector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' },
        ]),
        affinity: fc.constant([{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }]),
        spread: fc.constantFrom(
          [{ maxSkew: 1, topologyKey: 'zone', selector: { matchLabels: { app: 'web' } } }],
          [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { app: 'web' } } }],
        ),
        preferredAntiAffinity: fc.constant([
          { weight: 50, term: { selector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } },
        ]),
      },
      { requiredKeys: [] },
    );
    const pending = fc.record({ cpu: fc.integer({ min: 1, max: 3 }), web: fc.boolean(), rules });
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 5 }),
        fc.array(
          fc.record({
            app: fc.constantFrom('db', 'web', 'plain', ''),
            cpu: fc.integer({ min: 1, max: 2 }),
            stay: fc.boolean(),
          }),
          {
            minLength: 5,
            maxLength: 5,
          },
        ),
        fc.array(pending, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('cost', 'pack', 'balance'),
        fc.boolean(),
        (n, running, todo, objective, allowUnplaced) => {
          const nodes = Array.from({ length: n }, (_, i) => ({
            name: `n${i}`,
            capacity: { cpu: 4 },
            labels: { zone: i % 2 === 0 ? 'a' : 'b' },
          }));
          const containers = [
            ...running
              .slice(0, n)
              .flatMap(({ app, cpu, stay }, i) =>
                app === ''
                  ? []
                  : [{ name: `run${i}`, labels: { app }, requests: { cpu }, current: `n${i}`, pinned: stay }],
              ),
            ...todo.map((t, j) => ({
              name: `new${j}`,
              requests: { cpu: t.cpu },
              ...(t.web ? { labels: { app: 'web' } } : {}),
              ...t.rules,
            })),
          ];
          const { model } = snapshot({ nodes, containers, options: { objective, allowUnplaced } });
          const agg = aggregate(model);
          if ('outOfReach' in agg) return;
          held++;
          const spans = (cl: (typeof agg.classes)[number]): boolean =>
            cl.current >= 0 && agg.groups[cl.current]!.nodes.length > 1;
          if (agg.classes.some((cl) => cl.pinned && spans(cl))) merged++;
          if (agg.classes.some((cl) => !cl.pinned && spans(cl))) movers++;
          // Where moves cost nothing (pack, balance), those that may move are of their shape's class (no group).
          const runs = (cl: (typeof agg.classes)[number]): boolean => model.rules!.current[cl.items[0]!]! >= 0;
          if (agg.classes.some((cl) => !cl.pinned && cl.current < 0 && runs(cl))) free++;
          if (agg.rules.some((r) => 'nodeCap' in r && r.nodeCap !== undefined)) capped++;
          const optimum = bruteForce(model);
          const { bounds, plans, note } = runScale(highs, model, 1000);
          if (optimum === null) return assert.deepEqual(plans, [], 'a plan where brute force finds none');
          assert.doesNotMatch(note, /infeasible/, `brute force finds ${optimum}`);
          feasible++;
          if (plans.length > 0) found++;
          for (const b of bounds)
            assert.ok(b <= optimum + tolerance(optimum), `bound ${b} above the optimum ${optimum}`);
          for (const p of plans) assert.ok(p >= optimum - tolerance(optimum), `plan ${p} below the optimum ${optimum}`);
        },
      ),
      { numRuns: 800, seed: 2512 },
    );
    assert.ok(
      held >= 80 && merged >= 15 && movers >= 20 && free >= 40,
      `held ${held}; classes over several nodes: pinned in ${merged}, movable in ${movers}; of no group in ${free}`,
    );
    assert.ok(capped >= 20, `hostname spread held by the aggregate in ${capped}`);
    assert.ok(found >= 0.9 * feasible, `plans for ${found} of ${feasible} feasible snapshots`);
  });

  it('for cost, the knapsacks per node group lift the bound above the LP to the optimum where whole mixes do not fill a node', () => {
    // The LP splits containers between the two nodes (each a group of its own); a node takes whole ones, and the
    // best whole mix of each node, at the LP's prices, lifts the bound to the optimum.
    const model = modelOf({
      nodes: [
        { name: 'big', capacity: { cpu: 5, memory: '6Gi' } },
        { name: 'small', capacity: { cpu: 3, memory: '2Gi' } },
      ],
      containers: [
        { name: 'c0', requests: { cpu: 2, memory: '3Gi' } },
        { name: 'c1', requests: { cpu: 1, memory: '2Gi' } },
        { name: 'c2', requests: { cpu: 3, memory: '2Gi' } },
      ],
    });
    const optimum = bruteForce(model)!;
    assert.equal(optimum.toFixed(6), '1.833333');
    const { bounds, methods } = runScale(highs, model, 1000);
    assert.equal(bounds[methods.indexOf('aggregate LP')]!.toFixed(6), '1.633333');
    const knapsacks = bounds[methods.indexOf('knapsacks per node group')]!;
    // Each node's knapsack is proven within HiGHS's absolute gap (1e-6), taken off.
    assert.ok(knapsacks <= optimum && knapsacks > optimum - 1e-5, `${knapsacks} against ${optimum}`);
  });

  it('on a live cluster, room split by running containers is no room for a large one unless a move pays for it', () => {
    // big1 and big2 each run a 1-cpu container, so neither has 4 cpu free; other is empty. The 4-cpu container
    // costs 1 on a big node, but one of them must move first (1.5): it goes on other, at 2.
    const model = modelOf({
      options: { moveCost: 1.5 },
      nodes: ['big1', 'big2', 'other'].map((name) => ({ name, capacity: { cpu: 4 } })),
      containers: [
        { name: 'run1', requests: { cpu: 1 }, current: 'big1' },
        { name: 'run2', requests: { cpu: 1 }, current: 'big2' },
        { name: 'large', requests: { cpu: 4 } },
      ],
      costs: {
        matrix: [
          [0, 0, 1],
          [0, 0, 1],
          [0, 0, 2],
        ],
      },
    });
    assert.equal(bruteForce(model), 2);
    const { bounds, methods, plans } = runScale(highs, model, 1000);
    // Without the leaves in the rounding rows, the LP moved run2 to big1 for nothing (a move within the group): 1.
    assert.equal(bounds[methods.indexOf('aggregate LP')]!.toFixed(6), '2.000000');
    assert.equal(Math.min(...plans).toFixed(6), '2.000000');
  });

  it('on a live cluster, a leave counts as room only as far as it can open it', () => {
    // a and b each run two 1-cpu containers and have 2 cpu free: one leaving opens no 4 cpu, two from one node do
    // (3 in moves). The 4-cpu container goes on o, at 2. Counting each leave as a whole size, the LP had 1.5.
    const model = modelOf({
      options: { moveCost: 1.5 },
      nodes: ['a', 'b', 'o'].map((name) => ({ name, capacity: { cpu: 4 } })),
      containers: [
        ...['a', 'a', 'b', 'b'].map((current, j) => ({ name: `run${j}`, requests: { cpu: 1 }, current })),
        { name: 'large', requests: { cpu: 4 } },
      ],
      costs: {
        matrix: [
          [0, 0, 0, 0, 0],
          [0, 0, 0, 0, 0],
          [0, 0, 0, 0, 2],
        ],
      },
    });
    assert.equal(bruteForce(model), 2);
    const { bounds, methods, plans } = runScale(highs, model, 1000);
    assert.equal(bounds[methods.indexOf('aggregate LP')]!.toFixed(6), '2.000000');
    assert.equal(Math.min(...plans).toFixed(6), '2.000000');
  });

  it('the zone spread repair of rounded counts moves a pending container, not one that runs in its group now', () => {
    const spread = [{ maxSkew: 1, topologyKey: 'zone', selector: { matchLabels: { app: 'web' } } }];
    const model = modelOf({
      nodes: ['a', 'a', 'b', 'b'].map((zone, i) => ({ name: `${zone}${i}`, capacity: { cpu: 4 }, labels: { zone } })),
      containers: [
        { name: 'run', labels: { app: 'web' }, spread, requests: { cpu: 1 }, current: 'a0' },
        { name: 'new', labels: { app: 'web' }, spread, requests: { cpu: 2 } },
      ],
    });
    const agg = aggregateOf(model);
    const [run, fresh] = [agg.classOf[0]!, agg.classOf[1]!];
    const [a, b] = [agg.groupOf[0]!, agg.groupOf[2]!];
    // Both counted in zone a: two against none is more than maxSkew apart, and one unit moves to b.
    const counts = new Int32Array(agg.pairs.length);
    counts[agg.pairAt(a, run)] = 1;
    counts[agg.pairAt(a, fresh)] = 1;
    for (const r of agg.rules) scaleKindOf(r).repair?.(r, agg, counts);
    const at = (g: number, c: number): number => counts[agg.pairAt(g, c)]!;
    assert.deepEqual([at(a, run), at(b, run), at(a, fresh), at(b, fresh)], [1, 0, 0, 1]);
  });

  it('where running pods may be left out, a zone running both sides of an anti-affinity still takes a pending one', () => {
    const anti = [{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }];
    const { model } = snapshot({
      nodes: [
        { name: 'n0', capacity: { cpu: 4 }, labels: { zone: 'a' } },
        { name: 'n1', capacity: { cpu: 1 }, labels: { zone: 'b' } },
        { name: 'n2', capacity: { cpu: 4 }, labels: { zone: 'a' } },
      ],
      containers: [
        {
          name: 'run-web',
          labels: { app: 'web' },
          antiAffinity: anti,
          requests: { cpu: 1 },
          current: 'n0',
          pinned: true,
          priority: 10,
        },
        { name: 'run-db', labels: { app: 'db' }, requests: { cpu: 1 }, current: 'n0', pinned: true, priority: 0 },
        { name: 'new-web', labels: { app: 'web' }, antiAffinity: anti, requests: { cpu: 2 }, priority: 10 },
      ],
      options: { allowUnplaced: true },
    });
    const optimum = bruteForce(model)!;
    const { bounds, plans } = runScale(highs, model, 1000);
    assert.ok(bounds.length > 0, 'a bound');
    for (const b of bounds) assert.ok(b <= optimum + tolerance(optimum), `bound ${b} above the optimum ${optimum}`);
    for (const p of plans) assert.ok(p >= optimum - tolerance(optimum), `plan ${p} below the optimum ${optimum}`);
  });

  it('holds hostname spread only where the nodes can take every pending pod at maxSkew above the least count', () => {
    const body = (replicas: number) => ({
      nodes: Array.from({ length: 30 }, (_, i) => ({ name: `n${i}`, capacity: { cpu: 8 } })),
      containers: Array.from({ length: replicas }, (_, j) => ({
        name: `web-${j}`,
        labels: { app: 'web' },
        requests: { cpu: 1 },
        spread: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { app: 'web' } } }],
      })),
      options: { objective: 'pack' as const },
    });
    const held = aggregate(snapshot(body(30)).model);
    assert.ok(!('outOfReach' in held), 'one per node is what the cap allows');
    const past = aggregate(snapshot(body(40)).model);
    assert.ok('outOfReach' in past && /past maxSkew above the least count/.test(past.outOfReach), JSON.stringify(past));
  });

  it('folds running containers no rule reads into their nodes: the others keep their own requests', () => {
    const { model } = snapshot({
      nodes: [
        { name: 'a', capacity: { cpu: 8, memory: '8Gi' } },
        { name: 'b', capacity: { cpu: 8, memory: '8Gi' } },
      ],
      containers: [
        { name: 'old', requests: { cpu: 3, memory: '1Gi' }, current: 'a', pinned: true },
        { name: 'db', labels: { app: 'db' }, requests: { cpu: 1, memory: '2Gi' }, current: 'b', pinned: true },
        {
          name: 'web',
          requests: { cpu: 2, memory: '3Gi' },
          antiAffinity: [{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      ],
    });
    const f = foldPinned(model)!;
    assert.deepEqual([f.folded, f.keep], [1, [1, 2]]);
    const table = (r: AssignmentModel['resources'][number]): string[][] => [
      Array.from(r.demand, String),
      Array.from(r.capacity, String),
    ];
    assert.deepEqual(f.model.resources.map(table), [
      [
        ['1000', '2000'],
        ['5000', '8000'],
      ],
      [
        [String(2n * 2n ** 30n * 1000n), String(3n * 2n ** 30n * 1000n)],
        [String(7n * 2n ** 30n * 1000n), String(8n * 2n ** 30n * 1000n)],
      ],
    ]);
  });

  it('on a planted packing whose optimum is known (every used node exactly full), the bound never passes it', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = rng(seed);
      const planted = 8 + seed;
      const containers: { name: string; requests: Record<string, string> }[] = [];
      // Each planted node's 4000m cpu and 8000Mi memory cut into the same number of random pieces.
      for (let i = 0; i < planted; i++) {
        const pieces = 3 + Math.floor(r() * 5);
        const cut = (total: number): number[] => {
          const marks = Array.from({ length: pieces - 1 }, () => 1 + Math.floor(r() * (total - 1))).sort(
            (a, b) => a - b,
          );
          return [...marks, total].map((x, k) => x - (k === 0 ? 0 : marks[k - 1]!)).filter((x) => x > 0);
        };
        const cpu = cut(4000);
        const memory = cut(8000);
        while (memory.length < cpu.length) memory.push(0);
        while (cpu.length < memory.length) cpu.push(0);
        cpu.forEach((c, k) =>
          containers.push({ name: `c${i}-${k}`, requests: { cpu: `${c}m`, memory: `${memory[k]!}Mi` } }),
        );
      }
      const nodes = Array.from({ length: planted * 2 }, (_, i) => ({
        name: `n${i}`,
        capacity: { cpu: '4', memory: '8000Mi' },
      }));
      const { model } = snapshot({ nodes, containers, options: { objective: 'pack' } });
      const { bounds, plans } = runScale(highs, model, 3000);
      assert.ok(bounds.length > 0 && plans.length > 0, `seed ${seed}: a bound and a plan`);
      for (const b of bounds)
        assert.ok(b <= planted + 1e-9, `seed ${seed}: bound ${b} above the planted optimum ${planted}`);
      for (const p of plans) assert.ok(p >= planted, `seed ${seed}: plan ${p} below the planted optimum ${planted}`);
    }
  });

  it('bin packing past complete enumeration: every bound at most the brute-force optimum, and proven at it', () => {
    const limit = patternLimits.enumerate;
    patternLimits.enumerate = 0; // the search for plans of ⌈bound⌉ nodes, not the master over every pattern
    let raised = 0;
    try {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 15, max: 70 }), fc.integer({ min: 15, max: 70 })), {
            minLength: 3,
            maxLength: 6,
          }),
          (sizes) => {
            const { model } = snapshot({
              nodes: sizes.map((_, i) => ({ name: `n${i}`, capacity: { cpu: 100, memory: '100Mi' } })),
              containers: sizes.map(([c, m], j) => ({ name: `c${j}`, requests: { cpu: c, memory: `${m}Mi` } })),
              options: { objective: 'pack' },
            });
            const optimum = bruteForce(model)!;
            const { bounds, methods, plans } = runScale(highs, model, 1000);
            for (const b of bounds) assert.ok(b <= optimum + tolerance(optimum), `bound ${b} above ${optimum}`);
            assert.equal(Math.min(...plans), optimum);
            assert.ok(Math.max(...bounds) >= optimum - tolerance(optimum), `not proven: ${methods.join(', ')}`);
            if (methods.some((m) => m.startsWith('no plan of'))) raised++;
          },
        ),
        { numRuns: 150, seed: 1201 },
      );
    } finally {
      patternLimits.enumerate = limit;
    }
    assert.ok(raised > 0, 'no case where ⌈bound⌉ nodes were proven too few');
  });

  it('bin packing on free nodes (price 0): every bound a number at most 0, the plan 0', () => {
    const limit = patternLimits.enumerate;
    patternLimits.enumerate = 0;
    try {
      const { model } = snapshot({
        nodes: [1, 2, 3].map((i) => ({ name: `n${i}`, capacity: { cpu: 100 }, price: 0 })),
        containers: [60, 50, 40].map((c, j) => ({ name: `c${j}`, requests: { cpu: c } })),
        options: { objective: 'pack' },
      });
      const { bounds, plans } = runScale(highs, model, 1000);
      assert.ok(bounds.length > 0 && bounds.every((b) => Number.isFinite(b) && b <= 1e-9), JSON.stringify(bounds));
      assert.equal(Math.min(...plans), 0);
    } finally {
      patternLimits.enumerate = limit;
    }
  });

  it('says what is out of its reach (required pod affinity) and posts nothing', () => {
    const { model } = snapshot({
      nodes: [{ name: 'a', capacity: { cpu: 2 } }],
      containers: [
        { name: 'web', labels: { app: 'web' }, requests: { cpu: 1 } },
        {
          name: 'cache',
          requests: { cpu: 1 },
          affinity: [{ selector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      ],
    });
    const { bounds, plans, note } = runScale(highs, model);
    assert.deepEqual([bounds, plans], [[], []]);
    assert.match(note, /does not hold required pod affinity/);
  });

  it('says in the answer why it stepped aside, not only in backends', async () => {
    const { model, options } = snapshot({
      nodes: Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}`, capacity: { cpu: 4 } })),
      containers: Array.from({ length: 1000 }, (_, j) => ({
        name: `c${j}`,
        labels: { app: j === 0 ? 'web' : 'other' },
        requests: { cpu: 1 },
        ...(j === 1
          ? { affinity: [{ selector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] }
          : {}),
      })),
    });
    const o = await solveModel(model, { ...options, timeLimitMs: 5000 }, sharedPool());
    assert.ok(verifyPlan(model, o.plan.assignment, true).valid);
    assert.ok(
      o.notes.some((n) => /^the scale path does not hold required pod affinity.*no bound from the aggregate/.test(n)),
      o.notes.join(' / '),
    );
  });
});

describe('pack at scale on an idle pool of two threads', function () {
  this.timeout(120_000);

  it('races the whole path and the aggregate branch and bound alone; the plan verifies above the bound', async () => {
    const pool = new SolverPool({ threads: 2, maxQueue: 4 });
    try {
      await pool.ready();
      const { model, options } = snapshot({ ...scaleSnapshot(60, 600, 3), options: { objective: 'pack' } });
      const o = await solveModel(model, { ...options, timeLimitMs: 5000 }, pool);
      assert.deepEqual(
        o.backends.map((b) => b.name),
        ['highs', 'highs'],
      );
      assert.match(o.backends[0]!.note ?? '', /^the scale path: /);
      assert.match(o.backends[1]!.note ?? '', /^the aggregate branch and bound alone: /);
      const v = verifyPlan(model, o.plan.assignment, true);
      assert.ok(v.valid);
      assert.ok(o.bound !== null && o.bound !== undefined && v.objective >= o.bound - tolerance(o.bound));
    } finally {
      await pool.close();
    }
  });
});

const modelOf = (body: unknown): AssignmentModel => {
  const v = validateSnapshot(body);
  assert.ok(v.ok);
  return v.model;
};
const aggregateOf = (model: AssignmentModel): Aggregate => {
  const agg = aggregate(model);
  assert.ok(!('outOfReach' in agg));
  return agg;
};
/**
 * Whether `improve` gave a plan for a start that verifies; where it did, its plan verifies and costs less (both
 * asserted).
 */
function improves(
  model: AssignmentModel,
  start: Int32Array,
  improve: (start: Int32Array) => { readonly plan: Int32Array } | undefined,
): boolean {
  const before = verifyPlan(model, start, true);
  const out = before.valid ? improve(start) : undefined;
  if (!out) return false;
  const after = verifyPlan(model, out.plan, true);
  assert.ok(after.valid, after.violations.join('; '));
  assert.ok(after.objective < before.objective - 1e-9, `${after.objective} not below ${before.objective}`);
  return true;
}
/** A container's rules in the random clusters: none, hostname anti-affinity, zone spread, a zone preference. */
const ruleArb = fc.constantFrom(
  {},
  { antiAffinity: [{ selector: { matchLabels: { app: 'a' } }, topologyKey: 'kubernetes.io/hostname' }] },
  { spread: [{ maxSkew: 1, topologyKey: 'zone', selector: { matchLabels: { app: 'a' } } }] },
  { preferredAffinity: [{ weight: 10, term: { selector: { matchLabels: { app: 'a' } }, topologyKey: 'zone' } }] },
);

describe('emptying nodes for pack (solver/scale/empty.ts)', function () {
  it('moves containers onto nodes in use, least loaded node first, until none can be emptied', () => {
    const model = modelOf({
      nodes: [0, 1, 2].map((i) => ({ name: `n${i}`, capacity: { cpu: 4 } })),
      containers: [0, 1, 2].map((j) => ({ name: `c${j}`, requests: { cpu: 1 } })),
      options: { objective: 'pack' },
    });
    const out = emptyNodes(model, aggregateOf(model), Int32Array.from([0, 1, 2]), Infinity);
    assert.deepEqual(out && { plan: [...out.plan], emptied: out.emptied }, { plan: [2, 2, 2], emptied: 2 });
  });

  it("where moves cost nothing, a running container is of its shape's class, as if it ran nowhere", () => {
    const classes = (objective: unknown): { items: number[]; current: number }[] => {
      const model = modelOf({
        nodes: [0, 1, 2].map((i) => ({ name: `n${i}`, capacity: { cpu: i === 2 ? 8 : 4 } })),
        containers: [
          ...[0, 2].map((i) => ({ name: `run${i}`, requests: { cpu: 1 }, current: `n${i}` })),
          { name: 'new', requests: { cpu: 1 } },
        ],
        options: { objective },
      });
      return aggregateOf(model).classes.map((cl) => ({ items: [...cl.items], current: cl.current }));
    };
    assert.deepEqual(classes('pack'), [{ items: [0, 1, 2], current: -1 }]);
    // Where a move costs, each class runs on one group (n0's group 0, n2's group 1), the pending one on none.
    assert.deepEqual(classes({ cost: 1, pack: 1 }), [
      { items: [0], current: 0 },
      { items: [1], current: 1 },
      { items: [2], current: -1 },
    ]);
  });

  it('moves running containers only where moves cost nothing (pack alone, no move limit)', () => {
    const body = (objective: unknown): AssignmentModel =>
      modelOf({
        nodes: [0, 1, 2].map((i) => ({ name: `n${i}`, capacity: { cpu: 4 } })),
        containers: [0, 1, 2].map((j) => ({ name: `c${j}`, requests: { cpu: 1 }, current: `n${j}` })),
        options: { objective },
      });
    const empty = (model: AssignmentModel): number[] | undefined => {
      const out = emptyNodes(model, aggregateOf(model), Int32Array.from([0, 1, 2]), Infinity);
      return out && [...out.plan];
    };
    const pack = body('pack');
    assert.deepEqual(empty(pack), [2, 2, 2]);
    // A move costs in the cost part, or counts against a limit (capacity questions): their nodes stay as they are.
    assert.equal(empty(body({ cost: 1, pack: 1 })), undefined);
    const limited = { ...pack, rules: { ...pack.rules!, groups: [moveLimitRule('at most 5 moves', [0, 1, 2], 5)] } };
    assert.equal(empty(limited), undefined);
  });

  it('makes room by a trade within a group where nothing fits as the nodes are', () => {
    // n0 is full on cpu (6 + 4) with pod slots left; n1 is full on slots (2 + 1 + 1 + 1) with cpu left; the 1 on n2
    // fits neither until the 6 on n0 and the 2 on n1 trade places.
    const model = modelOf({
      nodes: [0, 1, 2].map((i) => ({ name: `n${i}`, capacity: { cpu: 10, pods: 4 } })),
      containers: [6, 4, 2, 1, 1, 1, 1].map((cpu, j) => ({ name: `c${j}`, requests: { cpu } })),
      options: { objective: 'pack' },
    });
    const start = Int32Array.from([0, 0, 1, 1, 1, 1, 2]);
    const out = emptyNodes(model, aggregateOf(model), start, Infinity);
    assert.deepEqual(out && [...out.plan], [1, 0, 0, 1, 1, 1, 0]);
    assert.equal(verifyPlan(model, out!.plan, true).objective, 2);
  });

  it('trades several for one across groups: a node full on slots gives two for one from a node full on cpu', () => {
    // a0 (4 slots) holds four 1s: cpu left, no slot; b0 (8 slots) holds 8 + 2: slots left, no cpu; a1 holds a 3,
    // which fits neither, and the 8 fits nowhere (so b0 stays). Within a group no trade helps; across groups two
    // 1s go from a0 to b0 for its 2, at no cost (pack alone), and the 3 fits on a0.
    const model = modelOf({
      nodes: [
        { name: 'a0', capacity: { cpu: 10, pods: 4 } },
        { name: 'a1', capacity: { cpu: 10, pods: 4 } },
        { name: 'b0', capacity: { cpu: 10, pods: 8 } },
      ],
      containers: [1, 1, 1, 1, 8, 2, 3].map((cpu, j) => ({ name: `c${j}`, requests: { cpu } })),
      options: { objective: 'pack' },
    });
    const out = emptyNodes(model, aggregateOf(model), Int32Array.from([0, 0, 0, 0, 2, 2, 1]), Infinity);
    assert.deepEqual(out && { plan: [...out.plan], emptied: out.emptied }, { plan: [2, 2, 0, 0, 2, 0, 0], emptied: 1 });
    assert.equal(verifyPlan(model, out!.plan, true).objective, 2);
  });

  it('every plan it gives verifies and saves on the spread start: two node types, rules, costs (fast-check)', () => {
    let emptied = 0;
    const container = fc.record({ cpu: fc.integer({ min: 1, max: 3 }), app: fc.constantFrom('a', 'b'), rule: ruleArb });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(6, 8), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 3, max: 6 }),
        fc.array(container, { minLength: 2, maxLength: 10 }),
        fc.constantFrom<unknown>('pack', { cost: 1, pack: 1 }),
        (cpus, pods, list, objective) => {
          const body = (o: unknown): unknown => ({
            nodes: cpus.map((cpu, i) => ({
              name: `n${i}`,
              capacity: { cpu, pods: cpu === 6 ? pods : pods + 2 },
              labels: { zone: i % 2 === 0 ? 'x' : 'y' },
            })),
            containers: list.map(({ cpu, app, rule }, j) => ({
              name: `c${j}`,
              requests: { cpu },
              labels: { app },
              ...rule,
            })),
            options: { objective: o },
          });
          const model = modelOf(body(objective));
          const agg = aggregate(model);
          if ('outOfReach' in agg) return;
          // The greedy under the cost objective spreads: a start with nodes to empty.
          const start = greedyPlan(modelOf(body('cost')));
          if (improves(model, start, (s) => emptyNodes(model, agg, s, Infinity))) emptied++;
        },
      ),
      { numRuns: 300, seed: 2727 },
    );
    assert.ok(emptied >= 100, `nodes were emptied on only ${emptied} snapshots`);
  });
});

describe('the LP export at cluster scale', function () {
  this.timeout(60_000);

  it('writes the aggregate program the solvers get, each variable named, not nodes × containers', async () => {
    const { prepare } = await import('../../planning/prepare.js');
    const limits = {
      maxNodes: 5000,
      maxContainers: 150_000,
      maxPairs: 2_000_000,
      maxResources: 64,
      maxTimeLimitMs: 120_000,
    };
    const p = prepare({ route: 'plan', body: { parsed: scaleSnapshot(1000, 10_000, 1) }, limits, format: 'lp' });
    assert.equal(p.kind, 'lp');
    const text = (p as { text: string }).text;
    assert.match(text, /^\\ optiplace aggregate program \(the scale path\): 24 node groups × 140 container classes/);
    assert.match(text, /\\ x0: how many of the \d+ containers like app-\d+-\w+ go on the \d+ nodes like ip-/);
    assert.ok(text.includes('\nMinimize\n') && text.includes('\nSubject To\n') && text.endsWith('End\n'));
    assert.ok(text.length < 2_000_000, `${text.length} characters`);
  });
});

describe('moves where containers cost less, and trades in the packing (descent.ts, pack.ts)', function () {
  /** Two big nodes (20 cpu) and a small one (10): a container costs its share of the node's cpu. */
  const holes = (extra: Record<string, unknown> = {}, options: Record<string, unknown> = {}): AssignmentModel =>
    modelOf({
      options,
      nodes: [
        { name: 'big1', capacity: { cpu: 20 } },
        { name: 'big2', capacity: { cpu: 20 } },
        { name: 'small', capacity: { cpu: 10 } },
      ],
      containers: [
        ...[5, 5, 5, 4, 2, 2, 2, 2, 2, 2, 2, 2, 3].map((cpu, j) => ({ name: `c${j}`, requests: { cpu } })),
        { name: 'last', requests: { cpu: 2 }, ...extra },
      ],
    });

  it('moves a container to a cheaper group by a trade that joins two holes', () => {
    // big1 holds 5 + 5 + 5 + 4 and big2 eight 2s and a 3: one cpu left on each, and the 2 on small fits neither.
    // A 5 from big1 for two 2s from big2 leaves two on big1: the 2 moves there, at 0.1 instead of 0.2.
    const model = holes();
    const start = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    const out = costDescent(model, aggregateOf(model), start, Infinity);
    assert.deepEqual(out && { plan: [...out.plan], moved: out.moved }, {
      plan: [1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0],
      moved: 1,
    });
    assert.equal(verifyPlan(model, start, true).objective.toFixed(6), '2.100000');
    assert.equal(verifyPlan(model, out!.plan, true).objective.toFixed(6), '2.000000');
  });

  it('moves a running container to another group only where the move pays and no rule counts moves', () => {
    const start = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    // At 0.1 on big1 and a move of 0.05, against 0.2 where it runs: it moves, by the same trade.
    const cheap = holes({ current: 'small', moveCost: 0.05 });
    const out = costDescent(cheap, aggregateOf(cheap), start, Infinity);
    assert.deepEqual(out && [...out.plan], [1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert.equal(verifyPlan(cheap, out!.plan, true).objective.toFixed(6), '2.050000');
    // A move of 1 costs more than it saves; a move limit counts it.
    const dear = holes({ current: 'small' });
    assert.equal(costDescent(dear, aggregateOf(dear), start, Infinity), undefined);
    const limited = { ...cheap, rules: { ...cheap.rules!, groups: [moveLimitRule('at most 5 moves', [13], 5)] } };
    assert.equal(costDescent(limited, aggregateOf(limited), start, Infinity), undefined);
    const pack = holes({}, { objective: 'pack' });
    assert.equal(costDescent(pack, aggregateOf(pack), start, Infinity), undefined);
  });

  it('moves a running container back to the node it runs on where the plan moved it for nothing', () => {
    // Two nodes alike, where nothing costs but a move: a move within a group is none to the aggregate, and the plan
    // has run on b, though a has its room. It goes back; new stays, as moving it saves nothing.
    const model = modelOf({
      nodes: ['a', 'b'].map((name) => ({ name, capacity: { cpu: 4 } })),
      containers: [
        { name: 'run', requests: { cpu: 1 }, current: 'a' },
        { name: 'new', requests: { cpu: 2 } },
      ],
      costs: {
        matrix: [
          [0, 0],
          [0, 0],
        ],
      },
    });
    const out = costDescent(model, aggregateOf(model), Int32Array.from([1, 0]), Infinity);
    assert.deepEqual(out && { plan: [...out.plan], moved: out.moved }, { plan: [0, 0], moved: 1 });
    assert.equal(verifyPlan(model, Int32Array.from([1, 0]), true).objective, 1);
    assert.equal(verifyPlan(model, out!.plan, true).objective, 0);
  });

  it('the packing makes room for a leftover by moving a container that is not running, where one can', () => {
    // Most room puts q on b (all its memory); p fits neither node. Moving run (a) to b makes room on a, at a move;
    // moving q to a makes room on b, for nothing: the packing takes the second.
    const model = modelOf({
      nodes: ['a', 'b'].map((name) => ({ name, capacity: { cpu: 4, memory: '4Gi' } })),
      containers: [
        { name: 'run', requests: { cpu: 2, memory: '1Gi' }, current: 'a' },
        { name: 'q', requests: { cpu: 1, memory: '3Gi' } },
        { name: 'p', requests: { cpu: 3, memory: '1536Mi' } },
      ],
      costs: {
        matrix: [
          [0, 0, 0],
          [0, 0, 0],
        ],
      },
    });
    const agg = aggregateOf(model);
    const counts = new Int32Array(agg.pairs.length);
    for (let j = 0; j < 3; j++) counts[agg.pairAt(0, agg.classOf[j]!)] = 1;
    const plan = packPlan(model, agg, counts, 'most-room');
    assert.deepEqual([...plan], [0, 0, 1]);
    assert.equal(verifyPlan(model, plan, true).objective, 0);
  });

  it('every plan it gives verifies and costs less: node types, zones, rules (fast-check)', () => {
    let moved = 0;
    const container = fc.record({ cpu: fc.integer({ min: 1, max: 4 }), app: fc.constantFrom('a', 'b'), rule: ruleArb });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(6, 12), { minLength: 2, maxLength: 6 }),
        fc.array(container, { minLength: 2, maxLength: 12 }),
        (cpus, list) => {
          const body = (objective: unknown): unknown => ({
            nodes: cpus.map((cpu, i) => ({ name: `n${i}`, capacity: { cpu }, labels: { zone: i % 2 ? 'y' : 'x' } })),
            containers: list.map(({ cpu, app, rule }, j) => ({
              name: `c${j}`,
              requests: { cpu },
              labels: { app },
              ...rule,
            })),
            options: { objective },
          });
          const model = modelOf(body('cost'));
          const agg = aggregate(model);
          if ('outOfReach' in agg) return;
          // The greedy under pack fills nodes in order, small ones too: a start with containers to move.
          const start = greedyPlan(modelOf(body('pack')));
          if (improves(model, start, (s) => costDescent(model, agg, s, Infinity))) moved++;
        },
      ),
      { numRuns: 400, seed: 3131 },
    );
    assert.ok(moved >= 40, `containers moved on only ${moved} snapshots`);
  });

  it('the packing places a leftover in its group by a trade between two of its nodes', () => {
    // First fit puts both 5s on n0 (full on cpu) and the 4 and two 1s on n1 (full on slots): the last 1 fits
    // neither, and no single container can move off to make room. A 5 from n0 for a 1 from n1 does it.
    const model = modelOf({
      nodes: [0, 1].map((i) => ({ name: `n${i}`, capacity: { cpu: 10, pods: 3 } })),
      containers: [5, 5, 4, 1, 1, 1].map((cpu, j) => ({ name: `c${j}`, requests: { cpu } })),
    });
    const agg = aggregateOf(model);
    const counts = new Int32Array(agg.pairs.length);
    agg.classOf.forEach((c) => counts[agg.pairAt(0, c)]!++);
    const plan = packPlan(model, agg, counts, 'first-fit');
    assert.deepEqual([...plan], [1, 0, 1, 0, 1, 0]);
    assert.ok(verifyPlan(model, plan, true).valid);
  });

  it('the packing makes room for a leftover that fits nowhere by moving a container to where it costs least', () => {
    // The counts put both on n (too many); y fits m on neither resource, x does: x moves there, y takes its place.
    const model = modelOf({
      nodes: [
        { name: 'n', capacity: { cpu: 10, memory: 10 } },
        { name: 'm', capacity: { cpu: 6, memory: 2 } },
      ],
      containers: [
        { name: 'x', requests: { cpu: 6, memory: 1 } },
        { name: 'y', requests: { cpu: 5, memory: 5 } },
      ],
    });
    const agg = aggregateOf(model);
    const counts = new Int32Array(agg.pairs.length);
    agg.classOf.forEach((c) => counts[agg.pairAt(agg.groupOf[0]!, c)]!++);
    const plan = packPlan(model, agg, counts, 'first-fit');
    assert.deepEqual([...plan], [1, 0]);
    assert.ok(verifyPlan(model, plan, true).valid);
  });
});
