import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snapshotArb } from '../../bench/fuzz/cases.js';
import { scaleSnapshot } from '../../bench/scale.js';
import { snapshotCounts } from '../../models/counts.js';
import { parseSnapshot } from '../../models/replicas.js';
import { SnapshotSchema } from '../../models/snapshot.js';
import { snapshotToModel } from '../../models/build.js';

type Json = Record<string, unknown>;

/** What may go wrong in one replica (or be merely different from its siblings). */
const CHANGES = [
  'none',
  'empty name',
  'number name',
  'duplicate name',
  'unknown current',
  'known current',
  'null current',
  'bad quantity',
  'pinned',
  'bigint quantity',
  'unknown key',
  'not an object',
  'keys reordered',
  'selector changed',
] as const;
type Change = (typeof CHANGES)[number];

function changed(c: Json, change: Change, siblings: readonly Json[], node: string): unknown {
  const requests = (c['requests'] as Json | undefined) ?? {};
  switch (change) {
    case 'none':
      return c;
    case 'empty name':
      return { ...c, name: '' };
    case 'number name':
      return { ...c, name: 7 };
    case 'duplicate name':
      return { ...c, name: siblings[0]?.['name'] ?? c['name'] };
    case 'unknown current':
      return { ...c, current: 'no-such-node' };
    case 'known current':
      return { ...c, current: node };
    case 'null current':
      return { ...c, current: null };
    case 'bad quantity':
      return { ...c, requests: { ...requests, cpu: '1x' } };
    case 'pinned':
      return { ...c, pinned: true };
    case 'bigint quantity':
      return { ...c, requests: { ...requests, cpu: 250n } };
    case 'unknown key':
      return { ...c, colour: 'red' };
    case 'not an object':
      return [c];
    case 'keys reordered':
      return Object.fromEntries(Object.entries(c).reverse());
    case 'selector changed':
      return { ...c, antiAffinity: [{ selector: { matchLabels: { app: 'db', tier: 'x' } }, topologyKey: 'zone' }] };
  }
}

/** Rules a deployment's replicas share, beyond those of the fuzz cases' containers. */
const selector = { matchLabels: { app: 'db' } };
const extrasArb = fc.record(
  {
    namespace: fc.constantFrom('a', 'b'),
    affinity: fc.constant([{ selector, topologyKey: 'zone' }]),
    spread: fc.constant([{ maxSkew: 1, topologyKey: 'zone', selector }]),
    gang: fc.constantFrom('g1', 'g2'),
  },
  { requiredKeys: [] },
);

/** A random snapshot whose containers come in replicas, a few of them changed. */
const replicatedArb = fc
  .tuple(
    snapshotArb,
    fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), extrasArb), { minLength: 6, maxLength: 6 }),
    fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...CHANGES)), { maxLength: 3 }),
  )
  .map(([base, deployments, changes]) => {
    const body: Json = { ...base };
    delete body['costs'];
    const node = String(((body['nodes'] as Json[])[0] as Json)['name']);
    const containers: unknown[] = [];
    (base['containers'] as Json[]).forEach((c, k) => {
      const [copies, extras] = deployments[k]!;
      for (let r = 0; r < copies; r++) containers.push({ ...c, ...extras, name: `${String(c['name'])}-${r}` });
    });
    for (const [at, change] of changes)
      if (containers.length > 0) {
        const j = at % containers.length;
        containers[j] = changed(containers[j] as Json, change, containers as Json[], node);
      }
    body['containers'] = containers;
    return body;
  });

