import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gapToProgram, parseGapFile } from '../../bench/orlib.js';
import { startServer, type RunningServer } from '../../bench/server.js';
import { fixturePath, ROOT } from '../helpers.js';
import { hasRedis, startRedis, type RedisServer } from '../redis.js';

/**
 * The jobs API on the real service, in both modes: embedded (the default) and distributed (a real
 * redis-server, two `npm run worker` processes with one solver thread each, and the API in a third).
 */
const SEED = JSON.parse(readFileSync(join(ROOT, 'examples', 'seed-snapshot.json'), 'utf8')) as Record<string, unknown>;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** OR-Library gapd instance 1 (5 × 100, minimum 6353): seconds to prove, so a job runs long enough to watch. */
/** OR-Library gapd-`index + 1` as a program (gapd-1 is proven optimal within some 20 s; gapd-5 is not in 60 s). */
function gapd(timeLimitMs: number, solver = 'highs', index = 0): Record<string, unknown> {
  const g = parseGapFile(readFileSync(fixturePath('gap', 'gapd.txt'), 'utf8'), true)[index]!;
  return { ...gapToProgram(g, 'min'), options: { timeLimitMs, solver } };
}

type Json = Record<string, unknown>;
interface View {
  id: string;
  status: string;
  progress: { objective: number | null; bound: number | null; gap: number | null; elapsedMs: number } | null;
  answer?: Json;
  error?: Json;
}

async function call(url: string, method: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : {}) as Json };
}

async function submit(url: string, kind: string, input: unknown, token?: string): Promise<string> {
  const r = await call(`${url}/v1/jobs`, 'POST', { kind, input }, token);
  assert.equal(r.status, 202, JSON.stringify(r.json));
  return String(r.json['id']);
}

