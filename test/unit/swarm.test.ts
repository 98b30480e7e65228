import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  equalFold,
  nodeMatches,
  parseConstraint,
  platformMatches,
  type Constraint,
} from '../../models/swarm-constraints.js';
import type { SwarmNode } from '../../models/swarm-schema.js';
import fc from 'fast-check';
import { validatePlanBody, type Validated } from '../../models/validate.js';
import { swarmAssignment } from '../../solver/swarm.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { swarmJson } from '../../planning/swarm.js';
import { prepare } from '../../planning/prepare.js';
import { InputError } from '../../planning/errors.js';
import { swarmCluster, swarmLiveCluster } from '../../bench/swarm.js';
import { bruteForcePlan, fixturePath, loadCases, snapshot } from '../helpers.js';
import { sharedPool } from '../setup.js';

/** A fixture of fixtures/swarm: Docker's JSON as printed, with what swarmkit (and the optimum) do with it. */
interface SwarmCase {
  name: string;
  source?: string;
  input?: Record<string, unknown>;
  expected?: {
    status?: string;
    /** container → node in the optimal plan (only those listed). */
    plan?: Record<string, string>;
    swarm?: {
      /** Tasks Swarm's plan places per node (running ones not counted). */
      perNode?: Record<string, number>;
      /** Nodes whose count swarmkit's test leaves open. */
      open?: string[];
      atMost?: Record<string, number>;
      pending?: number;
    };
  };
}

type Ok = Extract<Validated, { ok: true }>;

function valid(body: unknown): Ok {
  const v = validatePlanBody(body);
  if (!v.ok) throw new Error(`invalid: ${JSON.stringify(v.issues)}`);
  return v;
}

/** Swarm's plan: the new tasks it places per node (running ones not counted), and how many it leaves pending. */
function swarmCounts(v: Ok): { plan: Int32Array; perNode: Record<string, number>; pending: number } {
  const plan = swarmAssignment(v.model.items, v.model.nodes, v.model.rules?.current, v.swarm!);
  const fresh = new Set(v.swarm!.services.flatMap((s) => s.pending.map((t) => t.name)));
  const perNode: Record<string, number> = {};
  let pending = 0;
  plan.forEach((i, j) => {
    if (!fresh.has(v.model.items[j]!)) return;
    if (i < 0) pending++;
    else perNode[v.model.nodes[i]!] = (perNode[v.model.nodes[i]!] ?? 0) + 1;
  });
  return { plan, perNode, pending };
}

function checkSwarm(v: Ok, want: NonNullable<NonNullable<SwarmCase['expected']>['swarm']>): Int32Array {
  const got = swarmCounts(v);
  const open = new Set(want.open ?? []);
  if (want.perNode)
    for (const node of v.model.nodes)
      if (!open.has(node) && (want.perNode[node] !== undefined || !want.open))
        assert.equal(got.perNode[node] ?? 0, want.perNode[node] ?? 0, `tasks Swarm places on ${node}`);
  for (const [node, most] of Object.entries(want.atMost ?? {}))
    assert.ok((got.perNode[node] ?? 0) <= most, `at most ${most} on ${node}: ${got.perNode[node]}`);
  if (want.pending !== undefined) assert.equal(got.pending, want.pending, 'tasks Swarm leaves pending');
  return got.plan;
}

