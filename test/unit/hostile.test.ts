import assert from 'node:assert/strict';
import { ThreadPool, WorkerStoppedError } from '../../solver/threads.js';
import { DeadlineError, QueueFullError, SolverPool } from '../../solver/pool.js';
import { BACKENDS, loadEngines } from '../../solver/backends/index.js';
import { formulate } from '../../solver/formulate.js';
import { relativeGap } from '../../solver/bounds.js';
import { prepare } from '../../planning/prepare.js';
import { InputError } from '../../planning/errors.js';
import { SnapshotSchema } from '../../models/snapshot.js';
import { snapshotToModel } from '../../models/build.js';
import { itemsOf } from '../../models/rules/registry.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { clusterSnapshot } from '../../bench/clusters.js';
import { answerCapacity, snapshot } from '../helpers.js';
import { sharedPool } from '../setup.js';
import { MAX_JSON_DEPTH, shapeIssue } from '../../models/json.js';
import fc from 'fast-check';
import { validateConverted } from '../../models/validate.js';
import { outcomeJson } from '../../planning/answer.js';
import type { PlanAnswer } from '../../planning/schemas.js';

/** Unit-level regression tests for issue 12: the pool's lifecycle, admission, limits and exactness. */
const workerFile = (name: string): URL => new URL(`../workers/${name}.js`, import.meta.url);
const LIMITS = {
  maxNodes: 5000,
  maxContainers: 50_000,
  maxPairs: 2_000_000,
  maxResources: 64,
  maxTimeLimitMs: 120_000,
};