async function until(url: string, id: string, done: (v: View) => boolean, token?: string, ms = 60_000): Promise<View> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await call(`${url}/v1/jobs/${id}`, 'GET', undefined, token);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const v = r.json as unknown as View;
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`job ${id} is still ${v.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const finished = (v: View): boolean => ['done', 'failed', 'cancelled'].includes(v.status);

/** The events of a job's stream, as {event, data}, until it ends. */
async function events(url: string, id: string, token?: string): Promise<{ event: string; data: Json }[]> {
  const res = await fetch(
    `${url}/v1/jobs/${id}/events`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: '))
    .map((b) => {
      const [e, d] = b.split('\n');
      return { event: e!.slice(7), data: JSON.parse(d!.slice(6)) as Json };
    });
}

type Setup = () => Promise<{ url: string; token?: string; stop?: () => Promise<unknown> }>;

function jobsSuite(name: string, setup: Setup): void {
  describe(`Jobs API (${name})`, function () {
    this.timeout(180_000);
    let url: string;
    let token: string | undefined;
    let stop: (() => Promise<unknown>) | undefined;
    before(async () => ({ url, token, stop } = await setup()));
    after(async () => stop?.());

    it('answers 202 with an unguessable id, then the same answer the synchronous route gives', async () => {
      const r = await call(`${url}/v1/jobs`, 'POST', { kind: 'plan', input: SEED }, token);
      assert.equal(r.status, 202);
      assert.match(String(r.json['id']), UUID4);
      assert.equal(r.json['status'], 'queued');
      assert.equal(r.json['location'], `/v1/jobs/${r.json['id']}`);
      assert.equal(r.headers.get('location'), r.json['location']);
      const v = await until(url, String(r.json['id']), finished, token);
      assert.equal(v.status, 'done');
      const sync = await call(`${url}/v1/plan`, 'POST', SEED, token);
      assert.equal(v.answer!['status'], 'optimal');
      assert.equal(v.answer!['objective'], sync.json['objective']);
      assert.deepEqual(v.answer!['assignments'], sync.json['assignments']);
    });

    it('streams progress in order as server-sent events, then the finished job', async () => {
      const id = await submit(url, 'solve', gapd(2_500), token);
      const list = await events(url, id, token);
      const progress = list.filter((e) => e.event === 'progress').map((e) => e.data);
      assert.ok(progress.length >= 1, JSON.stringify(list));
      for (let k = 1; k < progress.length; k++)
        assert.ok(Number(progress[k]!['elapsedMs']) >= Number(progress[k - 1]!['elapsedMs']));
      const objectives = progress.map((p) => p['objective']).filter((o): o is number => typeof o === 'number');
      for (let k = 1; k < objectives.length; k++) assert.ok(objectives[k]! <= objectives[k - 1]!, 'better only');
      const end = list.at(-1)!;
      assert.equal(end.event, 'end');
      assert.equal(end.data['status'], 'done');
      assert.ok(Number((end.data['answer'] as Json)['objective']) >= 6353);
    });

    it('cancel stops a running job and keeps its best verified plan', async () => {
      const id = await submit(url, 'solve', gapd(60_000), token);
      await until(url, id, (v) => v.progress?.objective != null, token);
      const started = Date.now();
      const r = await call(`${url}/v1/jobs/${id}`, 'DELETE', undefined, token);
      assert.equal(r.status, 200);
      const v = r.json as unknown as View;
      assert.equal(v.status, 'cancelled');
      assert.ok(Date.now() - started < 5_000);
      assert.ok(['feasible', 'optimal'].includes(String(v.answer!['status'])), JSON.stringify(v.answer));
      assert.ok(Number(v.answer!['objective']) >= 6353);
      assert.equal((v.answer!['assignment'] as unknown[]).length, 100);
    });

    it('names the field of a bad input (400), and answers 404 for an unknown id', async () => {
      const r = await call(`${url}/v1/jobs`, 'POST', { kind: 'plan', input: { nodes: 'x', containers: [] } }, token);
      assert.equal(r.status, 400);
      const issues = (r.json['error'] as { issues: { path: string }[] }).issues;
      assert.ok(
        issues.some((i) => i.path === 'input.nodes'),
        JSON.stringify(issues),
      );
      const kind = await call(`${url}/v1/jobs`, 'POST', { kind: 'dance', input: SEED }, token);
      assert.equal(kind.status, 400);
      const missing = await call(`${url}/v1/jobs/${crypto.randomUUID()}`, 'GET', undefined, token);
      assert.equal(missing.status, 404);
      assert.equal((missing.json['error'] as Json)['code'], 'not_found');
    });
  });
}

jobsSuite('embedded', async () => {
  const server = await startServer({ SOLVER_THREADS: '2' });
  return { url: server.url, stop: () => server.stop() };
});

/** A `npm run worker` process (one solver thread), its log lines kept. */
function startWorker(redisUrl: string): { child: ChildProcess; log: string[]; ready: Promise<void> } {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server', 'worker-main.js')], {
    env: { ...process.env, REDIS_URL: redisUrl, SOLVER_THREADS: '1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const ready = new Promise<void>((resolve) => {
    for (const s of [child.stdout!, child.stderr!])
      s.on('data', (d: Buffer) => {
        log.push(...d.toString().split('\n').filter(Boolean));
        if (log.some((l) => l.includes('"worker started"'))) resolve();
      });
  });
  return { child, log, ready };
}

const startedBy = (log: string[], id: string): boolean =>
  log.some((l) => l.includes('"job started"') && l.includes(id));

describe('Jobs across processes (a real Redis, two workers)', function () {
  this.timeout(240_000);
  let redis: RedisServer;
  let api: RunningServer;
  let workers: ReturnType<typeof startWorker>[] = [];
  before(async () => {
    assert.ok(hasRedis(), 'redis-server is missing: npm test installs it (scripts/test-deps.sh)');
    redis = await startRedis();
    workers = [startWorker(redis.url), startWorker(redis.url)];
    await Promise.all(workers.map((w) => w.ready));
    api = await startServer({ REDIS_URL: redis.url, API_TOKEN: 'token-a,token-b', JOBS_PER_TOKEN: '3' });
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await api?.stop();
    await redis?.stop();
  });

  jobsSuite('distributed', async () => ({ url: api.url, token: 'token-a' }));

  it('turns the synchronous routes into jobs: a worker answers, and errors keep the route paths', async () => {
    const lines = (): number =>
      workers.reduce((n, w) => n + w.log.filter((l) => l.includes('"job started"')).length, 0);
    const before = lines();
    const r = await call(`${api.url}/v1/plan`, 'POST', SEED, 'token-b');
    assert.equal(r.status, 200);
    assert.equal(r.json['status'], 'optimal');
    assert.equal(lines(), before + 1, 'one worker ran it');
    const bad = await call(`${api.url}/v1/plan`, 'POST', { nodes: 'x', containers: [] }, 'token-b');
    assert.equal(bad.status, 400);
    assert.ok((bad.json['error'] as { issues: { path: string }[] }).issues.some((i) => i.path === 'nodes'));
    const lp = await fetch(`${api.url}/v1/plan?format=lp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer token-b' },
      body: JSON.stringify(SEED),
    });
    assert.equal(lp.status, 200);
    assert.match(await lp.text(), /^\\ /m);
  });

  it('spreads jobs over both workers', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => submit(api.url, 'solve', gapd(1_500), 'token-b')));
    await Promise.all(ids.map((id) => until(api.url, id, finished, 'token-b')));
    for (const w of workers)
      assert.ok(
        ids.some((id) => startedBy(w.log, id)),
        w.log.join('\n'),
      );
  });

  it('starts a waiting job of a higher priority first', async () => {
    const submitAs = async (input: Json, priority: number, token = 'token-b'): Promise<string> => {
      const r = await call(`${api.url}/v1/jobs`, 'POST', { kind: 'solve', input, priority }, token);
      assert.equal(r.status, 202, JSON.stringify(r.json));
      return String(r.json['id']);
    };
    // Both workers held by long jobs until the test releases them, one at a time: no timing assumed. gapd-5, whose
    // optimum no solver proves within its limit: gapd-1 may be proven (and its worker freed) before the release.
    // (Three open jobs per token here: the two long ones are token-a's.)
    const busy = [
      await submitAs(gapd(60_000, 'highs', 4), 5, 'token-a'),
      await submitAs(gapd(60_000, 'highs', 4), 5, 'token-a'),
    ];
    // Released whatever happens: a held worker would hold up the tests after this one.
    const release = async (id: string): Promise<unknown> =>
      call(`${api.url}/v1/jobs/${id}`, 'DELETE', undefined, 'token-a');
    const held: string[] = [];
    try {
      await Promise.all(busy.map((id) => until(api.url, id, (v) => v.status === 'running', 'token-a')));
      const low = await submitAs(gapd(30_000, 'greedy'), 10);
      // The priority-1 job holds the worker it gets too: a quick one would free it for the priority-10 job at once.
      const high = await submitAs(gapd(60_000, 'highs', 4), 1);
      held.push(high);
      const statusOf = async (id: string): Promise<string> =>
        String((await call(`${api.url}/v1/jobs/${id}`, 'GET', undefined, 'token-b')).json['status']);
      assert.deepEqual([await statusOf(low), await statusOf(high)], ['queued', 'queued']);
      // One worker freed: it takes the priority-1 job, while the priority-10 one waits for the other.
      await release(busy[0]!);
      await until(api.url, high, (v) => v.status === 'running', 'token-b');
      assert.equal(await statusOf(low), 'queued', 'the priority-10 job waits while the other worker is held');
      await release(busy[1]!);
      for (const id of busy) await until(api.url, id, finished, 'token-a');
      assert.equal((await until(api.url, low, finished, 'token-b')).status, 'done');
    } finally {
      for (const id of busy) await release(id);
      for (const id of held) await call(`${api.url}/v1/jobs/${id}`, 'DELETE', undefined, 'token-b');
    }
  });

  it('enforces the token: 401 without it, jobs visible to their own token only, a limit per token', async () => {
    assert.equal((await call(`${api.url}/v1/jobs`, 'POST', { kind: 'plan', input: SEED })).status, 401);
    assert.equal((await call(`${api.url}/v1/plan`, 'POST', SEED, 'wrong')).status, 401);
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    const id = await submit(api.url, 'plan', SEED, 'token-a');
    assert.equal((await call(`${api.url}/v1/jobs/${id}`, 'GET', undefined, 'token-b')).status, 404);
    const long = await Promise.all([1, 2, 3].map(() => submit(api.url, 'solve', gapd(30_000), 'token-b')));
    const over = await call(`${api.url}/v1/jobs`, 'POST', { kind: 'plan', input: SEED }, 'token-b');
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    for (const l of long) await call(`${api.url}/v1/jobs/${l}`, 'DELETE', undefined, 'token-b');
  });

  it("answers a SIGKILLed worker's job within its deadline, on the other worker", async () => {
    const limit = 25_000;
    const submitted = Date.now();
    const id = await submit(api.url, 'solve', gapd(limit, 'highs'), 'token-a');
    await until(api.url, id, (v) => v.status === 'running', 'token-a');
    // The worker's "job started" line can come a moment after BullMQ marks the job active.
    while (!workers.some((w) => startedBy(w.log, id))) await new Promise((r) => setTimeout(r, 20));
    const victim = workers.find((w) => startedBy(w.log, id))!;
    victim.child.kill('SIGKILL');
    const v = await until(api.url, id, finished, 'token-a', limit + 10_000);
    assert.equal(v.status, 'done', JSON.stringify(v.error));
    assert.ok(Date.now() - submitted < limit + 1_000, `answered after ${Date.now() - submitted} ms`);
    assert.ok(Number(v.answer!['objective']) >= 6353);
    workers = [workers.find((w) => w !== victim)!, startWorker(redis.url)];
    await workers[1]!.ready;
  });

  it('fails a job that kills every worker it touches after JOB_ATTEMPTS, and harms no other job', async () => {
    const id = await submit(api.url, 'solve', gapd(90_000), 'token-a');
    for (let kill = 0; kill < 3; kill++) {
      while (!workers.some((w) => startedBy(w.log, id) && w.child.exitCode === null && !w.child.killed))
        await new Promise((r) => setTimeout(r, 50));
      const victim = workers.find((w) => startedBy(w.log, id) && !w.child.killed)!;
      victim.child.kill('SIGKILL');
      const fresh = startWorker(redis.url);
      await fresh.ready;
      workers = [...workers.filter((w) => w !== victim), fresh];
      if (kill === 0) {
        const other = await submit(api.url, 'plan', SEED, 'token-a');
        assert.equal((await until(api.url, other, finished, 'token-a')).status, 'done');
      }
    }
    const v = await until(api.url, id, finished, 'token-a', 60_000);
    assert.equal(v.status, 'failed');
    assert.match(String(v.error?.['message']), /stalled/, JSON.stringify(v));
  });

  it('answers 503 with Retry-After when the shared queue holds JOB_QUEUE jobs', async () => {
    const small = await startServer({ REDIS_URL: redis.url, JOB_QUEUE: '1' });
    try {
      const long = await submit(small.url, 'solve', gapd(30_000));
      const r = await call(`${small.url}/v1/jobs`, 'POST', { kind: 'plan', input: SEED });
      assert.equal(r.status, 503);
      assert.equal((r.json['error'] as Json)['code'], 'queue_full');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal((await call(`${small.url}/v1/jobs/${long}`, 'DELETE')).json['status'], 'cancelled');
    } finally {
      await small.stop();
    }
  });

  it('loses nothing when Redis restarts: queued jobs survive, and the API and workers reconnect', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => submit(api.url, 'solve', gapd(3_000), 'token-a')));
    // Two run (one on each worker) while Redis goes down and comes back; the third waits in the queue.
    await until(api.url, ids[0]!, (v) => v.status === 'running', 'token-a');
    await redis.restart();
    for (const id of ids) {
      const v = await until(api.url, id, finished, 'token-a');
      assert.equal(v.status, 'done', JSON.stringify(v.error));
    }
    const after = await submit(api.url, 'plan', SEED, 'token-a');
    assert.equal((await until(api.url, after, finished, 'token-a')).status, 'done');
  });
});

describe('Jobs API: a full queue', function () {
  this.timeout(60_000);
  it('refuses a submission with 503 and Retry-After when JOB_QUEUE jobs are open', async () => {
    const server = await startServer({ JOB_QUEUE: '1' });
    try {
      const first = await submit(server.url, 'solve', gapd(30_000));
      const r = await call(`${server.url}/v1/jobs`, 'POST', { kind: 'plan', input: SEED });
      assert.equal(r.status, 503);
      assert.equal((r.json['error'] as Json)['code'], 'queue_full');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal((await call(`${server.url}/v1/jobs/${first}`, 'DELETE')).json['status'], 'cancelled');
      assert.equal((await call(`${server.url}/v1/jobs`, 'POST', { kind: 'plan', input: SEED })).status, 202);
    } finally {
      await server.stop();
    }
  });
});
