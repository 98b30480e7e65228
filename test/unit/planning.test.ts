import assert from 'node:assert/strict';
import { validateProgram, validateSnapshot } from '../../models/validate.js';
import { scaleSnapshot } from '../../bench/scale.js';
import { planner } from '../../planning/planner.js';
import { prepare } from '../../planning/prepare.js';
import { answer } from '../../planning/usecases.js';
import { evaluationJson, outcomeJson } from '../../planning/answer.js';
import { explainInfeasible, restrictItems } from '../../solver/explain.js';
import { formulate } from '../../solver/formulate.js';
import { greedyPlan } from '../../solver/greedy.js';
import { ENGINES } from '../../solver/backends/index.js';
import { toCplexLp } from '../../solver/lpformat.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { answerCapacity, bruteForcePlan, EVAL, loadCases, program, snapshot } from '../helpers.js';
import { sharedPool } from '../setup.js';

const LIMITS = { maxNodes: 1000, maxContainers: 20000, maxPairs: 2_000_000, maxResources: 32, maxTimeLimitMs: 60_000 };

interface ObjectiveCase {
  name: string;
  description: string;
  input: unknown;
  want: { objective: number; plan?: Record<string, string[]>; unplaced?: string[]; greedyObjective?: number };
}

describe('objectives (fixtures/objectives): optimal values confirmed by brute force through the verifier', function () {
  this.timeout(60_000);
  for (const c of loadCases<ObjectiveCase>('objectives')) {
    it(`${c.name} (${c.file})`, async () => {
      const v = snapshot(c.input);
      const o = await solveModel(v.model, v.options, sharedPool());
      assert.equal(o.status, 'optimal', o.notes.join('; '));
      assert.ok(Math.abs(o.objective! - c.want.objective) < 1e-9, `objective ${o.objective}`);
      const brute = bruteForcePlan(v.model);
      assert.ok(brute && Math.abs(brute.objective - c.want.objective) < 1e-9, `brute force ${brute?.objective}`);
      const json = outcomeJson(v.model, o) as unknown as {
        assignments: { container: string; node: string }[];
        unplaced: string[];
        greedy: { objective: number };
      };
      for (const [node, want] of Object.entries(c.want.plan ?? {}))
        assert.deepEqual(
          json.assignments
            .filter((a) => a.node === node)
            .map((a) => a.container)
            .sort(),
          [...want].sort(),
        );
      assert.deepEqual([...json.unplaced].sort(), [...(c.want.unplaced ?? [])].sort());
      // The greedy is scored under the same objective.
      if (c.want.greedyObjective !== undefined)
        assert.ok(Math.abs(json.greedy.objective - c.want.greedyObjective) < 1e-9, `greedy ${json.greedy.objective}`);
    });
  }
});

describe('evaluate: any plan against the optimum', function () {
  this.timeout(60_000);
  const { model, options } = snapshot(EVAL);
  const run = async (plan: number[]): Promise<Record<string, Record<string, unknown>>> => {
    const o = await solveModel(model, options, sharedPool());
    return evaluationJson(model, Int32Array.from(plan), o) as Record<string, Record<string, unknown>>;
  };
  // The optimum: x on a (1), y and z on b (2 + 1) = 4.
  it('a valid hand-made plan: its objective and exact gap to the proven optimum', async () => {
    const r = await run([0, 1, 1]);
    assert.equal(r['given']!['valid'], true);
    assert.equal(r['given']!['objective'], 4);
    assert.equal(r['optimal']!['objective'], 4);
    assert.equal(r['given']!['gapToOptimum'], 0);
    const worse = await run([1, 0, 0]); // x b (2), y a (2), z a (3) = 7
    assert.equal(worse['given']!['objective'], 7);
    assert.ok(Math.abs((worse['given']!['gapToOptimum'] as number) - 3 / 7) < 1e-12);
    assert.ok(Math.abs((worse['given']!['gapToBound'] as number) - 3 / 7) < 1e-12);
    const cmp = worse['comparison'] as { placedDifferently: { container: string }[]; given: { nodesUsed: string[] } };
    assert.deepEqual(
      cmp.placedDifferently.map((d) => d.container),
      ['x', 'y', 'z'],
    );
    assert.deepEqual(cmp.given.nodesUsed, ['a', 'b']);
  });
  it('an invalid plan: every broken rule listed, no gap', async () => {
    const r = await run([0, 0, -1]); // x + y = 5 > 4 on a, z unplaced
    assert.equal(r['given']!['valid'], false);
    const violations = r['given']!['violations'] as string[];
    assert.ok(violations.some((v) => /"z" is not placed/.test(v)));
    assert.ok(violations.some((v) => /node "a" is over its cpu capacity/.test(v)));
    assert.equal(r['given']!['gapToOptimum'], null);
  });
  it('the greedy plan: the gap in every /v1/plan answer is the greedy objective against the optimum', async () => {
    const o = await solveModel(model, options, sharedPool());
    const g = greedyPlan(model);
    const greedyObjective = verifyPlan(model, g, true).objective;
    const json = outcomeJson(model, o) as { comparison: { greedy: { objective: number; gapToBest: number } } };
    assert.equal(json.comparison.greedy.objective, greedyObjective);
    assert.ok(Math.abs(json.comparison.greedy.gapToBest - Math.abs(greedyObjective - 4) / greedyObjective) < 1e-12);
    const r = await run(Array.from(g));
    assert.ok(Math.abs((r['given']!['gapToOptimum'] as number) - json.comparison.greedy.gapToBest) < 1e-12);
  });
});