describe('Docker Swarm fixtures (fixtures/swarm): inspect JSON as printed, Swarm’s placement and the optimum', function () {
  this.timeout(120_000);
  for (const c of loadCases<SwarmCase>('swarm').filter((c) => c.input)) {
    it(`${c.name} (${c.file})`, async () => {
      // Tasks swarmkit leaves pending: the optimum may leave them out too (else the plan is infeasible).
      const pending = (c.expected?.swarm?.pending ?? 0) > 0;
      const input = pending
        ? { ...c.input, options: { allowUnplaced: true, ...(c.input!['options'] ?? {}) } }
        : c.input;
      const v = valid(input);
      const swarm = checkSwarm(v, c.expected?.swarm ?? {});
      const outcome = await solveModel(v.model, v.options, sharedPool());
      if (c.expected?.status) assert.equal(outcome.status, c.expected.status);
      if (outcome.status === 'infeasible') return;
      assert.ok(verifyPlan(v.model, outcome.plan.assignment, true).valid, 'the plan passes the verifier');
      for (const [container, node] of Object.entries(c.expected?.plan ?? {}))
        assert.equal(v.model.nodes[outcome.plan.assignment[v.model.items.indexOf(container)]!], node, container);
      const side = swarmJson(v.model, swarm, outcome, 'list');
      assert.ok(side.valid, `Swarm's plan passes the verifier: ${side.violations?.join('; ')}`);
      if (side.objective !== null && outcome.status === 'optimal')
        assert.ok(outcome.objective! <= side.objective + 1e-9, 'the optimum is no worse than Swarm’s plan');
    });
  }
});

interface ConstraintTable {
  source: string;
  parse: { expr: string; ok: boolean; key?: string; value?: string; source: string }[];
  match: { constraints: string[]; node: SwarmNode; matches: boolean; source: string }[];
  platform: {
    platforms: { OS?: string; Architecture?: string }[];
    node: SwarmNode;
    matches: boolean;
    source: string;
  }[];
}

describe('Swarm constraints: swarmkit’s own test tables (fixtures/swarm/swarmkit-constraints.json)', () => {
  const table = JSON.parse(readFileSync(fixturePath('swarm', 'swarmkit-constraints.json'), 'utf8')) as ConstraintTable;
  it(`parses as swarmkit parses (${table.parse.length} cases)`, () => {
    for (const c of table.parse) {
      const got = parseConstraint(c.expr);
      assert.equal(!('error' in got), c.ok, `${JSON.stringify(c.expr)} (${c.source})`);
      if ('key' in got && c.key !== undefined) assert.deepEqual([got.key, got.value], [c.key, c.value], c.source);
    }
  });
  it(`matches nodes as swarmkit's ConstraintFilter (${table.match.length} cases)`, () => {
    for (const c of table.match) {
      const parsed = c.constraints.map(parseConstraint);
      const ok = parsed.every((p) => !('error' in p));
      const got = ok && nodeMatches(parsed as Constraint[], c.node);
      assert.equal(got, c.matches, `${JSON.stringify(c.constraints)} (${c.source})`);
    }
  });
  it(`and its PlatformFilter (${table.platform.length} cases)`, () => {
    for (const c of table.platform)
      assert.equal(platformMatches({ Platforms: c.platforms }, c.node), c.matches, c.source);
  });
  it('Go’s whitespace, trimming and case folding, from reading constraint.go', () => {
    // Go's \s is [\t\n\f\r ]; TrimSpace keeps U+FEFF; EqualFold folds ſ with S and the Kelvin sign with k.
    assert.ok('error' in parseConstraint('node.labels.k==a\u000bb'));
    assert.ok('error' in parseConstraint('\ufeffnode.id==x'));
    assert.deepEqual(parseConstraint('\u00a0node.id == x\u3000'), { key: 'node.id', equal: true, value: 'x' });
    assert.ok(equalFold('ſ', 'S') && equalFold('\u212a', 'k') && !equalFold('ß', 'SS'));
  });
});

const GiB = 1024 ** 3;

interface NodeOpts {
  labels?: Record<string, string>;
  role?: 'worker' | 'manager';
  availability?: 'active' | 'pause' | 'drain';
  state?: 'ready' | 'down' | 'unknown' | 'disconnected';
  cpu?: number;
  mem?: number;
  gpus?: string[];
  engine?: Record<string, string>;
  arch?: string;
  addr?: string;
}

/** A node as `docker node inspect` prints it (the fields swarmkit reads). */
function node(id: string, o: NodeOpts = {}): Record<string, unknown> {
  return {
    ID: `id-${id}`,
    Spec: { Labels: o.labels ?? {}, Role: o.role ?? 'worker', Availability: o.availability ?? 'active' },
    Description: {
      Hostname: id,
      Platform: { OS: 'linux', Architecture: o.arch ?? 'x86_64' },
      Resources: {
        NanoCPUs: (o.cpu ?? 4) * 1e9,
        MemoryBytes: (o.mem ?? 8) * GiB,
        ...(o.gpus ? { GenericResources: o.gpus.map((g) => ({ NamedResourceSpec: { Kind: 'GPU', Value: g } })) } : {}),
      },
      Engine: { Labels: o.engine ?? {} },
    },
    Status: { State: o.state ?? 'ready', Addr: o.addr ?? '10.0.0.1' },
  };
}

