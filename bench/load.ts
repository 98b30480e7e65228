/**
 * npm run load [-- --clients 50 --seconds 120 --min-limit-ms 100 --max-limit-ms 1000 --threads N]
 *
 * A load test of the real service on loopback: starts dist/server/main.js, then runs `clients` clients at
 * once, each from its own loopback address (127.0.0.x, so the per-client share of the queue applies as
 * it would to separate machines), each sending one request after another: a mix of small snapshots and
 * medium programs (OR-Library gapd-1, 5 × 100) and snapshots (a generated 20 × 200 cluster), each with a
 * random time limit between the two bounds. Beside them a prober asks /healthz every 50 ms.
 * Prints: requests sent, answered 200, answered 503 (and how many had Retry-After), lost (anything
 * else: errors, other statuses, no answer); the distribution of latency − limit for the 200s; /healthz
 * latency p50 / p99 / max; and the 200 plans that did not pass the independent check.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gapToProgram, parseGapFile } from './orlib.js';
import { clusterSnapshot } from './clusters.js';
import { checkSnapshotPlan } from './fuzz/oracle.js';
import { rngFor } from './random.js';
import { startServer } from './server.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '120' },
    'min-limit-ms': { type: 'string', default: '100' },
    'max-limit-ms': { type: 'string', default: '1000' },
    threads: { type: 'string' },
    seed: { type: 'string', default: '7' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const [minLimit, maxLimit] = [Number(values['min-limit-ms']), Number(values['max-limit-ms'])];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Job {
  readonly kind: string;
  readonly route: string;
  readonly body: (limit: number) => Record<string, unknown>;
}

const gapd1 = parseGapFile(readFileSync(`${ROOT}fixtures/gap/gapd.txt`, 'utf8'), true)[0]!;
const seed = JSON.parse(readFileSync(`${ROOT}fixtures/plan/seed-example.json`, 'utf8')) as {
  input: Record<string, unknown>;
};
const cluster = clusterSnapshot(20, 200, 11) as unknown as Record<string, unknown>;
const JOBS: readonly Job[] = [
  {
    kind: 'small snapshot (3 × 5)',
    route: '/v1/plan',
    body: (limit) => ({ ...seed.input, options: { timeLimitMs: limit } }),
  },
  {
    kind: 'medium program (gapd-1, 5 × 100)',
    route: '/v1/solve',
    body: (limit) => gapToProgram(gapd1, 'min', { timeLimitMs: limit }) as unknown as Record<string, unknown>,
  },
  {
    kind: 'medium snapshot (cluster 20 × 200)',
    route: '/v1/plan',
    body: (limit) => ({ ...cluster, options: { timeLimitMs: limit } }),
  },
];

interface Sample {
  readonly job: string;
  readonly status: number | 'lost';
  readonly over: number;
  readonly retryAfter: boolean;
  readonly invalid?: string;
  readonly timings?: unknown;
}

function post(
  port: number,
  localAddress: string,
  path: string,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(maxLimit + 30_000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Why a 200 answer is not a valid plan (undefined when it is). */
function invalidPlan(job: Job, body: Record<string, unknown>, json: Record<string, unknown>): string | undefined {
  const status = json['status'];
  if (status !== 'optimal' && status !== 'feasible') return undefined;
  if (job.route === '/v1/plan') {
    const r = checkSnapshotPlan(body, json, true);
    return r.problems.length > 0 ? r.problems.join('; ') : undefined;
  }
  const plan = json['assignment'] as (number | null)[];
  const p = body as unknown as { cost: number[][]; demand: { load: number[][] }; capacity: { load: number[] } };
  const used = new Array<number>(p.cost.length).fill(0);
  for (let j = 0; j < plan.length; j++) {
    const i = plan[j];
    if (i === null || i === undefined) return `container ${j} unplaced`;
    used[i]! += p.demand.load[i]![j]!;
  }
  return used.some((u, i) => u > p.capacity.load[i]!) ? 'over capacity' : undefined;
}

const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

const server = await startServer({ LOG_LEVEL: 'warn', ...(values.threads ? { SOLVER_THREADS: values.threads } : {}) });
const port = Number(new URL(server.url).port);
const end = Date.now() + seconds * 1000;
const samples: Sample[] = [];
const health: number[] = [];