describe('the answer lists plans per container, or per node (options.assignments)', function () {
  this.timeout(120_000);
  const body = {
    nodes: [
      { name: 'a', capacity: { cpu: 4 } },
      { name: 'b', capacity: { cpu: 4 } },
      { name: 'c', capacity: { cpu: 1 } },
    ],
    containers: [
      { name: 'x', requests: { cpu: 3 }, current: 'b' },
      { name: 'y', requests: { cpu: 2 } },
      { name: 'z', requests: { cpu: 1 } },
      { name: 'w', requests: { cpu: 5 } },
    ],
    costs: {
      matrix: [
        [1, 2, 3, 1],
        [2, 2, 1, 1],
        [9, 9, 9, 9],
      ],
    },
    options: { allowUnplaced: true, moveCost: 0 },
  };
  it('byNode: the nodes that run any container, in node order, with the rest of the plan as in the list form', async () => {
    const list = snapshot(body);
    const byNode = snapshot({ ...body, options: { ...body.options, assignments: 'byNode' } });
    assert.equal(byNode.options.assignments, 'byNode');
    const o = await solveModel(list.model, list.options, sharedPool());
    assert.deepEqual([o.status, o.objective! - o.bound!], ['optimal', 0]);
    const a = outcomeJson(list.model, o) as unknown as Record<string, unknown>;
    const b = outcomeJson(byNode.model, o, [], 'byNode') as unknown as Record<string, unknown>;
    // x (3) on a at 1, y (2) and z (1) on b at 2 + 1; w fits nowhere; x moves from b to a.
    assert.deepEqual(a['assignments'], [
      { container: 'x', node: 'a' },
      { container: 'y', node: 'b' },
      { container: 'z', node: 'b' },
    ]);
    assert.deepEqual(b['placements'], { a: ['x'], b: ['y', 'z'] });
    assert.equal(b['assignments'], undefined);
    assert.equal(a['placements'], undefined);
    for (const key of ['unplaced', 'moves', 'objective', 'utilization', 'comparison'])
      assert.deepEqual(b[key], a[key], key);
    assert.deepEqual(a['unplaced'], ['w']);
    assert.deepEqual(a['moves'], [{ container: 'x', from: 'b', to: 'a' }]);
    const greedy = (b['greedy'] as { placements: Record<string, string[]> }).placements;
    const seed = greedyPlan(list.model);
    for (const [node, names] of Object.entries(greedy))
      for (const name of names) assert.equal(list.model.nodes[seed[list.model.items.indexOf(name)]!], node, name);
  });
  it('an evaluation lists the given plan and the optimum in the same form', async () => {
    const v = snapshot({ ...body, options: { ...body.options, assignments: 'byNode' } });
    const o = await solveModel(v.model, v.options, sharedPool());
    const r = evaluationJson(v.model, Int32Array.from([1, 0, 1, -1]), o, [], 'byNode') as unknown as {
      given: Record<string, unknown>;
      optimal: Record<string, unknown>;
    };
    assert.deepEqual(r.given['placements'], { a: ['y'], b: ['x', 'z'] });
    assert.deepEqual(r.optimal['placements'], { a: ['x'], b: ['y', 'z'] });
  });
  it('a capacity answer lists its plan in the same form', async () => {
    const { costs: _costs, ...rest } = body;
    const question = { fit: { shapes: [{ name: 'q', requests: { cpu: 1 } }] } };
    const r = await answerCapacity(
      { ...rest, options: { assignments: 'byNode' }, question },
      { pool: sharedPool(), limits: LIMITS },
    );
    const plan = r['plan'] as { placements: Record<string, string[]>; assignments?: unknown };
    assert.equal(plan.assignments, undefined);
    const placed = Object.values(plan.placements).flat().sort();
    // x, y, z and the three copies of q that fit beside them (4 + 4 + 1 cores); w fits nowhere.
    assert.deepEqual(placed, ['q#1', 'q#2', 'q#3', 'x', 'y', 'z']);
  });
  it('a program answers with node indices: the option is refused there, naming it', () => {
    const v = validateProgram({
      cost: [[1]],
      capacity: { cpu: [1] },
      demand: { cpu: [1] },
      options: { assignments: 'byNode' },
    });
    assert.equal(v.ok, false);
    assert.deepEqual(!v.ok && v.issues, [{ path: 'options.assignments', message: 'unknown field' }]);
  });
});

