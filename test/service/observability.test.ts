import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApp, type Lifecycle } from '../../server/app.js';
import { createLogger, type Level } from '../../server/log.js';
import { ROOT } from '../helpers.js';
import { sharedPool } from '../setup.js';

const LIMITS = { maxNodes: 100, maxContainers: 2000, maxPairs: 200_000, maxResources: 8, maxTimeLimitMs: 60_000 };
const SEED = readFileSync(join(ROOT, 'examples', 'seed-snapshot.json'), 'utf8');

/** The real app on a loopback port, logging into `lines` (pino's JSON, one line per event). */
async function serve(level: Level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const lifecycle: Lifecycle = { draining: false, inflight: new Set() };
  const app = createApp({ pool: sharedPool(), limits: LIMITS, maxBodyBytes: 1 << 20, log, lifecycle });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, lifecycle, close: () => server.close() };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** Prometheus text → sample name with labels → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    // Label values are quoted and may hold braces (route="/v1/jobs/{id}").
    const m = /^([a-zA-Z_:][\w:]*(?:\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

const delta = (before: Map<string, number>, after: Map<string, number>, key: string): number =>
  (after.get(key) ?? 0) - (before.get(key) ?? 0);

describe('Metrics (GET /metrics)', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    await sharedPool().ready();
    s = await serve();
  });
  after(() => s.close());

  it('counts requests by route and status, solves by status and source, gaps, and 503s', async () => {
    const before = await scrape(s.url);
    const ok = (await (await post(`${s.url}/v1/plan`, SEED)).json()) as { status: string; source: string };
    assert.equal((await post(`${s.url}/v1/plan`, '{"nodes": [')).status, 400);
    s.lifecycle.draining = true;
    assert.equal((await post(`${s.url}/v1/plan`, SEED)).status, 503);
    // The probe's 503 while draining refuses no work: it is not counted with the refusals.
    assert.equal((await fetch(`${s.url}/readyz`)).status, 503);
    s.lifecycle.draining = false;
    assert.equal((await fetch(`${s.url}/v1/jobs/8a0f7c1e-1f4b-4c1a-9d3e-2b7f9e6c5d4a`)).status, 404);
    const after = await scrape(s.url);
    // Routes are labelled as the OpenAPI document writes them.
    const job = 'optiplace_http_requests_total{route="/v1/jobs/{id}",method="GET",status="404"}';
    assert.equal(delta(before, after, job), 1);
    assert.equal(delta(before, after, 'optiplace_http_503_total{code="unknown"}'), 0);
    const requests = (status: number) =>
      `optiplace_http_requests_total{route="/v1/plan",method="POST",status="${status}"}`;
    assert.equal(delta(before, after, requests(200)), 1);
    assert.equal(delta(before, after, requests(400)), 1);
    assert.equal(delta(before, after, requests(503)), 1);
    assert.equal(delta(before, after, 'optiplace_http_503_total{code="shutting_down"}'), 1);
    const solves = `optiplace_solve_duration_seconds_count{status="${ok.status}",source="${ok.source}"}`;
    assert.equal(delta(before, after, solves), 1);
    assert.equal(delta(before, after, 'optiplace_plan_gap_ratio_count'), 1);
    assert.equal(delta(before, after, 'optiplace_plan_gap_ratio_bucket{le="0"}'), ok.status === 'optimal' ? 1 : 0);
  });

  it('shows the queue, the threads, restarts, event-loop lag and memory (WebAssembly too)', async () => {
    const m = await scrape(s.url);
    const h = sharedPool().health();
    assert.equal(m.get('optiplace_queue_depth'), h.queued);
    assert.equal(m.get('optiplace_queue_capacity'), h.maxQueue);
    assert.equal(m.get('optiplace_threads{pool="solver",state="ready"}'), h.ready);
    assert.ok(m.has('optiplace_threads{pool="solver",state="busy"}'));
    assert.equal(m.get('optiplace_worker_restarts_total{pool="solver",cause="replaced"}'), h.replaced);
    assert.equal(m.get('optiplace_worker_restarts_total{pool="solver",cause="crashed"}'), h.crashed);
    assert.equal(m.get('optiplace_worker_wasm_memory_bytes{pool="solver"}'), h.reportedBytes);
    assert.ok(h.reportedBytes > 0, 'HiGHS reported its heap after the solve');
    assert.ok(m.has('nodejs_eventloop_lag_p99_seconds'));
    assert.ok((m.get('process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(m.has('nodejs_heap_size_used_bytes'));
    assert.ok(m.has('optiplace_deadline_overruns_total'));
  });
});

describe('Request logs (pino)', () => {
  it('writes one JSON line per request with its id, route, status, duration, model size, status and gap', async () => {
    const s = await serve();
    try {
      const res = await post(`${s.url}/v1/plan`, SEED, { 'X-Request-Id': 'trace-42' });
      const answer = (await res.json()) as { status: string; gap: number };
      assert.equal(res.headers.get('x-request-id'), 'trace-42');
      const generated = await fetch(`${s.url}/healthz`);
      const id = generated.headers.get('x-request-id') ?? '';
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const hostile = await fetch(`${s.url}/livez`, { headers: { 'X-Request-Id': 'a b\u00e9"{}' } });
      assert.notEqual(hostile.headers.get('x-request-id'), 'a b\u00e9"{}');
      await new Promise((r) => setTimeout(r, 20));
      const requests = s.lines.filter((l) => l['msg'] === 'request');
      assert.equal(requests.length, 3);
      const line = requests.find((l) => l['reqId'] === 'trace-42')!;
      assert.deepEqual(
        { ...line, time: undefined, durationMs: undefined },
        {
          level: 'info',
          time: undefined,
          reqId: 'trace-42',
          method: 'POST',
          route: '/v1/plan',
          path: '/v1/plan',
          status: 200,
          durationMs: undefined,
          nodes: 3,
          containers: 5,
          planStatus: answer.status,
          source: line['source'],
          gap: answer.gap,
          solves: 1,
          msg: 'request',
        },
      );
      assert.equal(typeof line['durationMs'], 'number');
      assert.ok(requests.some((l) => l['reqId'] === id && l['route'] === '/healthz'));
    } finally {
      s.close();
    }
  });

  it('never logs bodies or headers; errors carry their code; LOG_LEVEL=warn leaves request lines out', async () => {
    const s = await serve();
    const quiet = await serve('warn');
    try {
      const secret = 'hunter2-secret-token';
      const body = SEED.replace('"nodes"', `"comment": "${secret}", "nodes"`);
      assert.equal((await post(`${s.url}/v1/plan`, body, { Authorization: `Bearer ${secret}` })).status, 400);
      await post(`${quiet.url}/v1/plan`, SEED);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(s.lines.length, 1);
      assert.equal(JSON.stringify(s.lines).includes(secret), false);
      assert.equal(s.lines[0]!['errorCode'], 'invalid_input');
      assert.equal(s.lines[0]!['status'], 400);
      assert.deepEqual(quiet.lines, []);
    } finally {
      s.close();
      quiet.close();
    }
  });
});