interface ServiceOpts {
  replicas?: number;
  global?: boolean;
  cpu?: number;
  mem?: number;
  gpus?: number;
  constraints?: string[];
  spread?: string[];
  max?: number;
  hostPort?: number;
  platforms?: { OS?: string; Architecture?: string }[];
}

/** A service as `docker service inspect` prints it. */
function service(name: string, o: ServiceOpts = {}): Record<string, unknown> {
  return {
    ID: `id-${name}`,
    Spec: {
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: `${name}:1` },
        Resources: {
          Reservations: {
            ...(o.cpu ? { NanoCPUs: o.cpu * 1e9 } : {}),
            ...(o.mem ? { MemoryBytes: o.mem * GiB } : {}),
            ...(o.gpus ? { GenericResources: [{ DiscreteResourceSpec: { Kind: 'GPU', Value: o.gpus } }] } : {}),
          },
        },
        Placement: {
          ...(o.constraints ? { Constraints: o.constraints } : {}),
          ...(o.spread ? { Preferences: o.spread.map((d) => ({ Spread: { SpreadDescriptor: d } })) } : {}),
          ...(o.max ? { MaxReplicas: o.max } : {}),
          ...(o.platforms ? { Platforms: o.platforms } : {}),
        },
      },
      Mode: o.global ? { Global: {} } : { Replicated: { Replicas: o.replicas ?? 1 } },
      ...(o.hostPort
        ? {
            EndpointSpec: {
              Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: o.hostPort, PublishMode: 'host' }],
            },
          }
        : {}),
    },
  };
}

/** A running task, as `docker inspect` of a task prints it. */
function task(svc: string, slot: number | undefined, on: string, desired = 'running'): Record<string, unknown> {
  return {
    ID: `t-${svc}-${slot ?? on}`,
    ServiceID: `id-${svc}`,
    NodeID: `id-${on}`,
    ...(slot !== undefined ? { Slot: slot } : {}),
    Status: { State: 'running' },
    DesiredState: desired,
  };
}

async function solved(body: Record<string, unknown>) {
  const v = valid(body);
  const outcome = await solveModel(v.model, v.options, sharedPool());
  const nodeOf = (name: string): string | null => {
    const i = outcome.plan.assignment[v.model.items.indexOf(name)]!;
    return i < 0 ? null : v.model.nodes[i]!;
  };
  const swarm = swarmCounts(v);
  return { v, outcome, nodeOf, swarm, side: swarmJson(v.model, swarm.plan, outcome, 'list') };
}

