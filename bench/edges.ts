/**
 * npm run edges
 *
 * The service's promises at their edges, timed on the real server (loopback), one case at a time:
 * - a 10 000 × 10 000 body: its 422, from the counts alone;
 * - a body declared as 10 GiB: its 413, and the connection closed;
 * - an infeasible 100 × 20 000 snapshot with a 1 s limit: the answer, and /healthz probed every 20 ms meanwhile;
 * - SIGTERM during a 20 s solve (SHUTDOWN_GRACE_MS 5000): /readyz, the solve's answer, the exit code.
 * Prints one table.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gapToProgram, parseGapFile } from './orlib.js';
import { postJson, probe, startServer } from './server.js';
import { uniformSnapshotBody as snapshot } from './clusters.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const rows: string[][] = [];

function declaredHuge(port: number): Promise<{ ms: number; reply: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(
        'POST /v1/plan HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{',
      );
      const pump = setInterval(() => !s.destroyed && s.write(Buffer.alloc(65536, 0x20)), 1);
      let reply = '';
      let answered = 0;
      s.on('data', (d) => {
        reply += d.toString();
        answered ||= Date.now() - started;
      });
      s.on('close', () => {
        clearInterval(pump);
        resolve({ ms: answered, reply });
      });
      s.on('error', () => undefined);
    });
  });
}

const server = await startServer({ LOG_LEVEL: 'warn' });
try {
  const body = snapshot(10_000, 10_000);
  const r1 = await postJson(`${server.url}/v1/plan`, body);
  rows.push([
    '10 000 × 10 000 body',
    `${(body.length / 2 ** 20).toFixed(1)} MiB`,
    `${r1.status} ${(r1.json['error'] as { code: string }).code}`,
    `${r1.ms} ms`,
  ]);
  const r2 = await declaredHuge(Number(new URL(server.url).port));
  rows.push([
    'Content-Length: 10 GiB',
    'sent while the answer comes',
    `${r2.reply.split('\r\n')[0]}${/connection: close/i.test(r2.reply) ? ', Connection: close' : ''}`,
    `${r2.ms} ms`,
  ]);
  const solving = postJson(`${server.url}/v1/plan`, snapshot(100, 20_000, { timeLimitMs: 1000 }));
  const latencies = await probe(`${server.url}/healthz`, solving, 20);
  const r3 = await solving;
  const e = r3.json['explanation'] as { containers: string[]; minimal: boolean; causes: string[] };
  rows.push([
    'infeasible 100 × 20 000, 1 s limit',
    `conflict of ${e.containers.length}, minimal ${e.minimal}, causes ${e.causes.join(', ')}`,
    `${r3.status} ${String(r3.json['status'])}`,
    `${r3.ms} ms; /healthz max ${Math.max(...latencies)} ms over ${latencies.length} probes`,
  ]);
} finally {
  await server.stop();
}

const draining = await startServer({ LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '5000' });
const gap = gapToProgram(parseGapFile(readFileSync(`${ROOT}fixtures/gap/d801600`, 'utf8'), false)[0]!, 'min', {
  timeLimitMs: 20_000,
});
const solving = postJson(`${draining.url}/v1/solve`, JSON.stringify(gap));
await new Promise((r) => setTimeout(r, 1000));
const signalled = Date.now();
draining.process.kill('SIGTERM');
let ready = await fetch(`${draining.url}/readyz`);
while (ready.status === 200 && Date.now() - signalled < 1000) ready = await fetch(`${draining.url}/readyz`);
const readyMs = Date.now() - signalled;
const answer = await solving;
const answeredMs = Date.now() - signalled;
const code = await draining.exited;
rows.push([
  'SIGTERM during a 20 s solve (grace 5 s)',
  `/readyz ${ready.status} within ${readyMs} ms`,
  `${answer.status} ${String(answer.json['status'])} gap ${(100 * (answer.json['gap'] as number)).toFixed(3)}%`,
  `answered ${answeredMs} ms after SIGTERM; exit ${code}`,
]);

process.stdout.write(
  `| case | detail | answer | time |\n|---|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`,
);