describe('an answer that needs no solver thread is written where its input is read', function () {
  this.timeout(120_000);
  it('solver "greedy" at scale: the same answer as through the solve, but for its timings', async () => {
    const body = { ...scaleSnapshot(400, 20_000, 5), options: { solver: 'greedy', assignments: 'byNode' } };
    const text = JSON.stringify(body);
    const arrival = Date.now();
    const written = prepare({ route: 'plan', body: text, limits: LIMITS, answerFrom: arrival });
    assert.equal(written.kind, 'written');
    const p = planner({ pool: sharedPool(), limits: LIMITS, prepare: async (req) => prepare(req) });
    try {
      const a = await answer(p, { route: 'plan', body: text, arrival });
      assert.equal(a.kind, 'json');
      const here = JSON.parse(written.kind === 'written' ? String(written.text) : '') as Record<string, unknown>;
      const solved = a.kind === 'json' ? a.json : {};
      const { timings: _t1, ...rest1 } = here;
      const { timings: _t2, ...rest2 } = solved;
      assert.deepEqual(rest1, rest2);
      assert.equal(written.kind === 'written' && written.solved.outcome.source, 'greedy');
    } finally {
      p.close();
    }
  });
  it('anything a solver thread adds to (the default solver) is prepared as a model, as before', () => {
    const body = { ...scaleSnapshot(400, 20_000, 5) };
    const prepared = prepare({ route: 'plan', body: { parsed: body }, limits: LIMITS, answerFrom: Date.now() });
    assert.equal(prepared.kind, 'model');
  });
});

