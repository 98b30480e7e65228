import fc from 'fast-check';
import { swarmArb } from './swarm.js';

/**
 * The fuzzer's requests: each a route, a content type, the bytes sent and what the answer must be.
 * - snapshot: a random valid snapshot (quantities in every written form, odd resource names, rules,
 *   costs or the default score, objectives); tiny ones with explicit costs are checked against brute force;
 * - program: a random valid program, checked against brute force;
 * - quantity: a snapshot with one request written as a random string of quantity-like characters, which
 *   must be accepted exactly when the Kubernetes grammar (the oracle's, not the service's) takes it;
 * - mutated: a valid body with one random damage (a field removed, retyped, renamed or pushed out of range);
 * - swarm: a random Docker Swarm body (bench/fuzz/swarm.ts), its plan and Swarm's checked by swarmkit's rules;
 * - hostile: __proto__ keys, nesting past the depth limit, JSON that is not JSON, wrong content types.
 */
export type Expect =
  | { readonly kind: 'plan'; readonly body: Record<string, unknown>; readonly optimum?: number | 'brute-force' }
  | { readonly kind: 'program'; readonly body: Record<string, unknown> }
  | { readonly kind: 'swarm'; readonly body: Record<string, unknown> }
  | { readonly kind: 'quantity'; readonly body: Record<string, unknown>; readonly text: string; readonly path: string }
  | { readonly kind: 'error'; readonly status: number; readonly path?: string }
  | { readonly kind: 'any' };

export interface FuzzCase {
  readonly name: string;
  readonly route: string;
  readonly contentType: string | null;
  readonly payload: string;
  readonly expect: Expect;
}

const RESOURCES = [
  'cpu',
  'memory',
  'nvidia.com/gpu',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'example.com/foo',
];

/** A quantity of `milli` milli-units, in one of the forms Kubernetes takes. */
const quantity = (milli: number): fc.Arbitrary<string | number> =>
  fc
    .constantFrom<(x: number) => string | number>(
      (x) => (x % 1000 === 0 ? x / 1000 : `${x}m`),
      (x) => `${x}m`,
      (x) => (x % 1000 === 0 ? `${x / 1000}` : `${(x / 1000).toFixed(3)}`),
      (x) => (x % 1000 === 0 ? `${x / 1000000}k` : `${x}m`),
      (x) => `${x}e-3`,
    )
    .map((f) => f(milli));

const labelValue = fc.constantFrom('a', 'b', 'web', 'db');

const nodeArb = (k: number, resources: readonly string[]) =>
  fc.record({
    name: fc.constant(`node-${k}`),
    capacity: fc.record(
      Object.fromEntries(resources.map((r) => [r, fc.integer({ min: 0, max: 8000 }).chain(quantity)])),
    ),
    labels: fc.record({ zone: labelValue, tier: labelValue }, { requiredKeys: [] }),
    taints: fc.option(
      fc.array(
        fc.record({
          key: fc.constantFrom('gpu', 'dedicated'),
          value: labelValue,
          effect: fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'),
        }),
        { maxLength: 1 },
      ),
      { nil: undefined },
    ),
    unschedulable: fc.option(fc.boolean(), { nil: undefined, freq: 4 }),
  });

const containerArb = (k: number, resources: readonly string[], nodeCount: number) =>
  fc.record({
    name: fc.constant(`c-${k}`),
    requests: fc.record(
      Object.fromEntries(resources.map((r) => [r, fc.integer({ min: 0, max: 3000 }).chain(quantity)])),
      { requiredKeys: [] },
    ),
    labels: fc.record({ app: labelValue }, { requiredKeys: [] }),
    nodeSelector: fc.option(fc.record({ zone: labelValue }), { nil: undefined, freq: 4 }),
    tolerations: fc.option(
      fc.array(fc.record({ key: fc.constantFrom('gpu', 'dedicated'), operator: fc.constant('Exists' as const) }), {
        maxLength: 1,
      }),
      { nil: undefined, freq: 3 },
    ),
    antiAffinity: fc.option(
      fc.constant([{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }]),
      { nil: undefined, freq: 4 },
    ),
    current: fc.option(
      fc.integer({ min: 0, max: nodeCount - 1 }).map((i) => `node-${i}`),
      { nil: undefined, freq: 4 },
    ),
  });

