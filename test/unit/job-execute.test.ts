import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeJob } from '../../jobs/execute.js';
import { prepare } from '../../planning/prepare.js';
import { viewText } from '../../server/jobs-routes.js';
import { ROOT } from '../helpers.js';
import { sharedPool } from '../setup.js';

const LIMITS = { maxNodes: 100, maxContainers: 2000, maxPairs: 200_000, maxResources: 8, maxTimeLimitMs: 60_000 };
const SEED = readFileSync(join(ROOT, 'examples', 'seed-snapshot.json'), 'utf8');

describe('A job on a worker (jobs/execute.ts)', () => {
  const deps = {
    pool: sharedPool(),
    limits: LIMITS,
    prepare: async (req: Parameters<typeof prepare>[0]) => prepare(req),
  };

  it('whose deadline passed before it started is answered with the verified greedy plan and a note', async () => {
    const arrival = Date.now() - 20_000;
    const data = { kind: 'plan' as const, input: SEED, arrival, deadline: arrival + 10_000, owner: 'o', priority: 5 };
    const r = await executeJob(deps, data, new AbortController().signal, () => undefined);
    assert.ok('answerText' in r && r.answerText);
    const a = JSON.parse(r.answerText) as { source: string; status: string; objective: number; notes: string[] };
    assert.equal(a.source, 'greedy');
    assert.equal(a.status, 'feasible');
    assert.equal(a.objective, (a as unknown as { greedy: { objective: number } }).greedy.objective);
    assert.ok(
      a.notes.some((n) => /deadline|time limit/.test(n)),
      JSON.stringify(a.notes),
    );
  });

  it('answers an input problem as an error with its paths, not a crash', async () => {
    const data = {
      kind: 'plan' as const,
      input: '{"nodes": 3}',
      arrival: Date.now(),
      deadline: Date.now() + 5_000,
      owner: 'o',
      priority: 5,
    };
    const r = await executeJob(deps, data, new AbortController().signal, () => undefined);
    assert.ok('error' in r);
    assert.equal(r.error.code, 'invalid_input');
    assert.ok(r.error.issues.some((i) => i.path === 'nodes'));
  });

  it('answers with its JSON text, which the routes splice into the job as it is', async () => {
    const arrival = Date.now();
    const data = { kind: 'plan' as const, input: SEED, arrival, deadline: arrival + 10_000, owner: 'o', priority: 5 };
    const r = await executeJob(deps, data, new AbortController().signal, () => undefined);
    assert.ok('answerText' in r && r.answerText);
    const view = {
      id: '00000000-0000-4000-8000-000000000000',
      kind: 'plan' as const,
      status: 'done' as const,
      submittedAt: new Date(arrival).toISOString(),
      deadline: new Date(arrival + 10_000).toISOString(),
      progress: null,
      answerText: r.answerText,
    };
    const { answerText, ...rest } = view;
    assert.deepEqual(JSON.parse(viewText(view)), { ...rest, answer: JSON.parse(answerText) });
    assert.equal((JSON.parse(answerText) as { objective: number }).objective, 1.25);
  });
});
