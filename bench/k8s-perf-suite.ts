import { K8S_PERF_LEFT_OUT, k8sPerfWorkloads, type K8sPerfWorkload } from './k8s-perf.js';
import { postJson, startServer } from './server.js';

/**
 * The `k8s-perf` suite of npm run bench: each workload of Kubernetes' scheduler_perf (bench/k8s-perf.ts) posted
 * as its `kind: List` document, with `options: {timeLimitMs, mipGap: 0.01}` (stop at a certified 1%), to /v1/plan of
 * a fresh service process (the real server, default limits), one request per process. The table gives, from the
 * answer: its status; the time to a verified plan that places every pod (`timings.firstPlanMs`: every plan the
 * service keeps has passed its verifier); the time to a certified 1% gap (`timings.totalMs` when `gap` ≤ 0.01);
 * `timings.firstBoundMs`; pods/s = pods to place / time to the full plan; the threshold published for
 * kube-scheduler in scheduler_perf's config, and our pods/s over it. All times count from the request's arrival
 * (reading and checking the document included). Answers that are not plans (4xx, 5xx) and
 * infeasible ones are listed below the table with the service's words.
 */

export interface K8sPerfSuiteOptions {
  /** 1: the published sizes. */
  readonly scale: number;
  /** Post the objects as scheduler_perf creates them (see bench/k8s-perf.ts). */
  readonly raw: boolean;
  readonly timeLimitMs?: number;
  /** Only the workloads whose name matches (bench's --only). */
  readonly only?: RegExp;
}

interface Outcome {
  readonly status: string;
  readonly fullMs: number | null;
  readonly gapMs: number | null;
  readonly firstBoundMs: number | null;
  readonly roundTripMs: number;
  /** Why there is no plan, in the service's words (errors, infeasibility). */
  readonly problem?: string;
}

const fmt = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/** The service's error document, as one line: code, message and the first issues. */
function errorText(http: number, j: Record<string, unknown>): string {
  const e = j['error'] as
    { code?: string; message?: string; issues?: { path?: unknown; message?: string }[] } | undefined;
  if (!e) return `HTTP ${http}: ${JSON.stringify(j).slice(0, 300)}`;
  const issues = (e.issues ?? [])
    .slice(0, 3)
    .map((i) => `${Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? '')}: ${i.message ?? ''}`);
  const more = (e.issues?.length ?? 0) > 3 ? ` (+${e.issues!.length - 3} more)` : '';
  return `HTTP ${http} ${e.code ?? ''}: ${e.message ?? ''}${issues.length ? ` [${issues.join('; ')}${more}]` : ''}`;
}

/** What one answer says, for the table. */
function outcome(http: number, j: Record<string, unknown>, roundTripMs: number): Outcome {
  if (http !== 200) {
    const code = (j['error'] as { code?: string } | undefined)?.code;
    const problem = errorText(http, j);
    return {
      status: `${http}${code ? ` ${code}` : ''}`,
      fullMs: null,
      gapMs: null,
      firstBoundMs: null,
      roundTripMs,
      problem,
    };
  }
  const status = String(j['status']);
  const timings =
    (j['timings'] as { totalMs?: number; firstBoundMs?: number | null; firstPlanMs?: number | null } | undefined) ?? {};
  const unplaced = (j['unplaced'] as unknown[] | undefined) ?? [];
  const placesAll = (status === 'optimal' || status === 'feasible') && unplaced.length === 0;
  const totalMs = timings.totalMs ?? null;
  const gap = j['gap'] as number | null | undefined;
  const explanation = (j['explanation'] as { message?: string } | null | undefined)?.message;
  const notes = (j['notes'] as string[] | undefined) ?? [];
  return {
    status,
    fullMs: placesAll ? (timings.firstPlanMs ?? totalMs) : null,
    gapMs: placesAll && gap !== null && gap !== undefined && gap <= 0.01 ? totalMs : null,
    firstBoundMs: timings.firstBoundMs ?? null,
    roundTripMs,
    ...(placesAll ? {} : { problem: `${status}: ${explanation ?? notes.join(' / ')}` }),
  };
}

/** One workload on a fresh service process. */
async function runOne(w: K8sPerfWorkload, timeLimitMs: number): Promise<Outcome> {
  const body = JSON.stringify({ ...w.body, options: { timeLimitMs, mipGap: 0.01 } });
  const server = await startServer();
  try {
    const r = await postJson(`${server.url}/v1/plan`, body);
    return outcome(r.status, r.json, r.ms);
  } catch (e) {
    return { status: 'error', fullMs: null, gapMs: null, firstBoundMs: null, roundTripMs: 0, problem: String(e) };
  } finally {
    await server.stop();
  }
}

function row(w: K8sPerfWorkload, o: Outcome): string {
  const podsPerS = o.fullMs === null ? null : w.measurePods / (Math.max(1, o.fullMs) / 1000);
  const ratio = podsPerS === null || w.threshold === undefined ? null : podsPerS / w.threshold;
  const cells = [
    w.name,
    String(w.nodes),
    String(w.initPods),
    String(w.measurePods),
    o.status,
    fmt(o.fullMs),
    fmt(o.gapMs),
    fmt(o.firstBoundMs),
    fmt(o.roundTripMs),
    fmt(podsPerS),
    w.threshold === undefined ? '–' : String(w.threshold),
    ratio === null ? '–' : `${ratio.toFixed(2)}×`,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Runs every workload and returns the markdown: the table, the problems, the workloads left out. */
export async function k8sPerfSuite(options: K8sPerfSuiteOptions): Promise<string> {
  const timeLimitMs = options.timeLimitMs ?? 30_000;
  const head = [
    'workload',
    'nodes',
    'pods running',
    'pods to place',
    'status',
    'full plan ms',
    '1% gap ms',
    'first bound ms',
    'round trip ms',
    'pods/s',
    'kube-scheduler pods/s (threshold)',
    'ratio',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const problems: string[] = [];
  for (const w of k8sPerfWorkloads({ scale: options.scale, raw: options.raw })) {
    if (options.only && !options.only.test(w.name)) continue;
    const o = await runOne(w, timeLimitMs);
    lines.push(row(w, o));
    if (o.problem !== undefined) problems.push(`- ${w.name}: ${o.problem}`);
    if (process.stderr.isTTY) process.stderr.write(`  k8s-perf: ${w.name} ${o.status}\n`);
  }
  const form = options.raw ? 'raw (generateName-only pods, capacity-only nodes)' : 'named pods, allocatable = capacity';
  const leftOut = K8S_PERF_LEFT_OUT.map((l) => `- ${l.name} (${l.source}): ${l.reason}`);
  return [
    `scale ${options.scale}, ${form}, timeLimitMs ${timeLimitMs}, one fresh service process per workload`,
    '',
    ...lines,
    ...(problems.length ? ['', 'Answers without a full plan:', '', ...problems] : []),
    '',
    'Left out (not representable as one snapshot for this service):',
    '',
    ...leftOut,
  ].join('\n');
}