describe('parsing a snapshot once per distinct container (models/replicas.ts)', () => {
  it('gives exactly what the schema gives, data or issues, on random replicated snapshots, and leaves the body as it was', () => {
    fc.assert(
      fc.property(replicatedArb, (body) => {
        const before = structuredClone(body);
        const fast = parseSnapshot(body, 1);
        assert.deepEqual(body, before);
        const schema = SnapshotSchema.safeParse(body);
        assert.equal(fast.success, schema.success);
        if (schema.success) assert.deepEqual(fast.data, schema.data);
        else assert.deepEqual(fast.error?.issues, schema.error.issues);
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('names every duplicate at its own path, with where its name first appears, in unsorted containers too', () => {
    const containers = Array.from({ length: 1200 }, (_, j) => ({ name: `c-${(j * 7919) % 1200}`, requests: {} }));
    containers.push({ name: 'c-5', requests: {} }, { name: 'c-1199', requests: {} });
    const r = parseSnapshot({ nodes: [{ name: 'n', capacity: {} }], containers });
    assert.ok(!r.success);
    const first = (name: string): number => containers.findIndex((c) => c.name === name);
    assert.deepEqual(
      r.error.issues.map((i) => [i.path.join('.'), i.message]),
      [
        ['containers.1200.name', `duplicate name "c-5" (also at containers[${first('c-5')}])`],
        ['containers.1201.name', `duplicate name "c-1199" (also at containers[${first('c-1199')}])`],
      ],
    );
  });
  it('counts distinct rule terms and label sets as a walk over every container does', () => {
    const safe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
    const distinct = (values: unknown[]): number => new Set(values.map((v) => JSON.stringify(v, safe) ?? '')).size;
    const list = (c: Json, k: string): unknown[] => (Array.isArray(c[k]) ? (c[k] as unknown[]) : []);
    fc.assert(
      fc.property(replicatedArb, (body) => {
        const all = (body['containers'] as unknown[]).map((c) =>
          typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Json) : {},
        );
        // Each disruption budget's selector is matched against the label sets like a term (with its namespace).
        const budgets = list(body, 'disruptionBudgets').map((b) => [(b as Json)['namespace'], (b as Json)['selector']]);
        const terms = [
          ...all.flatMap((c) => [...list(c, 'affinity'), ...list(c, 'antiAffinity'), ...list(c, 'spread')]),
          ...budgets,
        ];
        const counts = snapshotCounts(body);
        assert.equal(counts.containers, all.length);
        assert.equal(counts.terms, terms.length === 0 ? 0 : distinct(terms));
        assert.equal(
          counts.labelSets,
          terms.length === 0 ? 0 : distinct(all.map((c) => [c['namespace'], c['labels']])),
        );
        // The table entries: node capacities × container requests (no costs) + node places × container places.
        const nodes = (body['nodes'] as Json[]).map((n) => (typeof n === 'object' && n !== null ? n : {}));
        const place = ['nodeSelector', 'nodeAffinity', 'preferredNodeAffinity', 'tolerations', 'pinned'];
        const names = new Set(
          [...nodes.map((n) => n['capacity']), ...all.map((c) => c['requests'])].flatMap((o) =>
            typeof o === 'object' && o !== null ? Object.keys(o) : [],
          ),
        );
        const scores = body['costs']
          ? 0
          : distinct(nodes.map((n) => [n['capacity']])) *
            distinct(all.map((c) => [c['requests']])) *
            Math.max(1, names.size);
        const blocks =
          distinct(nodes.map((n) => [n['labels'], n['taints'], n['unschedulable'], n['ready']])) *
          distinct(all.map((c) => place.map((k) => c[k])));
        assert.equal(counts.tableWork, scores + blocks);
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('builds the same model once per shape as once per container, on random replicated snapshots', () => {
    fc.assert(
      fc.property(replicatedArb, (body) => {
        const fast = parseSnapshot(body, 1);
        if (!fast.success) return;
        assert.deepEqual(snapshotToModel(fast.data), snapshotToModel(SnapshotSchema.parse(body)));
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it('gives the schema’s data and model on the 1 000 × 10 000 scale snapshot (10 000 containers, a few hundred shapes)', () => {
    const body = JSON.parse(JSON.stringify(scaleSnapshot(1000, 10_000, 42))) as Json;
    const fast = parseSnapshot(body);
    assert.ok(fast.success);
    const schema = SnapshotSchema.parse(body);
    assert.deepEqual(fast.data, schema);
    assert.deepEqual(snapshotToModel(fast.data), snapshotToModel(schema));
  });
});