describe('capacity: how many more fit', function () {
  this.timeout(60_000);
  it('is exact where the cluster-capacity greedy count is provably lower (repacking), and shows both', async () => {
    // Two 4-core nodes, each running a 2-core pod. A 4-core copy fits only if one pod moves over.
    const body = {
      nodes: [
        { name: 'n1', capacity: { cpu: 4, memory: '8Gi' } },
        { name: 'n2', capacity: { cpu: 4, memory: '8Gi' } },
      ],
      containers: [
        { name: 'a', requests: { cpu: 2, memory: '1Gi' }, current: 'n1' },
        { name: 'b', requests: { cpu: 2, memory: '1Gi' }, current: 'n2' },
      ],
      options: { timeLimitMs: 5000 },
    };
    const repack = await answerCapacity(
      { ...body, question: { fit: { shapes: [{ name: 'big', requests: { cpu: 4, memory: '2Gi' } }], repack: true } } },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.equal(repack['status'], 'optimal');
    assert.deepEqual(repack['extra'], { big: 1 });
    assert.deepEqual((repack['greedy'] as { aloneEach: unknown }).aloneEach, { big: 0 });
    assert.equal((repack['moves'] as unknown[]).length, 1);
    const stay = await answerCapacity(
      { ...body, question: { fit: { shapes: [{ name: 'big', requests: { cpu: 4, memory: '2Gi' } }] } } },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.deepEqual(stay['extra'], { big: 0 });
  });
  it('weighs several shapes at once, where counting them one by one overstates', async () => {
    // One 6-core node: gpu-ish shape (4 cores, weight 5) or small shapes (1 core, weight 1).
    // Alone: 1 large or 6 small. Together the weighted optimum is 1 large + 2 small = 7 (6 small = 6).
    const r = await answerCapacity(
      {
        nodes: [{ name: 'n', capacity: { cpu: 6 } }],
        containers: [],
        options: { timeLimitMs: 5000 },
        question: {
          fit: {
            shapes: [
              { name: 'small', requests: { cpu: 1 }, weight: 1 },
              { name: 'large', requests: { cpu: 4 }, weight: 5 },
            ],
          },
        },
      },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.equal(r['status'], 'optimal');
    assert.deepEqual(r['extra'], { small: 2, large: 1 });
    assert.equal(r['weighted'], 7);
    assert.equal(r['upperBound'], 7);
    const greedy = r['greedy'] as {
      aloneEach: Record<string, number>;
      together: Record<string, number>;
      weighted: number;
    };
    assert.deepEqual(greedy.aloneEach, { small: 6, large: 1 });
    assert.ok(greedy.weighted <= 7);
  });
});

describe('capacity: what to buy, against brute force over small catalogues', function () {
  this.timeout(120_000);
  const catalogue = [
    { type: 'small', capacity: { cpu: 4, memory: '8Gi' }, price: 1, max: 3 },
    { type: 'large', capacity: { cpu: 8, memory: '16Gi' }, price: 1.8, max: 2 },
    { type: 'highmem', capacity: { cpu: 2, memory: '16Gi' }, price: 1.1, max: 2 },
  ];
  const workloads = [
    [
      { name: 'a', requests: { cpu: 3, memory: '4Gi' } },
      { name: 'b', requests: { cpu: 3, memory: '4Gi' } },
      { name: 'c', requests: { cpu: 1, memory: '12Gi' } },
    ],
    [
      { name: 'a', requests: { cpu: 2, memory: '2Gi' } },
      { name: 'b', requests: { cpu: 2, memory: '2Gi' } },
      { name: 'c', requests: { cpu: 2, memory: '2Gi' } },
      { name: 'd', requests: { cpu: 2, memory: '10Gi' } },
    ],
    [
      { name: 'a', requests: { cpu: 5, memory: '1Gi' } },
      { name: 'b', requests: { cpu: 1, memory: '1Gi' } },
    ],
  ];
  workloads.forEach((containers, w) => {
    it(`workload ${w + 1}`, async () => {
      const r = await answerCapacity(
        { nodes: [], containers, options: { timeLimitMs: 10_000 }, question: { buy: { catalogue } } },
        { pool: sharedPool(), limits: LIMITS },
      );
      // Brute force: every count of each type within its maximum; the cheapest count vector whose nodes host everything.
      let best = Infinity;
      for (let s = 0; s <= 3; s++)
        for (let l = 0; l <= 2; l++)
          for (let h = 0; h <= 2; h++) {
            const price = s * 1 + l * 1.8 + h * 1.1;
            if (price >= best - 1e-9 || s + l + h === 0) continue;
            const nodes = [
              ...Array.from({ length: s }, (_, k) => ({ name: `s${k}`, capacity: catalogue[0]!.capacity })),
              ...Array.from({ length: l }, (_, k) => ({ name: `l${k}`, capacity: catalogue[1]!.capacity })),
              ...Array.from({ length: h }, (_, k) => ({ name: `h${k}`, capacity: catalogue[2]!.capacity })),
            ];
            if (bruteForcePlan(snapshot({ nodes, containers }).model) !== null) best = price;
          }
      assert.equal(r['status'], 'optimal');
      assert.ok(Math.abs((r['price'] as number) - best) < 1e-9, `price ${r['price']} vs brute force ${best}`);
    });
  });
});

describe('capacity: what if a node fails, re-planned with the fewest moves (checked by brute force)', function () {
  this.timeout(60_000);
  const body = {
    nodes: [
      { name: 'n1', capacity: { cpu: 4 } },
      { name: 'n2', capacity: { cpu: 4 } },
      { name: 'n3', capacity: { cpu: 4 } },
    ],
    containers: [
      { name: 'a', requests: { cpu: 2 }, current: 'n1' },
      { name: 'b', requests: { cpu: 1 }, current: 'n1' },
      { name: 'c', requests: { cpu: 3 }, current: 'n2' },
      { name: 'd', requests: { cpu: 1 }, current: 'n3' },
      { name: 'e', requests: { cpu: 1 }, current: 'n3' },
    ],
    options: { timeLimitMs: 5000 },
  };
  it('n1 fails: a and b must move, and nothing else does', async () => {
    const r = await answerCapacity(
      { ...body, question: { whatIf: { remove: ['n1'] } } },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.equal(r['status'], 'optimal');
    assert.equal(r['fits'], true);
    // Independent: brute force over every plan on n2, n3 that fits, counting moves.
    const v = snapshot({
      nodes: body.nodes.slice(1),
      containers: body.containers.map(({ name, requests }) => ({ name, requests })),
    });
    const current = ['', '', 'n2', 'n3', 'n3'];
    let fewest = Infinity;
    const go = (j: number, plan: number[]): void => {
      if (j === 5) {
        if (verifyPlan(v.model, Int32Array.from(plan), true).valid)
          fewest = Math.min(fewest, plan.filter((i, k) => v.model.nodes[i] !== current[k]).length);
        return;
      }
      for (let i = 0; i < 2; i++) go(j + 1, [...plan, i]);
    };
    go(0, []);
    assert.equal(r['moveCount'], fewest);
    assert.deepEqual((r['moves'] as { container: string }[]).map((m) => m.container).sort(), ['a', 'b']);
  });
  it('with a 25% cpu reserve on every node, not everything fits and the answer says so', async () => {
    const r = await answerCapacity(
      { ...body, question: { whatIf: { remove: ['n1'], reserve: { cpu: 0.25 } } } },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.equal(r['fits'], false);
    assert.ok((r['unplaced'] as string[]).length > 0);
  });
  it('the move budget curve: cost against at most k moves', async () => {
    const r = await answerCapacity(
      {
        nodes: [
          { name: 'cheap', capacity: { cpu: 4 } },
          { name: 'dear', capacity: { cpu: 4 } },
        ],
        containers: [
          { name: 'a', requests: { cpu: 2 }, current: 'dear' },
          { name: 'b', requests: { cpu: 2 }, current: 'dear' },
        ],
        costs: {
          matrix: [
            [1, 1],
            [5, 5],
          ],
        },
        options: { timeLimitMs: 6000 },
        question: { moveBudget: { maxMoves: 2 } },
      },
      { pool: sharedPool(), limits: LIMITS },
    );
    const curve = r['curve'] as { maxMoves: number; objective: number; moves: number }[];
    assert.deepEqual(
      curve.map((p) => [p.maxMoves, p.objective, p.moves]),
      [
        [0, 10, 0],
        [1, 6, 1],
        [2, 2, 2],
      ],
    );
  });
});

describe('infeasibility explanations are minimal: drop any one container and the rest fits', function () {
  this.timeout(60_000);
  const cases: [string, unknown][] = [
    [
      'memory',
      {
        nodes: [
          { name: 'a', capacity: { cpu: 4, memory: '8Gi' } },
          { name: 'b', capacity: { cpu: 4, memory: '8Gi' } },
          { name: 'c', capacity: { cpu: 8, memory: '4Gi' } },
        ],
        containers: [
          { name: 'web', requests: { cpu: 1, memory: '1Gi' } },
          { name: 'db-1', requests: { cpu: 3, memory: '6Gi' } },
          { name: 'db-2', requests: { cpu: 3, memory: '6Gi' } },
          { name: 'db-3', requests: { cpu: 3, memory: '6Gi' } },
          { name: 'batch', requests: { cpu: 4, memory: '1Gi' } },
        ],
      },
    ],
    [
      'anti-affinity and taints',
      {
        nodes: [
          { name: 'n1', capacity: { cpu: 8 } },
          { name: 'n2', capacity: { cpu: 8 } },
          { name: 'gpu', capacity: { cpu: 8 }, taints: [{ key: 'gpu', effect: 'NoSchedule' }] },
        ],
        containers: ['r0', 'r1', 'r2']
          .map((name) => ({
            name,
            requests: { cpu: 1 },
            labels: { app: 'r' },
            antiAffinity: [{ selector: { matchLabels: { app: 'r' } }, topologyKey: 'kubernetes.io/hostname' }],
          }))
          .concat([{ name: 'free', requests: { cpu: 1 }, labels: { app: 'f' }, antiAffinity: [] }]),
      },
    ],
  ];
  for (const [name, body] of cases) {
    it(name, async () => {
      const v = validateSnapshot(body);
      assert.ok(v.ok);
      const e = await explainInfeasible(v.model, sharedPool(), Date.now() + 20_000);
      assert.ok(e && e.minimal, JSON.stringify(e));
      const keep = e.containers.map((c) => v.model.items.indexOf(c));
      assert.equal(bruteForcePlan(restrictItems(v.model, keep)), null, 'the conflict itself has no plan');
      for (const drop of keep)
        assert.notEqual(
          bruteForcePlan(
            restrictItems(
              v.model,
              keep.filter((j) => j !== drop),
            ),
          ),
          null,
          `without ${v.model.items[drop]} it fits`,
        );
      assert.ok(e.causes.length > 0);
    });
  }
});

describe('LP export', function () {
  this.timeout(60_000);
  it('the exported CPLEX LP, read by HiGHS on its own, has the same optimum (balance objective too)', async () => {
    // HiGHS's own parser reading the LP text: nothing of the formulation object is shared.
    const highs = ENGINES.highs;
    await highs.load();
    for (const objective of ['cost', 'balance', 'pack'] as const) {
      const v = snapshot({ ...EVAL, options: { objective } });
      const lp = toCplexLp(formulate(v.model), v.model);
      const r = highs.solveText!(lp, { timeLimitMs: 30_000 });
      const o = await solveModel(v.model, v.options, sharedPool());
      assert.equal(r.status, 'optimal');
      assert.ok(Math.abs(r.objective! - o.objective!) < 1e-6, `${objective}: LP ${r.objective} vs ${o.objective}`);
    }
  });

  it('writes a program of 200 000 variables (a spread of its lines once overflowed the call stack)', () => {
    const n = 80;
    const m = 2500;
    const v = program({
      cost: Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => (i * 7919 + j * 104729) % 1000)),
      demand: {
        load: Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => 1 + ((i * 31 + j * 17) % 97))),
      },
      capacity: { load: Array.from({ length: n }, () => 2000) },
    });
    const ip = formulate(v.model);
    assert.ok(ip.varCost.length > 150_000);
    const lp = toCplexLp(ip, v.model);
    assert.ok(lp.endsWith('End\n'));
    assert.equal((lp.match(/^ x\d+$/gm) ?? []).length, ip.varCost.length, 'every variable in the General section');
  });
});

/** Capacity fixtures (fixtures/capacity): each question with the fields its answer must have. */
describe('capacity fixtures (fixtures/capacity)', function () {
  this.timeout(60_000);
  const subset = (got: unknown, want: unknown, path: string): void => {
    if (Array.isArray(want)) {
      assert.ok(Array.isArray(got) && got.length === want.length, `${path}: ${JSON.stringify(got)}`);
      want.forEach((w, k) => subset((got as unknown[])[k], w, `${path}[${k}]`));
    } else if (typeof want === 'object' && want !== null) {
      for (const [k, w] of Object.entries(want)) subset((got as Record<string, unknown>)?.[k], w, `${path}.${k}`);
    } else if (typeof want === 'number')
      assert.ok(typeof got === 'number' && Math.abs(got - want) < 1e-9, `${path}: ${got} vs ${want}`);
    else assert.equal(got, want, path);
  };
  for (const c of loadCases<{ name: string; input: unknown; want: unknown }>('capacity')) {
    it(`${c.name} (${c.file})`, async () => {
      const answer = await answerCapacity(c.input, { pool: sharedPool(), limits: LIMITS });
      subset(answer, c.want, 'answer');
    });
  }
});
