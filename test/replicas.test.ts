import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snapshotArb } from '../bench/fuzz/cases.js';
import { scaleSnapshot } from '../bench/scale.js';
import { snapshotCounts } from '../models/counts.js';
import { parseSnapshot } from '../models/replicas.js';
import { SnapshotSchema } from '../models/snapshot.js';

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
  }
}

/** A random snapshot whose containers come in replicas, a few of them changed. */
const replicatedArb = fc
  .tuple(
    snapshotArb,
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 6, maxLength: 6 }),
    fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...CHANGES)), { maxLength: 3 }),
  )
  .map(([base, copies, changes]) => {
    const body: Json = { ...base };
    delete body['costs'];
    const node = String(((body['nodes'] as Json[])[0] as Json)['name']);
    const containers: unknown[] = [];
    (base['containers'] as Json[]).forEach((c, k) => {
      for (let r = 0; r < copies[k]!; r++) containers.push({ ...c, name: `${String(c['name'])}-${r}` });
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

  it('counts distinct rule terms and label sets as a walk over every container does', () => {
    const distinct = (values: unknown[]): number => new Set(values.map((v) => JSON.stringify(v) ?? '')).size;
    const list = (c: Json, k: string): unknown[] => (Array.isArray(c[k]) ? (c[k] as unknown[]) : []);
    fc.assert(
      fc.property(replicatedArb, (body) => {
        const all = (body['containers'] as unknown[]).map((c) =>
          typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Json) : {},
        );
        const terms = all.flatMap((c) => [...list(c, 'affinity'), ...list(c, 'antiAffinity'), ...list(c, 'spread')]);
        const counts = snapshotCounts(body);
        assert.equal(counts.containers, all.length);
        assert.equal(counts.terms, terms.length === 0 ? 0 : distinct(terms));
        assert.equal(
          counts.labelSets,
          terms.length === 0 ? 0 : distinct(all.map((c) => [c['namespace'], c['labels']])),
        );
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('gives the schema’s data on the 1 000 × 10 000 scale snapshot (its 10 000 containers have a few hundred shapes)', () => {
    const body = JSON.parse(JSON.stringify(scaleSnapshot(1000, 10_000, 42))) as Json;
    const fast = parseSnapshot(body);
    assert.ok(fast.success);
    assert.deepEqual(fast.data, SnapshotSchema.parse(body));
  });
});