/** A disruption budget over the containers' app label (or every container), by count or percentage. */
const budgetArb = fc.record(
  {
    name: fc.constantFrom('pdb-a', 'pdb-b'),
    selector: fc.oneof(fc.constant({}), fc.record({ matchLabels: fc.record({ app: labelValue }) })),
    maxUnavailable: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '50%', '100%')),
    expectedPods: fc.integer({ min: 0, max: 6 }),
  },
  { requiredKeys: ['name', 'selector'] },
);

/** Drops undefined fields, so the body is what JSON.stringify sends. */
const clean = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const snapshotArb = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    m: fc.integer({ min: 0, max: 6 }),
    resources: fc.subarray(RESOURCES, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ n, m, resources }) =>
    fc.record({
      nodes: fc.tuple(...Array.from({ length: n }, (_, k) => nodeArb(k, resources))),
      containers:
        m === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: m }, (_, k) => containerArb(k, resources, n))),
      costs: fc.option(
        fc.record({
          matrix: fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: m, maxLength: m }), {
            minLength: n,
            maxLength: n,
          }),
        }),
        { nil: undefined },
      ),
      options: fc.record(
        {
          timeLimitMs: fc.integer({ min: 300, max: 1500 }),
          solver: fc.constantFrom('auto', 'highs', 'glpk', 'greedy'),
          allowUnplaced: fc.boolean(),
          objective: fc.constantFrom('cost', 'pack', 'balance'),
          changes: fc.boolean(),
        },
        { requiredKeys: ['timeLimitMs'] },
      ),
      disruptionBudgets: fc.option(fc.array(budgetArb, { maxLength: 2 }), { nil: undefined }),
      surge: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
      temporary: fc.boolean(),
      topology: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: topologyArb(m), weight: 1 }),
    }),
  )
  .map(
    ({ surge, temporary, topology, ...s }) =>
      clean(withTopology(withChangeOptions(s, surge, temporary), topology)) as Record<string, unknown>,
  );

/** Topology-aware groups over the nodes' zone and tier labels (docs/topology.md): one or two, maybe within one. */
const groupArb = fc
  .record({
    required: fc.constantFrom(undefined, 'zone', 'tier'),
    preferred: fc.constantFrom(undefined, 'zone', 'tier'),
  })
  // A preferred level may not be above the required one, and a group names a level.
  .map(({ required, preferred }) => ({
    ...(required ? { required } : {}),
    ...(preferred && !(required === 'tier' && preferred === 'zone') ? { preferred } : {}),
    ...(!required && !preferred ? { preferred: 'tier' } : {}),
  }));

const topologyArb = (m: number) =>
  fc.record({
    groups: fc.array(groupArb, { minLength: 1, maxLength: 2 }),
    within: fc.constantFrom(undefined, 'zone', 'tier'),
    pick: fc.array(fc.integer({ min: -1, max: 1 }), { minLength: m, maxLength: m }),
    weight: fc.constantFrom(0, 0.5, 1),
    // keepFree over the tiers, traded against the spans at this weight.
    keepFree: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  });

type TopologyDraw = {
  groups: Record<string, string>[];
  within: string | undefined;
  pick: number[];
  weight: number;
  keepFree: number | undefined;
};

/** The snapshot with the drawn groups: options.topology, each picked container's topology, the topology weight. */
function withTopology<
  S extends { nodes: readonly unknown[]; containers: readonly unknown[]; options: Record<string, unknown> },
>(s: S, t: TopologyDraw | undefined): S {
  if (!t) return s;
  const containers = s.containers.map((c, j) => {
    const g = t.pick[j]!;
    if (g < 0 || g >= t.groups.length) return c;
    const within = t.within ? { within: [{ group: 'job', required: t.within }] } : {};
    // Members keep their requests and anti-affinity; their node selectors (over the zone label) would mostly empty
    // the cluster for them.
    return { ...(c as object), nodeSelector: undefined, topology: { group: `g${g}`, ...t.groups[g], ...within } };
  });
  const keepFree = t.keepFree === undefined ? {} : { keepFree: 'tier', keepFreeWeight: t.keepFree };
  const topology = { levels: ['zone', 'tier'], ...keepFree };
  const options = { ...s.options, topology, objective: { cost: 1, topology: t.weight } };
  // Every node but the last, schedulable and untainted, in two zones of two tiers (a group goes only on nodes with
  // both labels); the last as drawn.
  const labels = (i: number) => ({ zone: ['a', 'b'][i & 1]!, tier: ['web', 'db'][(i >> 1) & 1]! });
  const nodes = s.nodes.map((n, i) =>
    i === s.nodes.length - 1 && i > 0
      ? n
      : { ...(n as object), labels: labels(i), taints: undefined, unschedulable: undefined },
  );
  return { ...s, nodes, containers, options };
}

