import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { gapToProgram, parseGapFile } from '../../bench/orlib.js';
import { fixturePath } from '../helpers.js';
import { postJson, probe, startServer, type RunningServer } from '../../bench/server.js';
import { uniformSnapshotBody as snapshot } from '../../bench/clusters.js';

/**
 * The service as a client sees it (issue 12): the real server process, under bursts, hostile bodies,
 * disconnects and shutdown. Each case failed on the main before this work (what it did is in its name).
 */

const gapd1 = parseGapFile(readFileSync(fixturePath('gap', 'gapd.txt'), 'utf8'), true)[0]!;

/**
 * Until /healthz says every solver thread is ready and idle and nothing waits: a case timed from its request on
 * starts from a service at rest, not from the threads an earlier case left busy or being replaced.
 */
async function atRest(url: string): Promise<void> {
  for (;;) {
    const h = (await (await fetch(`${url}/healthz`)).json()) as {
      status: string;
      solverThreads: number;
      queued: number;
      workers: { ready: number; busy: number };
    };
    if (h.status === 'ok' && h.queued === 0 && h.workers.busy === 0 && h.workers.ready === h.solverThreads) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the service under bursts, hostile input, disconnects and shutdown', function () {
  this.timeout(120_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer({ SHUTDOWN_GRACE_MS: '2000' });
  });
  after(async () => {
    await server.stop();
  });

  it('survives a burst of solves with deadlines of 5–150 ms (it aborted the process: a worker terminated while loading)', async () => {
    const end = Date.now() + 6000;
    const statuses = new Map<number, number>();
    const client = async (seed: number): Promise<void> => {
      for (let k = seed; Date.now() < end; k++) {
        const body = JSON.stringify(gapToProgram(gapd1, 'min', { timeLimitMs: 5 + ((k * 37) % 146) }));
        const r = await postJson(`${server.url}/v1/solve`, body);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 503) assert.ok(Number(r.headers.get('retry-after')) >= 1);
      }
    };
    await Promise.all([client(1), client(2), client(3)]);
    assert.equal(server.process.exitCode, null, 'the server is still running');
    assert.deepEqual(
      [...statuses.keys()].filter((s) => s !== 200 && s !== 503),
      [],
      JSON.stringify([...statuses]),
    );
    assert.ok((statuses.get(200) ?? 0) > 10);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('answers an infeasible 100 × 20 000 snapshot within its 1 s limit + 500 ms, /healthz answering throughout (it froze the event loop for minutes)', async () => {
    await atRest(server.url);
    const solving = postJson(`${server.url}/v1/plan`, snapshot(100, 20_000, { timeLimitMs: 1000 }));
    const latencies = await probe(`${server.url}/healthz`, solving, 20);
    const { status, json, ms } = await solving;
    assert.equal(status, 200);
    assert.equal(json['status'], 'infeasible');
    assert.ok(ms <= 1500, `answered after ${ms} ms`);
    // The conflict is searched within what is left of the 1 s: on a busy machine it may not be found in time, and is
    // then null; when it is there it names containers.
    const explanation = json['explanation'] as { containers: string[]; causes: string[] } | null;
    assert.ok(explanation === null || explanation.containers.length > 0, JSON.stringify(explanation));
    assert.ok(Math.max(...latencies) < 500, `/healthz took up to ${Math.max(...latencies)} ms`);
  });

  it('refuses 25 000 × 10 000 with 422 from the counts alone, before building anything (it built for 66 s)', async () => {
    const r = await postJson(`${server.url}/v1/plan`, snapshot(25_000, 10_000));
    assert.equal(r.status, 422);
    const { error } = r.json as { error: { code: string; issues: { path: string; message: string }[] } };
    assert.equal(error.code, 'problem_too_large');
    assert.deepEqual(error.issues, [{ path: 'nodes', message: '25000 nodes exceed the limit of 20000' }]);
  });

  it('refuses a cost matrix over the pair limit with 422 from the counts alone, naming costs.matrix', async () => {
    const body = JSON.parse(snapshot(2_000, 1_100)) as Record<string, unknown>;
    body['costs'] = { matrix: Array.from({ length: 2_000 }, () => 'a row never read') };
    const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(r.status, 422);
    const { error } = r.json as { error: { code: string; issues: { path: string; message: string }[] } };
    assert.deepEqual(error.issues, [
      {
        path: 'costs.matrix',
        message: '2000 nodes × 1100 containers = 2200000 matrix entries exceed the limit of 2000000',
      },
    ]);
  });

  it('refuses a body declared as 10 GiB with 413 at once and closes the connection, without reading it (it drained it for 5 minutes)', async () => {
    const port = Number(new URL(server.url).port);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(
          'POST /v1/plan HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{"nodes": [',
        );
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = setInterval(() => !s.destroyed && s.write(chunk), 1);
        let got = '';
        s.on('data', (d) => (got += d.toString()));
        s.on('close', () => {
          clearInterval(pump);
          resolve(got);
        });
        s.on('error', () => undefined);
        setTimeout(() => reject(new Error(`no answer and the connection is still open: ${got}`)), 5000);
      });
    });
    assert.match(reply, /^HTTP\/1\.1 413/);
    assert.match(reply, /connection: close/i);
    assert.match(reply, /payload_too_large/);
  });

  it('frees the solver threads when the client goes away (the solve ran on, holding both threads)', async () => {
    const big = JSON.stringify(
      gapToProgram(parseGapFile(readFileSync(fixturePath('gap', 'd801600'), 'utf8'), false)[0]!, 'min', {
        timeLimitMs: 8000,
      }),
    );
    const gone = new AbortController();
    const request = fetch(`${server.url}/v1/solve`, {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/json' },
      signal: gone.signal,
    }).catch(() => undefined);
    const busy = async (): Promise<number> =>
      ((await (await fetch(`${server.url}/healthz`)).json()) as { workers: { busy: number } }).workers.busy;
    for (let t = 0; t < 50 && (await busy()) === 0; t++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await busy()) > 0, 'the solve started');
    gone.abort();
    await request;
    const since = Date.now();
    while ((await busy()) > 0 && Date.now() - since < 3000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await busy(), 0, 'threads freed within 3 s of the disconnect');
    const next = await postJson(
      `${server.url}/v1/solve`,
      JSON.stringify({ cost: [[1]], demand: {}, capacity: {}, options: { timeLimitMs: 2000 } }),
    );
    assert.equal(next.status, 200);
    assert.equal(next.json['status'], 'optimal');
  });

  for (const objective of ['pack', 'balance', { cost: 1, balance: 2, pack: 3 }]) {
    it(`answers an infeasible snapshot with objective ${JSON.stringify(objective)} and its conflict (it was a 500)`, async () => {
      const body = {
        nodes: [
          { name: 'a', capacity: { cpu: 2, memory: '2Gi' } },
          { name: 'b', capacity: { cpu: 2, memory: '2Gi' } },
        ],
        containers: ['x', 'y', 'z'].map((name) => ({ name, requests: { cpu: 1.5, memory: '1Gi' } })),
        options: { objective, timeLimitMs: 5000 },
      };
      const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['status'], 'infeasible');
      const e = r.json['explanation'] as { containers: string[]; minimal: boolean; causes: string[] };
      assert.deepEqual([...e.containers].sort(), ['x', 'y', 'z']);
      assert.equal(e.minimal, true);
      assert.deepEqual(e.causes, ['cpu']);
    });
  }

  it('reads resource names that are Object.prototype keys as resources ("valueOf" was taken for a capacity)', async () => {
    const nodes = [{ name: 'a', capacity: { cpu: 4 } }];
    const containers = [{ name: 'x', requests: { cpu: 1, valueOf: 5 } }];
    const evaluated = await postJson(
      `${server.url}/v1/evaluate`,
      JSON.stringify({ nodes, containers, plan: { x: 'a' }, options: { timeLimitMs: 2000 } }),
    );
    assert.equal(evaluated.status, 200);
    const given = evaluated.json['given'] as { valid: boolean; violations: string[] };
    assert.equal(given.valid, false);
    assert.ok(
      given.violations.some((v) => /over its valueOf capacity/.test(v)),
      given.violations.join('; '),
    );
    const planned = await postJson(
      `${server.url}/v1/plan`,
      JSON.stringify({
        nodes,
        containers: [{ name: 'x', requests: { toString: 1, constructor: 2 } }],
        options: { timeLimitMs: 2000 },
      }),
    );
    assert.equal(planned.json['status'], 'infeasible');
    const proto = await postJson(
      `${server.url}/v1/plan`,
      '{"nodes": [{"name": "a", "capacity": {"__proto__": {"cpu": 1}}}], "containers": []}',
    );
    assert.equal(proto.status, 400);
    assert.deepEqual((proto.json as { error: { issues: unknown[] } }).error.issues[0], {
      path: 'nodes[0].capacity.__proto__',
      message: '"__proto__" is not allowed as a name',
    });
  });

  it('refuses costs whose objective it could not tell apart in doubles (it called a plan 50 worse optimal)', async () => {
    const nodes = [
      { name: 'a', capacity: { cpu: 4 } },
      { name: 'b', capacity: { cpu: 4 } },
    ];
    const containers = [
      { name: 'x', requests: { cpu: 1 } },
      { name: 'y', requests: { cpu: 1 } },
    ];
    for (const matrix of [
      [
        [100000000050.5, 100000000000.5],
        [100000000000.5, 100000000050.5],
      ],
      [
        [1e308, 1e308],
        [1e308, 1e308],
      ],
    ]) {
      const r = await postJson(`${server.url}/v1/plan`, JSON.stringify({ nodes, containers, costs: { matrix } }));
      assert.equal(r.status, 422, JSON.stringify(r.json));
      assert.equal((r.json as { error: { code: string; issues: { path: string }[] } }).error.issues[0]!.path, 'costs');
    }
  });

  it('refuses a kind: List nested 20 000 deep with 400 (it overflowed the stack)', async () => {
    const deep = '{"kind":"List","items":['.repeat(20_000) + '{}' + ']}'.repeat(20_000);
    const r = await postJson(`${server.url}/v1/plan`, deep);
    assert.equal(r.status, 400);
    assert.match(
      (r.json as { error: { issues: { message: string }[] } }).error.issues[0]!.message,
      /nests deeper than 64 levels/,
    );
  });

  it('refuses a fit question with 3 000 shapes with 400 (it killed the server)', async () => {
    const shapes = Array.from({ length: 3000 }, (_, k) => ({ name: `s${k}`, requests: { cpu: 1 } }));
    const r = await postJson(
      `${server.url}/v1/capacity`,
      JSON.stringify({ nodes: [{ name: 'a', capacity: { cpu: 4 } }], containers: [], question: { fit: { shapes } } }),
    );
    assert.equal(r.status, 400);
    assert.equal((r.json as { error: { issues: { path: string }[] } }).error.issues[0]!.path, 'question.fit.shapes');
  });

  it('on SIGTERM: /readyz turns 503 at once, the 20 s solve is answered by the drain deadline with its best plan, and the process exits 0', async () => {
    const draining = await startServer({ SHUTDOWN_GRACE_MS: '1500' });
    try {
      const big = JSON.stringify(
        gapToProgram(parseGapFile(readFileSync(fixturePath('gap', 'd801600'), 'utf8'), false)[0]!, 'min', {
          timeLimitMs: 20_000,
        }),
      );
      const solving = postJson(`${draining.url}/v1/solve`, big);
      // Synchronised on states, not sleeps: the solve holds a thread before the signal, and /readyz is asked until
      // it answers otherwise than 200 (the signal's delivery takes what it takes on a busy machine).
      const busy = async (): Promise<number> =>
        ((await (await fetch(`${draining.url}/healthz`)).json()) as { workers: { busy: number } }).workers.busy;
      while ((await busy()) === 0) await new Promise((r) => setTimeout(r, 20));
      const signalled = Date.now();
      draining.process.kill('SIGTERM');
      let ready = await fetch(`${draining.url}/readyz`);
      while (ready.status === 200) ready = await fetch(`${draining.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { status: string }).status, 'draining');
      const refused = await postJson(
        `${draining.url}/v1/solve`,
        JSON.stringify({ cost: [[1]], demand: {}, capacity: {} }),
      );
      assert.equal(refused.status, 503);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'shutting_down');
      const { status, json } = await solving;
      const answeredAfter = Date.now() - signalled;
      assert.equal(status, 200);
      assert.ok(json['status'] === 'feasible' || json['status'] === 'optimal', String(json['status']));
      assert.equal((json['assignment'] as unknown[]).length, 1600);
      assert.ok(answeredAfter < 1500 + 1000, `answered ${answeredAfter} ms after SIGTERM`);
      assert.equal(await draining.exited, 0);
    } finally {
      await draining.stop(5000);
    }
  });
});