describe('Docker Swarm input: swarmkit’s meaning of each field', function () {
  this.timeout(60_000);

  it('drained and down nodes lose their tasks, paused ones keep them; none of them takes new tasks', async () => {
    const nodes = [
      node('a', { cpu: 8 }),
      node('b', { availability: 'drain' }),
      node('c', { availability: 'pause' }),
      node('d', { state: 'down' }),
      node('e', { state: 'unknown' }),
    ];
    const tasks = [task('web', 1, 'b'), task('web', 2, 'c'), task('web', 3, 'd')];
    const s = await solved({ nodes, services: [service('web', { replicas: 4, cpu: 1 })], tasks });
    assert.deepEqual(s.v.model.items, ['web.2', 'web.1', 'web.3', 'web.4']);
    assert.equal(s.nodeOf('web.2'), 'c', 'the paused node keeps its task');
    for (const t of ['web.1', 'web.3', 'web.4']) assert.equal(s.nodeOf(t), 'a', `${t} can only go to a`);
    assert.deepEqual(s.swarm.perNode, { a: 3 });
    assert.deepEqual(s.v.notes!.slice(0, 3), [
      '4 nodes take no new tasks (not ready, paused or drained): b, c, d, e',
      '2 nodes are drained or down, and the tasks there stop: b, d',
      '2 tasks run on drained or down nodes: not counted as running, their services need them placed again',
    ]);
  });

  it('a global service: a task per node that takes tasks and meets its constraints, kept first where it fits', async () => {
    const nodes = [
      node('a'),
      node('b'),
      node('c', { availability: 'drain' }),
      node('d', { labels: { agent: 'no' } }),
      node('e', { cpu: 0.2 }),
    ];
    const services = [service('agent', { global: true, cpu: 0.5, constraints: ['node.labels.agent!=NO'] })];
    const s = await solved({
      nodes,
      services,
      tasks: [task('agent', undefined, 'a')],
      options: { allowUnplaced: true },
    });
    assert.deepEqual(s.v.model.items, ['agent.a', 'agent.b', 'agent.e']);
    assert.equal(s.nodeOf('agent.a'), 'a');
    assert.equal(s.nodeOf('agent.b'), 'b');
    assert.equal(s.nodeOf('agent.e'), null, 'e has 0.2 cpu for a 0.5 cpu task: pending, as swarmkit leaves it');
    assert.deepEqual(s.swarm.perNode, { b: 1 });
    assert.equal(s.swarm.pending, 1);
    assert.deepEqual(s.side.pending, ['agent.e']);
  });

  it('MaxReplicas is an at-most rule per node, counting running tasks; host-mode ports one per node', async () => {
    const nodes = [node('a'), node('b'), node('c')];
    const services = [
      service('db', { replicas: 7, max: 2 }),
      service('lb', { replicas: 2, hostPort: 80 }),
      service('lb2', { replicas: 2, hostPort: 80 }),
    ];
    const s = await solved({
      nodes,
      services,
      tasks: [task('db', 1, 'a'), task('db', 2, 'a')],
      options: { allowUnplaced: true },
    });
    const on = (svc: string, n: string) =>
      s.v.model.items.filter((name) => name.startsWith(`${svc}.`) && s.nodeOf(name) === n).length;
    for (const n of ['a', 'b', 'c']) assert.ok(on('db', n) <= 2, `db on ${n}`);
    assert.equal(on('db', 'a'), 2, 'the running ones stay');
    assert.equal(
      s.outcome.plan.verification.placed,
      6 + 3,
      'db: 6 of 7 fit (3 nodes × 2); lb and lb2: 3 of 4 (one port 80 per node)',
    );
    for (const n of ['a', 'b', 'c']) assert.ok(on('lb', n) + on('lb2', n) <= 1, `port 80 on ${n}`);
    assert.equal(s.swarm.pending, 2, 'Swarm leaves one db and one lb task pending too');
    const three = Int32Array.from(s.outcome.plan.assignment);
    three[s.v.model.items.indexOf('db.3')] = 0;
    assert.ok(!verifyPlan(s.v.model, three, false).valid, 'a third db task on a breaks MaxReplicas');
  });

  it('generic resources: a named resource is one unit of its kind; platforms; constraints as swarmkit reads them', async () => {
    const nodes = [
      node('gpu1', { gpus: ['GPU-0', 'GPU-1'], labels: { Zone: 'East' } }),
      node('gpu2', { gpus: ['GPU-2'], arch: 'aarch64' }),
      node('cpu1', { addr: '192.168.1.7', engine: { os: 'Ubuntu' } }),
    ];
    const services = [
      service('train', { replicas: 2, gpus: 1 }),
      service('arm', { replicas: 1, platforms: [{ OS: 'linux', Architecture: 'arm64' }] }),
      service('east', { replicas: 1, constraints: ['node.labels.Zone==east'] }),
      service('subnet', { replicas: 1, constraints: ['node.ip==192.168.0.0/16', 'engine.labels.os==ubuntu'] }),
      service('nowhere', { replicas: 1, constraints: ['node.labels.zone==east'] }),
      service('odd', { replicas: 1, constraints: ['node.colour==red'] }),
    ];
    const s = await solved({ nodes, services, options: { allowUnplaced: true } });
    assert.deepEqual(
      [s.nodeOf('train.1'), s.nodeOf('train.2')].sort(),
      ['gpu1', 'gpu1'].sort().length === 2 ? [s.nodeOf('train.1'), s.nodeOf('train.2')].sort() : [],
    );
    assert.ok(['gpu1', 'gpu2'].includes(s.nodeOf('train.1')!) && ['gpu1', 'gpu2'].includes(s.nodeOf('train.2')!));
    assert.equal(s.nodeOf('arm.1'), 'gpu2', 'aarch64 is arm64');
    assert.equal(s.nodeOf('east.1'), 'gpu1', 'values compare case-insensitively, label names exactly');
    assert.equal(s.nodeOf('subnet.1'), 'cpu1');
    assert.equal(s.nodeOf('nowhere.1'), null, 'label names are case-sensitive: no node has "zone"');
    assert.equal(s.nodeOf('odd.1'), null);
    assert.match(s.v.notes!.join('\n'), /1 service \(odd\) have constraints with keys swarmkit does not know/);
  });

  it('spread preferences are soft spread rules; Swarm’s two-level tree overshoots where running tasks sit', async () => {
    // Zones z1 and z2, five racks each, one node per rack; the service runs in r1, r2 (z1) and r6, r7 (z2).
    const nodes = Array.from({ length: 10 }, (_, i) =>
      node(`n${i + 1}`, { labels: { zone: i < 5 ? 'z1' : 'z2', rack: `r${i + 1}` } }),
    );
    const tasks = [task('web', 1, 'n1'), task('web', 2, 'n2'), task('web', 3, 'n6'), task('web', 4, 'n7')];
    const spread = ['node.labels.zone', 'node.labels.rack'];
    const s = await solved({ nodes, services: [service('web', { replicas: 6, spread })], tasks });
    const zoneOf = (n: string | null) => (n && Number(n.slice(1)) <= 5 ? 'z1' : 'z2');
    const optimum = ['web.5', 'web.6'].map((t) => zoneOf(s.nodeOf(t))).sort();
    assert.deepEqual(optimum, ['z1', 'z2'], 'the optimum evens the zones: 3 and 3');
    assert.equal(s.outcome.plan.verification.parts.preferences, 0);
    // swarmkit: zone z1 is asked for 1 task; its racks split (2 running + 1) / 5 = 0 rem 3, so each of r3, r4, r5
    // is asked for one: both new tasks land in z1 (4 and 2), whichever zone Go's map order visits first.
    const swarmZones = Object.keys(s.swarm.perNode).map(zoneOf);
    assert.deepEqual(swarmZones, ['z1', 'z1']);
    assert.ok((s.side.parts.preferences ?? 0) > 0, 'Swarm’s plan leaves the zone spread unmet');
  });

  it('a node its running tasks overfill takes no task that reserves anything, as swarmkit’s ResourceFilter', async () => {
    // a has 2 cpu but runs a task reserving 3 (its resources shrank): swarmkit compares NanoCPUs and MemoryBytes
    // whenever a task reserves anything, so a memory-only task cannot go there; one reserving nothing can.
    const nodes = [node('a', { cpu: 2 }), node('b', { cpu: 2 })];
    const services = [service('big', { cpu: 3 }), service('mem', { mem: 1 }), service('free', { replicas: 2, max: 1 })];
    const s = await solved({ nodes, services, tasks: [task('big', 1, 'a')] });
    assert.equal(s.nodeOf('mem.1'), 'b');
    assert.deepEqual([s.nodeOf('free.1'), s.nodeOf('free.2')].sort(), ['a', 'b']);
    assert.deepEqual(s.swarm.perNode, { a: 1, b: 2 });
    assert.match(s.v.notes!.join('\n'), /running tasks reserve more than these nodes have: a;/);
  });

  it('a running task publishing a host port counts once; nowhere left is infeasible, explained (fuzz seed 2905)', async () => {
    const nodes = [node('a'), node('b', { gpus: ['g0', 'g1'] })];
    const services = [service('s', { replicas: 2, gpus: 1, hostPort: 80 })];
    const v = valid({ nodes, services, tasks: [task('s', 10, 'b')] });
    assert.deepEqual(
      v.model.rules?.groups.map((g) => [g.name, 'items' in g ? g.items : []]),
      [['at most 1 of host port tcp/80 per node', [0, 1]]],
    );
    const o = await solveModel(v.model, v.options, sharedPool());
    assert.equal(o.status, 'infeasible', 'the new task needs a GPU (only b) and port 80 (taken on b)');
  });

  it('a global task whose node runs a stopping one is named apart', () => {
    const v = valid({
      nodes: [node('a')],
      services: [service('agent', { global: true })],
      tasks: [task('agent', undefined, 'a', 'shutdown')],
    });
    assert.deepEqual(v.model.items, ['agent.a', 'agent.a.2']);
  });

  it('refuses what Docker refuses, naming the field', () => {
    const nodes = [node('a'), node('a')];
    const bad = validatePlanBody({ nodes, services: [service('x', { constraints: ['node.labels.zone = a'] })] });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.issues, [
      { path: 'nodes[1].ID', message: 'duplicate node ID "id-a"' },
      {
        path: 'services[0].Spec.TaskTemplate.Placement.Constraints[0]',
        message: 'must be "key==value" or "key!=value" (swarmkit refuses "node.labels.zone = a")',
      },
    ]);
    const negative = validatePlanBody({ nodes: [node('a')], services: [service('x', { replicas: -1 })] });
    assert.ok(!negative.ok);
    assert.deepEqual(negative.issues, [
      { path: 'services[0].Spec.Mode.Replicated.Replicas', message: 'must not be negative' },
    ]);
  });

  it('refuses a service of 10¹² replicas from the counts, before building anything', () => {
    const body = JSON.stringify({ nodes: [node('a')], services: [service('x', { replicas: 1e12 })] });
    const limits = { maxNodes: 5000, maxContainers: 200_000, maxPairs: 1e9, maxResources: 32, maxTimeLimitMs: 60_000 };
    assert.throws(
      () => prepare({ route: 'plan', body, limits }),
      (err: unknown) =>
        err instanceof InputError &&
        err.issues.some((i) => i.message === '1000000000000 containers exceed the limit of 200000'),
    );
  });
});