/** Where the change is asked for: surge, and the last node as a temporary one (docs/changes.md). */
function withChangeOptions<S extends { nodes: unknown[]; options: Record<string, unknown> }>(
  s: S,
  surge: number | undefined,
  temporary: boolean,
): S {
  if (s.options['changes'] !== true) return s;
  const last = s.nodes[s.nodes.length - 1] as { name: string };
  const extra = {
    ...(surge !== undefined ? { surge } : {}),
    ...(temporary && s.nodes.length > 1 ? { temporaryNodes: [last.name] } : {}),
  };
  return { ...s, options: { ...s.options, ...extra } };
}

const programArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    m: fc.integer({ min: 1, max: 6 }),
    sense: fc.constantFrom('min', 'max'),
  })
  .chain(({ n, m, sense }) =>
    fc.record({
      cost: fc.array(fc.array(fc.integer({ min: -5, max: 30 }), { minLength: m, maxLength: m }), {
        minLength: n,
        maxLength: n,
      }),
      demand: fc.record({ load: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: m, maxLength: m }) }),
      capacity: fc.record({ load: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }) }),
      sense: fc.constant(sense),
      options: fc.record({
        timeLimitMs: fc.integer({ min: 300, max: 1500 }),
        solver: fc.constantFrom('auto', 'highs', 'glpk', 'jslp'),
      }),
    }),
  );

const json = (route: string, body: unknown, expect: Expect, name: string): FuzzCase => ({
  name,
  route,
  contentType: 'application/json',
  payload: JSON.stringify(body),
  expect,
});

/** Weights of the cost (1) and the topology part alone: what the oracle's brute force sums (with the preferences). */
const costAndTopology = (o: unknown): boolean =>
  typeof o === 'object' &&
  o !== null &&
  (o as Record<string, unknown>)['cost'] === 1 &&
  Object.keys(o).every((k) => k === 'cost' || k === 'topology');

const snapshotCase = snapshotArb.map((body): FuzzCase => {
  const o = body['options'] as Record<string, unknown>;
  const tiny =
    (body['containers'] as unknown[]).length <= 5 &&
    body['costs'] !== undefined &&
    ((o['objective'] ?? 'cost') === 'cost' || costAndTopology(o['objective'])) &&
    o['allowUnplaced'] !== true &&
    o['solver'] !== 'greedy';
  return json(
    '/v1/plan',
    body,
    { kind: 'plan', body, ...(tiny ? { optimum: 'brute-force' as const } : {}) },
    'snapshot',
  );
});

const programCase = programArb.map((body): FuzzCase => json('/v1/solve', body, { kind: 'program', body }, 'program'));

const QUANTITY_CHARS = [
  '0',
  '1',
  '5',
  '9',
  '.',
  'e',
  'E',
  '+',
  '-',
  'm',
  'k',
  'K',
  'M',
  'G',
  'i',
  'Ki',
  'Mi',
  'Gi',
  'Ei',
  ' ',
  'x',
];
const quantityCase = fc
  .tuple(snapshotArb, fc.array(fc.constantFrom(...QUANTITY_CHARS), { minLength: 0, maxLength: 8 }))
  .map(([body, parts]): FuzzCase => {
    const text = parts.join('');
    const containers = body['containers'] as Record<string, unknown>[];
    const nodes = body['nodes'] as Record<string, unknown>[];
    const target = { name: 'probe', requests: { cpu: text } };
    const withProbe = {
      ...body,
      nodes: nodes.map((n) => ({ ...n, capacity: { cpu: '1P' }, taints: undefined, unschedulable: undefined })),
      containers: [
        ...containers.map((c) => ({
          ...c,
          requests: {},
          nodeSelector: undefined,
          antiAffinity: undefined,
          topology: undefined,
        })),
        target,
      ],
      costs: undefined,
      options: { timeLimitMs: 500, allowUnplaced: true },
    };
    const probe = clean(withProbe);
    return json(
      '/v1/plan',
      probe,
      { kind: 'quantity', body: probe, text, path: `containers[${containers.length}].requests.cpu` },
      'quantity',
    );
  });