describe('the thread pool', function () {
  this.timeout(60_000);

  it('says it is failing when new workers keep dying while they load, and backs off', async () => {
    const events: string[] = [];
    const pool = new ThreadPool({
      name: 'broken',
      file: workerFile('fails-to-load'),
      threads: 1,
      output: () => undefined,
      onEvent: (e) => events.push(e.kind),
    });
    try {
      const since = Date.now();
      while (!pool.health().failing && Date.now() - since < 10_000) await new Promise((r) => setTimeout(r, 20));
      const h = pool.health();
      assert.equal(h.failing, true);
      assert.equal(h.ready, 0);
      assert.ok(h.startupFailures >= 3);
      // Each died on its own: crashed, not replaced on purpose.
      assert.deepEqual([h.crashed >= 3, h.replaced], [true, 0]);
      assert.ok(events.includes('replace'), 'a growing delay before the next worker');
    } finally {
      await pool.close();
    }
  });

  it('never terminates a worker while it loads: closing a pool that is starting waits for its workers, and a stopped worker is replaced', async () => {
    const closing = new ThreadPool({ name: 'closing', file: workerFile('slow-to-load'), threads: 2 });
    assert.equal(closing.health().starting, 2);
    await closing.close();
    const pool = new ThreadPool({ name: 'slow', file: workerFile('slow-to-load'), threads: 1 });
    try {
      const first = await pool.acquire();
      assert.equal(await first.run({ value: 1 }), 1);
      first.terminate('test');
      // The replacement loads; asking for a worker waits for it.
      const waiting = pool.acquire();
      for (let t = 0; t < 100 && pool.health().starting === 0; t++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(pool.health().starting, 1);
      const second = await waiting;
      assert.equal(await second.run({ value: 2 }), 2);
      const running = second.run({ wait: 5000, value: 3 });
      second.terminate('stopped mid-task');
      await assert.rejects(running, WorkerStoppedError);
      await pool.ready();
      // Both were stopped on purpose: replaced, not crashed.
      assert.deepEqual([pool.health().replaced, pool.health().crashed], [2, 0]);
    } finally {
      await pool.close();
    }
  });

  it('serves waiters in order, a spare request only when nobody else waits', async () => {
    const pool = new ThreadPool({ name: 'order', file: workerFile('slow-to-load'), threads: 1 });
    try {
      const held = await pool.acquire();
      const order: string[] = [];
      const spare = pool.acquire(undefined, 'spare').then((l) => (order.push('spare'), l.release()));
      const normal = pool.acquire().then((l) => (order.push('normal'), l.release()));
      const front = pool.acquire(undefined, 'front').then((l) => (order.push('front'), l.release()));
      held.release();
      await Promise.all([spare, normal, front]);
      assert.deepEqual(order, ['front', 'normal', 'spare']);
    } finally {
      await pool.close();
    }
  });
});

describe('admission to the solver threads', function () {
  this.timeout(60_000);

  it('gives one client at most its share of the queue; another client still gets in', async () => {
    const pool = new SolverPool({ threads: 1, maxQueue: 4, maxQueuePerClient: 1 });
    try {
      await pool.ready();
      const deadline = Date.now() + 10_000;
      const holding = pool.admit({ client: 'a', deadline });
      await holding.lead();
      const waitingA = pool.admit({ client: 'a', deadline });
      const pending = waitingA.lead();
      assert.throws(
        () => pool.admit({ client: 'a', deadline }),
        (e: unknown) =>
          e instanceof QueueFullError && e.retryAfterSeconds >= 1 && /this client already has 1/.test(e.message),
      );
      const b = pool.admit({ client: 'b', deadline });
      holding.release();
      await pending;
      waitingA.release();
      await b.lead();
      b.release();
    } finally {
      await pool.close();
    }
  });

  it('takes a request that waited past its deadline out of the queue, and its solve answers with the greedy plan', async () => {
    const pool = new SolverPool({ threads: 1, maxQueue: 4 });
    try {
      await pool.ready();
      const holding = pool.admit({ deadline: Date.now() + 10_000 });
      await holding.lead();
      const late = pool.admit({ deadline: Date.now() + 200 });
      await assert.rejects(late.lead(), DeadlineError);
      late.release();
      assert.equal(pool.queued, 0);
      const { model, options } = snapshot({ ...clusterSnapshot(3, 6, 5), options: { timeLimitMs: 300 } });
      const o = await solveModel(model, options, pool);
      assert.equal(o.source, 'greedy');
      assert.ok(
        o.notes.some((n) => /no solver thread became free within the time limit/.test(n)),
        o.notes.join('; '),
      );
      assert.ok(verifyPlan(model, o.plan.assignment, false).valid);
      holding.release();
    } finally {
      await pool.close();
    }
  });

  it('stops the largest solve when the process passes its memory limit, and still answers with a verified plan', async () => {
    const pool = new SolverPool({
      threads: 1,
      maxQueue: 2,
      memoryLimitBytes: process.memoryUsage.rss() + 64 * 2 ** 20,
    });
    try {
      await pool.ready();
      // The plain 0-1 model of 100 × 1000 makes HiGHS grow past a gigabyte.
      const big = snapshot({
        ...clusterSnapshot(100, 1000, 5),
        options: { timeLimitMs: 30_000, solver: 'highs', symmetry: false },
      });
      const o = await solveModel(big.model, big.options, pool);
      assert.ok(
        o.notes.some((n) => /memory limit/.test(n)),
        o.notes.join('; '),
      );
      assert.ok(pool.memoryStops >= 1);
      assert.ok(verifyPlan(big.model, o.plan.assignment, false).valid);
      assert.ok(o.timings.totalMs < 25_000, 'stopped, not run to its limit');
    } finally {
      await pool.close();
    }
  });
});

describe("names that are Object.prototype's keys, counted in answers", function () {
  this.timeout(60_000);
  const names = ['constructor', 'toString', 'hasOwnProperty'];

  it('the most free of a resource per topology level, the node types to buy, the kinds not read', async () => {
    const nodes = names.map((r, i) => ({ name: `n${i}`, capacity: { [r]: 4 }, labels: { rack: `r${i}` } }));
    const containers = [{ name: 'c', requests: { constructor: 1 }, gang: 'g', topology: { preferred: 'rack' } }];
    const v = snapshot({ nodes, containers, options: { topology: { levels: ['rack'] } } });
    const o = await solveModel(v.model, v.options, sharedPool());
    const a = outcomeJson(v.model, o, v.notes) as PlanAnswer;
    assert.deepEqual(a.topology!.fragmentation.plan[0]!.largestFree, {
      constructor: 3,
      toString: 4,
      hasOwnProperty: 4,
    });
    const catalogue = names.map((type, k) => ({ type, capacity: { cpu: 1 + k }, price: 1 + k, max: 2 }));
    const buy = await answerCapacity(
      {
        nodes: [],
        containers: [{ name: 'x', requests: { cpu: 1 } }],
        options: { timeLimitMs: 5_000 },
        question: { buy: { catalogue } },
      },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.deepEqual(buy['buy'], { constructor: 1 });
    const list = validateConverted({
      kind: 'List',
      items: [
        { kind: 'Node', metadata: { name: 'n' }, status: { allocatable: { cpu: '1' } } },
        { kind: 'constructor' },
        { kind: 'constructor' },
      ],
    });
    assert.ok(
      list.ok && list.notes?.includes('objects of other kinds were not read: 2 constructor'),
      JSON.stringify(list.ok ? list.notes : list.issues),
    );
  });
});

describe('limits, names and exactness', function () {
  this.timeout(60_000);

  it('GLPK answers a program with no columns (nothing placeable) instead of aborting its thread', async () => {
    await loadEngines();
    const { model } = snapshot({
      nodes: [{ name: 'a', capacity: { cpu: 1 } }],
      containers: [{ name: 'x', requests: { cpu: 2 } }],
      options: { allowUnplaced: true },
    });
    const ip = formulate(model);
    assert.equal(ip.varCost.length, 0);
    const r = BACKENDS.glpk.solve({ model, ip, timeLimitMs: 1000, mipGap: 0 });
    assert.equal(r.status, 'optimal');
    assert.deepEqual(Array.from(r.assignment!), [-1]);
  });

  it('compiles anti-affinity among thousands of replicas in rules of linear size', () => {
    const m = 3000;
    const containers = Array.from({ length: m }, (_, j) => ({
      name: `r${j}`,
      requests: { cpu: '10m' },
      labels: { app: j % 3 === 0 ? 'db' : 'web' },
      ...(j % 2 === 0
        ? { antiAffinity: [{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] }
        : {}),
    }));
    const model = snapshotToModel(
      SnapshotSchema.parse({
        nodes: Array.from({ length: 20 }, (_, i) => ({ name: `n${i}`, capacity: { cpu: 64 } })),
        containers,
      }),
    );
    const members = model.rules!.groups.reduce((t, g) => t + itemsOf(g).length, 0);
    assert.ok(members <= 2 * m, `${members} rule members for ${m} containers`);
  });

  it('checks the counts before the schema: a program over the pair limit is refused without reading its numbers', () => {
    const cost = Array.from({ length: 3000 }, () => Array.from({ length: 1000 }, () => 'not even a number'));
    assert.throws(
      () => prepare({ route: 'solve', body: { parsed: { cost, demand: {}, capacity: {} } }, limits: LIMITS }),
      (e: unknown) =>
        e instanceof InputError &&
        e.code === 'problem_too_large' &&
        /3000000 matrix entries exceed the limit of 2000000/.test(e.issues[0]!.message),
    );
  });

  it('takes 125 000 containers with allowUnplaced where the limits allow (a spread of Math.max overflowed the stack)', () => {
    const containers = Array.from({ length: 125_000 }, (_, j) => ({
      name: `c${j}`,
      requests: { cpu: '1m' },
      priority: j % 2,
    }));
    const limits = { ...LIMITS, maxContainers: 200_000, maxPairs: 1_000_000 };
    const p = prepare({
      route: 'plan',
      body: {
        parsed: { nodes: [{ name: 'a', capacity: { cpu: 1000 } }], containers, options: { allowUnplaced: true } },
      },
      limits,
    });
    assert.equal(p.kind, 'model');
  });

  it('refuses an LP export past its size limit with 422', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}`, capacity: { cpu: 1000 + i } }));
    const containers = Array.from({ length: 2000 }, (_, j) => ({ name: `c${j}`, requests: { cpu: 1 + (j % 997) } }));
    assert.throws(
      () =>
        prepare({
          route: 'plan',
          body: { parsed: { nodes, containers, options: { symmetry: false } } },
          format: 'lp',
          limits: LIMITS,
        }),
      (e: unknown) => e instanceof InputError && e.code === 'problem_too_large' && e.issues[0]!.path === 'format',
    );
  });

  it('defines the gap at and below zero: objective 0 against −5 is 100%, 0 against 0 is 0', () => {
    assert.equal(relativeGap(0, -5), 1);
    assert.equal(relativeGap(0, 0), 0);
    assert.equal(relativeGap(-10, -12), 2 / 12);
    assert.equal(relativeGap(110, 100), 10 / 110);
  });

  it('fit with repack moves nothing it need not move (two identical containers swapped nodes for extra 0)', async () => {
    const body = {
      nodes: [
        { name: 'a', capacity: { cpu: 4 } },
        { name: 'b', capacity: { cpu: 4 } },
      ],
      containers: [
        { name: 'x', requests: { cpu: 3 }, current: 'a' },
        { name: 'y', requests: { cpu: 3 }, current: 'b' },
      ],
      options: { timeLimitMs: 5000 },
      question: { fit: { shapes: [{ name: 'big', requests: { cpu: 2 } }], repack: true } },
    };
    for (let k = 0; k < 3; k++) {
      const r = await answerCapacity(body, { pool: sharedPool(), limits: LIMITS });
      assert.deepEqual(r['extra'], { big: 0 });
      assert.deepEqual(r['moves'], []);
    }
    const small = body.containers.map((c) => ({ ...c, requests: { cpu: 2 } }));
    const room = await answerCapacity(
      {
        ...body,
        containers: small,
        question: { fit: { shapes: [{ name: 'big', requests: { cpu: 4 } }], repack: true } },
      },
      { pool: sharedPool(), limits: LIMITS },
    );
    assert.deepEqual(room['extra'], { big: 1 });
    assert.equal((room['moves'] as unknown[]).length, 1, 'one move makes room for one more');
  });

  it('fit counts copies by position, not by name: a container called small#1 and a shape called small#x', async () => {
    // 6 cpu; small#1 (1 cpu) runs there; shapes small (1 cpu, weight 1), small#x (4 cpu, weight 5): the best
    // is one of each (weight 6). Counting names that start with "small#" took small#1 and small#x's copy for
    // small copies, and the copy named small#1 clashed with the running container.
    const body = {
      nodes: [{ name: 'n', capacity: { cpu: 6 } }],
      containers: [{ name: 'small#1', requests: { cpu: 1 }, current: 'n' }],
      options: { timeLimitMs: 5000 },
      question: {
        fit: {
          shapes: [
            { name: 'small', requests: { cpu: 1 }, weight: 1 },
            { name: 'small#x', requests: { cpu: 4 }, weight: 5 },
          ],
        },
      },
    };
    const r = await answerCapacity(body, { pool: sharedPool(), limits: LIMITS });
    assert.deepEqual([r['status'], r['extra'], r['weighted']], ['optimal', { small: 1, 'small#x': 1 }, 6]);
    assert.deepEqual((r['greedy'] as { aloneEach: unknown }).aloneEach, { small: 5, 'small#x': 1 });
  });
});

describe('the shape of a body before its schema', () => {
  /** The reference: the deepest nesting (the body at 0) and whether some object has a `__proto__` key. */
  const depthOf = (v: unknown): number =>
    typeof v !== 'object' || v === null ? -1 : 1 + Math.max(-1, ...Object.values(v).map(depthOf));
  const hasProto = (v: unknown): boolean =>
    typeof v === 'object' &&
    v !== null &&
    ((!Array.isArray(v) && Object.keys(v).includes('__proto__')) || Object.values(v).some(hasProto));
  /** Bodies as JSON text: nested values, some keys `__proto__`, some chains past 64 levels. */
  const text = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('1', '"x"', 'null', 'true'),
      fc.array(tie('value'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
      fc
        .array(fc.tuple(fc.constantFrom('a', 'b', '__proto__'), tie('value')), { maxLength: 3 })
        .map((kv) => `{${[...new Map(kv)].map(([k, v]) => `"${k}":${v}`).join(',')}}`),
      fc.tuple(fc.integer({ min: 60, max: 70 }), tie('value')).map(([n, v]) => '['.repeat(n) + v + ']'.repeat(n)),
    ),
  })).value;

  it('finds a problem exactly when a body nests 64 levels deep or names a key __proto__', () => {
    fc.assert(
      fc.property(text, (t) => {
        const body = JSON.parse(`[${t}]`) as unknown;
        const issue = shapeIssue(body);
        assert.equal(issue !== undefined, depthOf(body) >= MAX_JSON_DEPTH || hasProto(body), t);
      }),
      { numRuns: 500 },
    );
  });
});