describe('Docker Swarm: properties over generated clusters', function () {
  this.timeout(300_000);

  it('Swarm’s plan passes the verifier, and the optimum is never worse, on clusters of 10 to 60 nodes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 10, max: 60 }),
        fc.integer({ min: 3, max: 12 }),
        fc.nat(),
        async (n, k, seed) => {
          const base = swarmCluster(n, k, seed);
          const v = valid({ ...base, options: { allowUnplaced: true, timeLimitMs: 20_000 } });
          const { plan } = swarmCounts(v);
          const check = verifyPlan(v.model, plan, true);
          assert.ok(check.valid, check.violations.join('; '));
          const placement = new Map<string, string>();
          plan.forEach((i, j) => i >= 0 && placement.set(v.model.items[j]!, v.model.nodes[i]!));
          const live = valid({ ...swarmLiveCluster(base, placement, 0.5, seed), options: { allowUnplaced: true } });
          const again = swarmCounts(live);
          assert.ok(verifyPlan(live.model, again.plan, true).valid, 'after a deploy round too');
          const outcome = await solveModel(live.model, { ...live.options, timeLimitMs: 20_000 }, sharedPool());
          const side = swarmJson(live.model, again.plan, outcome, 'list');
          if (outcome.status === 'optimal') assert.ok(outcome.objective! <= side.objective! + 1e-9);
        },
      ),
      { numRuns: 12, seed: 29 },
    );
  });

  it('tiny clusters: the solve equals brute force over the converted model, and Swarm’s plan is never better', async () => {
    const constraintsOf = ['node.labels.t==x', 'node.role!=manager', 'node.labels.t!=x'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ cpu: fc.integer({ min: 1, max: 4 }), x: fc.boolean(), mgr: fc.boolean() }), {
          minLength: 2,
          maxLength: 3,
        }),
        fc.array(
          fc.record({
            replicas: fc.integer({ min: 1, max: 3 }),
            cpu: fc.integer({ min: 0, max: 2 }),
            c: fc.integer({ min: -1, max: 2 }),
            max: fc.integer({ min: 0, max: 2 }),
            spread: fc.boolean(),
          }),
          { minLength: 1, maxLength: 2 },
        ),
        async (ns, ss) => {
          const nodes = ns.map((o, i) =>
            node(`n${i}`, { cpu: o.cpu, role: o.mgr ? 'manager' : 'worker', labels: o.x ? { t: 'x' } : {} }),
          );
          const services = ss.map((o, k) =>
            service(`s${k}`, {
              replicas: o.replicas,
              ...(o.cpu ? { cpu: o.cpu } : {}),
              ...(o.c >= 0 ? { constraints: [constraintsOf[o.c]!] } : {}),
              ...(o.max ? { max: o.max } : {}),
              ...(o.spread ? { spread: ['node.labels.t'] } : {}),
            }),
          );
          const v = valid({ nodes, services, options: { allowUnplaced: true } });
          const outcome = await solveModel(v.model, v.options, sharedPool());
          const brute = bruteForcePlan(v.model);
          assert.equal(outcome.status, 'optimal');
          assert.ok(
            Math.abs(outcome.objective! - brute!.objective) < 1e-9,
            `${outcome.objective} vs ${brute!.objective}`,
          );
          const side = swarmJson(v.model, swarmCounts(v).plan, outcome, 'list');
          assert.ok(side.valid);
          assert.ok(brute!.objective <= side.objective! + 1e-9);
        },
      ),
      { numRuns: 60, seed: 2929 },
    );
  });
});