async function client(k: number): Promise<void> {
  const r = rngFor(Number(values.seed) * 1000 + k);
  const address = `127.0.0.${2 + (k % 250)}`;
  while (Date.now() < end) {
    const job = JOBS[Math.floor(r() * JOBS.length)]!;
    const limit = minLimit + Math.floor(r() * (maxLimit - minLimit + 1));
    const body = job.body(limit);
    const started = Date.now();
    try {
      const res = await post(port, address, job.route, JSON.stringify(body));
      const latency = Date.now() - started;
      const json = res.status === 200 ? (JSON.parse(res.text) as Record<string, unknown>) : undefined;
      const invalid = json ? invalidPlan(job, body, json) : undefined;
      samples.push({
        job: job.kind,
        status: res.status,
        over: latency - limit,
        retryAfter: res.headers['retry-after'] !== undefined,
        ...(invalid ? { invalid } : {}),
        ...(json ? { timings: json['timings'] } : {}),
      });
      if (res.status === 503) await new Promise((w) => setTimeout(w, 50 + r() * 200));
    } catch {
      samples.push({ job: job.kind, status: 'lost', over: NaN, retryAfter: false });
    }
  }
}

async function prober(): Promise<void> {
  while (Date.now() < end) {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', () => resolve());
    });
    health.push(Date.now() - started);
    await new Promise((w) => setTimeout(w, 50));
  }
}

process.stderr.write(
  `load: ${clients} clients for ${seconds} s, limits ${minLimit}–${maxLimit} ms, against ${server.url}\n`,
);
await Promise.all([...Array.from({ length: clients }, (_, k) => client(k)), prober()]);
const alive = server.process.exitCode === null;
await server.stop();

const ok = samples.filter((s) => s.status === 200);
const refused = samples.filter((s) => s.status === 503);
const lost = samples.filter((s) => s.status !== 200 && s.status !== 503);
const overs = ok.map((s) => s.over);
const row = (k: string, v: string | number): string => `| ${k} | ${v} |`;
const lines = [
  '| load | |',
  '|---|---|',
  row('clients × seconds', `${clients} × ${seconds}`),
  row('time limits', `${minLimit}–${maxLimit} ms, uniform`),
  row('requests sent', samples.length),
  row('answered 200', ok.length),
  row('answered 503', `${refused.length} (${refused.filter((s) => s.retryAfter).length} with Retry-After)`),
  row('lost (errors, other statuses)', lost.length),
  row(
    'latency − limit, 200s: p50 / p90 / p99 / max',
    `${quantile(overs, 0.5)} / ${quantile(overs, 0.9)} / ${quantile(overs, 0.99)} / ${Math.max(...overs)} ms`,
  ),
  row('200s later than limit + 500 ms', ok.filter((s) => s.over > 500).length),
  row(
    '/healthz p50 / p99 / max',
    `${quantile(health, 0.5)} / ${quantile(health, 0.99)} / ${Math.max(...health)} ms (${health.length} probes)`,
  ),
  row('200 plans that did not verify', ok.filter((s) => s.invalid).length),
  row('server alive at the end', alive ? 'yes' : 'NO'),
];
for (const job of JOBS) {
  const mine = ok.filter((s) => s.job === job.kind).map((s) => s.over);
  lines.push(
    row(
      `  ${job.kind}: 200s, latency − limit p50 / max`,
      `${mine.length}, ${quantile(mine, 0.5)} / ${mine.length ? Math.max(...mine) : NaN} ms`,
    ),
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
const worst = [...ok].sort((a, b) => b.over - a.over).slice(0, 3);
process.stdout.write(
  `slowest 200s (latency − limit, the answer's timings): ` +
    `${worst.map((s) => `${s.over} ms ${s.job} ${JSON.stringify(s.timings)}`).join(' | ')}\n`,
);
const bad = ok.filter((s) => s.invalid);
if (bad.length > 0)
  process.stdout.write(
    `invalid plans: ${bad
      .slice(0, 3)
      .map((s) => `${s.job}: ${s.invalid}`)
      .join(' | ')}\n`,
  );
process.exitCode = lost.length === 0 && alive && bad.length === 0 ? 0 : 1;