/** One random damage to a JSON value at a random place. */
function damage(value: unknown, choice: number, kind: number): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, k) => walk(x, [...path, k]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  const path = paths[choice % paths.length]!;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  if (path.length === 0) return [copy];
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const replacements: unknown[] = [
    undefined,
    null,
    'x',
    -1,
    1e308,
    -1e-7,
    true,
    [],
    {},
    '9'.repeat(40),
    '',
    { unexpected: 1 },
  ];
  const r = replacements[kind % replacements.length];
  if (r === undefined && !Array.isArray(parent)) delete parent[last];
  else if (kind % 13 === 12 && !Array.isArray(parent)) {
    parent[`${String(last)}x`] = parent[last];
    delete parent[last];
  } else parent[last] = r;
  return copy;
}

const mutatedCase = fc
  .tuple(
    fc.oneof(
      snapshotArb.map((b) => ['/v1/plan', b] as const),
      programArb.map((b) => ['/v1/solve', b] as const),
    ),
    fc.nat(),
    fc.nat(),
  )
  .map(([[route, body], choice, kind]): FuzzCase =>
    json(route, damage(body, choice, kind), { kind: 'any' }, 'mutated'),
  );

const PROTO_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];
const hostileCase = fc.oneof(
  fc.constantFrom(...PROTO_NAMES).map((name): FuzzCase => {
    const body = {
      nodes: [{ name, capacity: { [name]: 2, cpu: 2 }, labels: { [name]: 'x' } }],
      containers: [{ name, requests: { [name]: 1 }, nodeSelector: { [name]: 'x' } }],
      options: { timeLimitMs: 500 },
    };
    return json('/v1/plan', body, { kind: 'plan', body }, 'prototype names');
  }),
  fc
    .constantFrom('nodes[0].capacity', 'nodes[0].labels', 'containers[0].requests', 'options')
    .map((where): FuzzCase => {
      const payloads: Record<string, string> = {
        'nodes[0].capacity': '{"nodes":[{"name":"a","capacity":{"__proto__":{"cpu":1}}}],"containers":[]}',
        'nodes[0].labels': '{"nodes":[{"name":"a","capacity":{"cpu":1},"labels":{"__proto__":"x"}}],"containers":[]}',
        'containers[0].requests':
          '{"nodes":[{"name":"a","capacity":{"cpu":1}}],"containers":[{"name":"c","requests":{"__proto__":1}}]}',
        options:
          '{"nodes":[{"name":"a","capacity":{"cpu":1}}],"containers":[],"options":{"__proto__":{"timeLimitMs":1}}}',
      };
      return {
        name: '__proto__ key',
        route: '/v1/plan',
        contentType: 'application/json',
        payload: payloads[where]!,
        expect: { kind: 'error', status: 400, path: `${where}.__proto__` },
      };
    }),
  fc.integer({ min: 65, max: 3000 }).map((depth): FuzzCase => ({
    name: 'deep nesting',
    route: '/v1/plan',
    contentType: 'application/json',
    payload: '{"kind":"List","items":['.repeat(depth) + ']}'.repeat(depth),
    expect: { kind: 'error', status: 400 },
  })),
  fc.string({ maxLength: 40 }).map((text): FuzzCase => ({
    name: 'not JSON',
    route: '/v1/plan',
    contentType: 'application/json',
    payload: `{${text}`,
    expect: { kind: 'any' },
  })),
  fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1', null).map((ct): FuzzCase => ({
    name: 'wrong content type',
    route: '/v1/solve',
    contentType: ct,
    payload: '{"cost":[[1]],"demand":{},"capacity":{}}',
    expect: { kind: 'error', status: 415 },
  })),
);

const swarmCase = swarmArb.map((body): FuzzCase => json('/v1/plan', body, { kind: 'swarm', body }, 'swarm'));

/** Every case kind, weighted towards valid snapshots (they exercise the solvers and the oracle). */
export const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 4, arbitrary: snapshotCase },
  { weight: 2, arbitrary: swarmCase },
  { weight: 2, arbitrary: programCase },
  { weight: 2, arbitrary: quantityCase },
  { weight: 3, arbitrary: mutatedCase },
  { weight: 1, arbitrary: hostileCase },
);