describe('maxPerNode (plain snapshots): at most `limit` of a group on one node', () => {
  it('counts running containers, refuses differing limits, and matches brute force', async () => {
    const s = snapshot({
      nodes: [
        { name: 'a', capacity: { cpu: 4 } },
        { name: 'b', capacity: { cpu: 4 } },
      ],
      containers: [
        { name: 'r1', requests: { cpu: 1 }, current: 'a', pinned: true, maxPerNode: [{ group: 'g', limit: 2 }] },
        ...['p1', 'p2', 'p3'].map((name) => ({ name, requests: { cpu: 1 }, maxPerNode: [{ group: 'g', limit: 2 }] })),
      ],
      options: { allowUnplaced: true },
    });
    const o = await solveModel(s.model, s.options, sharedPool());
    const brute = bruteForcePlan(s.model)!;
    assert.equal(o.status, 'optimal');
    assert.ok(Math.abs(o.objective! - brute.objective) < 1e-9);
    const onA = [...o.plan.assignment].filter((i) => i === 0).length;
    const onB = [...o.plan.assignment].filter((i) => i === 1).length;
    assert.deepEqual([onA, onB, o.plan.verification.placed], [2, 2, 4]);
    // With no other rule in the snapshot (the fuzz found the rule left out then).
    const alone = snapshot({
      nodes: ['a', 'b', 'c'].map((name) => ({ name, capacity: { cpu: 1 } })),
      containers: ['x', 'y'].map((name) => ({ name, maxPerNode: [{ group: 'port 80', limit: 1 }] })),
    });
    assert.ok(!verifyPlan(alone.model, Int32Array.from([0, 0]), true).valid, 'two on one node break it');
    const p = await solveModel(alone.model, alone.options, sharedPool());
    assert.notEqual(p.plan.assignment[0], p.plan.assignment[1]);
    const differ = validatePlanBody({
      nodes: [{ name: 'a', capacity: { cpu: 1 } }],
      containers: [
        { name: 'x', maxPerNode: [{ group: 'g', limit: 1 }] },
        { name: 'y', maxPerNode: [{ group: 'g', limit: 2 }] },
      ],
    });
    assert.ok(!differ.ok);
    assert.deepEqual(differ.issues, [
      { path: 'containers[1].maxPerNode[0].limit', message: 'group "g" has limit 1 in an earlier container' },
    ]);
  });
});
