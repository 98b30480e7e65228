import { readFileSync } from 'node:fs';
import { validateSnapshot } from '../models/validate.js';
import { relaxed } from '../solver/backends/engine.js';
import { ENGINES } from '../solver/backends/index.js';
import { engineFor } from '../solver/strategy.js';
import { programLp } from '../solver/lpformat.js';
import { aggregate } from '../solver/scale/aggregate.js';
import { scaleProgram } from '../solver/scale/program.js';
import { hasHighspy, highspy } from './native.js';
import { greedyPlan } from '../solver/greedy.js';
import { rngFor } from './random.js';
import { scaleSnapshot, SCALE_SIZES } from './scale.js';
import { vbpInstances, vbpSnapshot } from './vbp.js';
import { postJson, probeInThread, startServer, type RunningServer } from './server.js';

/**
 * The `scale` and `vbp` suites of npm run bench. Each size runs on a fresh service process (the real
 * server, default limits), one request at a time, /healthz probed every 50 ms throughout; peak RSS is the
 * process's high-water mark (main thread, input and solver threads, WebAssembly). Native HiGHS (highspy,
 * one thread) solves the same aggregate program, exported as LP, under the same limit, and its LP
 * relaxation, side by side with the WebAssembly build's LP in this process.
 */

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`;

/** Peak RSS (VmHWM, MiB) of a process, read from /proc. */
function peakMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * /healthz probed every 50 ms from a thread of its own (bench/server.ts's probeInThread) until `stop` is
 * called, which gives the slowest answer (ms). The probe's first request, which sets up its connection
 * and code, is not counted.
 */
function healthProbe(server: RunningServer): { stop: () => Promise<number> } {
  const probe = probeInThread(`${server.url}/healthz`);
  return { stop: async () => Math.max(0, ...(await probe.stop())) };
}

interface Answer {
  status: string;
  objective: number | null;
  bound: number | null;
  gap: number | null;
  ms: number;
  /** timings.firstBoundMs: when the first proven bound reached the service, from the request's arrival. */
  firstBoundMs: number | null;
  /** The seed greedy's objective, and the answer's notes. */
  greedy: number | null;
  notes: string[];
}

/** An answer's plan, bound and gap, as one table cell. */
const planCell = (a: Answer): string => `${fmt(a.objective)} / ${fmt(a.bound)} (${pct(a.gap)})`;

async function plan(server: RunningServer, body: object): Promise<Answer> {
  const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
  const j = r.json as Record<string, unknown>;
  return {
    status: String(j['status'] ?? r.status),
    objective: (j['objective'] as number | null) ?? null,
    bound: (j['bound'] as number | null) ?? null,
    gap: (j['gap'] as number | null) ?? null,
    ms: r.ms,
    firstBoundMs: (j['timings'] as { firstBoundMs?: number | null } | undefined)?.firstBoundMs ?? null,
    greedy: (j['greedy'] as { objective: number | null } | undefined)?.objective ?? null,
    notes: (j['notes'] as string[] | undefined) ?? [],
  };
}

/** The aggregate program's LP in WebAssembly HiGHS here, and native HiGHS on the same program (LP and MIP). */
async function nativeSideBySide(body: object, limitS: number): Promise<string[]> {
  const v = validateSnapshot(body);
  if (!v.ok) return ['–', '–', '–', '–', '–'];
  const agg = aggregate(v.model);
  if ('outOfReach' in agg) return ['–', '–', '–', '–', '–'];
  const prog = scaleProgram(v.model, agg);
  const engine = ENGINES[engineFor('scale')];
  await engine.load();
  const held = engine.hold(relaxed(prog));
  const t = Date.now();
  held.solve({ timeLimitMs: limitS * 1000 });
  const wasmMs = Date.now() - t;
  held.dispose();
  if (!hasHighspy()) return [String(wasmMs), '–', '–', '–', '–'];
  const lpText = programLp(prog);
  const lp = highspy(lpText, limitS, 'lp');
  const mip = highspy(lpText, limitS, 'mip');
  const off = (x: number | null): number | null => (x === null ? null : x + prog.offset);
  return [
    String(wasmMs),
    `${fmt(off(lp.objective))} (${lp.ms.toFixed(0)} ms)`,
    (wasmMs / Math.max(1, lp.ms)).toFixed(2),
    `${fmt(off(mip.objective))} / ${fmt(off(mip.bound))}`,
    mip.status,
  ];
}

export async function scaleSuite(seed: number): Promise<string> {
  const head = [
    'snapshot',
    'objective',
    'greedy ms: median of 3 (first)',
    'greedy',
    '30 s: plan / bound (gap)',
    '30 s ms',
    '60 s: plan / bound (gap)',
    '60 s ms',
    'first bound ms (30 s / 60 s)',
    'peak RSS MiB',
    '/healthz max ms',
    'WASM aggregate LP ms',
    'native LP (ms)',
    'WASM / native LP time',
    'native 60 s plan / bound',
    'native status',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const runs: [number, number, 'cost' | 'pack'][] = [
    ...SCALE_SIZES.map(([n, m]) => [n, m, 'cost'] as [number, number, 'cost']),
    [5000, 150_000, 'pack'],
  ];
  for (const [n, m, objective] of runs) {
    const snapshot = scaleSnapshot(n, m, seed);
    const withOptions = (options: object): object => ({
      ...snapshot,
      options: { ...(objective === 'pack' ? { objective: 'pack' } : {}), ...options },
    });
    const server = await startServer();
    const health = healthProbe(server);
    try {
      // The first request on a fresh process also compiles its code paths: the median of three is reported beside it.
      const greedyRuns: Answer[] = [];
      for (let k = 0; k < 3; k++)
        greedyRuns.push(await plan(server, withOptions({ solver: 'greedy', timeLimitMs: 60_000 })));
      const greedy = greedyRuns[0]!;
      const greedyMs = `${median(greedyRuns.map((g) => g.ms))} (${greedy.ms})`;
      const at30 = await plan(server, withOptions({ timeLimitMs: 30_000 }));
      const at60 = await plan(server, withOptions({ timeLimitMs: 60_000 }));
      const healthMax = await health.stop();
      const rss = peakMb(server.process.pid!);
      const native = objective === 'cost' ? await nativeSideBySide(withOptions({}), 60) : ['–', '–', '–', '–', '–'];
      lines.push(
        `| ${n}×${m} | ${objective} | ${greedyMs} | ${fmt(greedy.objective)} | ${planCell(at30)} | ${at30.ms} | ` +
          `${planCell(at60)} | ${at60.ms} | ${at30.firstBoundMs ?? '–'} / ${at60.firstBoundMs ?? '–'} | ` +
          `${rss.toFixed(0)} | ${healthMax} | ${native.join(' | ')} |`,
      );
      if (process.stderr.isTTY) process.stderr.write(`  scale: ${n}×${m} ${objective} done\r`);
    } finally {
      await server.stop();
    }
  }
  return lines.join('\n');
}

/** The 16 vector bin packing instances (fixtures/vbp) as snapshots: one identical node per item, pack. */
export async function vbpSuite(root: string, timeLimitMs: number): Promise<string> {
  const known = vbpInstances(root);
  const head = ['instance', 'items', 'known optimum', 'greedy', 'status', 'plan', 'bound', 'ms'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const server = await startServer();
  let proven = 0;
  try {
    for (const { file, text, optimum } of known) {
      const body = vbpSnapshot(text, timeLimitMs);
      const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
      const j = r.json as { status: string; objective: number; bound: number; greedy: { objective: number } };
      if (j.status === 'optimal' && j.objective === optimum) proven++;
      lines.push(
        `| ${file} | ${body.containers.length} | ${optimum} | ${j.greedy.objective} | ${j.status} | ` +
          `${j.objective} | ${j.bound} | ${r.ms} |`,
      );
    }
  } finally {
    await server.stop();
  }
  return `${lines.join('\n')}\n\nproven optimal at the known optimum: ${proven}/${known.length}`;
}

/**
 * A live cluster: the scale snapshot with the containers the greedy puts on a share of the nodes running there now
 * (`current`; `pinned` when they must stay), and 2% of the nodes cordoned (their running containers stay, no new
 * ones come).
 */
export function liveSnapshot(n: number, m: number, seed: number, share: number, pinned: boolean): object {
  const base = scaleSnapshot(n, m, seed);
  const v = validateSnapshot(JSON.parse(JSON.stringify(base)));
  if (!v.ok) throw new Error('the scale snapshot does not validate');
  const plan = greedyPlan(v.model);
  const r = rngFor(seed + 7);
  const running = new Set<number>();
  const cordoned = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (r() < share) running.add(i);
    if (r() < 0.02) cordoned.add(i);
  }
  const nodes = base.nodes.map((node, i) => (cordoned.has(i) ? { ...node, unschedulable: true } : node));
  const containers = base.containers.map((c, j) => {
    const i = plan[j]!;
    return i >= 0 && running.has(i) ? { ...c, current: base.nodes[i]!.name, ...(pinned ? { pinned: true } : {}) } : c;
  });
  return { nodes, containers };
}

/** `--suite scale-live`: live-cluster snapshots at 5 000 × 150 000, 30 s each, with their notes (cost, then pack). */
export async function scaleLiveSuite(seed: number): Promise<string> {
  const head = ['snapshot', 'objective', 'running on', 'stay', 'status', 'plan / bound (gap)', 'ms', 'greedy', 'notes'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const [share, pinned, objective] of [
    [0.5, false, 'cost'],
    [1, false, 'cost'],
    [1, true, 'cost'],
    [0.5, false, 'pack'],
    [1, false, 'pack'],
  ] as const) {
    const options = { timeLimitMs: 30_000, ...(objective === 'pack' ? { objective } : {}) };
    const body = { ...liveSnapshot(5000, 150_000, seed, share, pinned), options };
    const server = await startServer();
    try {
      const a = await plan(server, body);
      const notes = a.notes.join('; ').replaceAll('|', '/');
      lines.push(
        `| 5000×150000 seed ${seed} | ${objective} | ${(100 * share).toFixed(0)}% of nodes | ` +
          `${pinned ? 'pinned' : 'may move'} | ${a.status} | ${planCell(a)} | ${a.ms} | ${fmt(a.greedy)} | ${notes} |`,
      );
    } finally {
      await server.stop();
    }
  }
  return lines.join('\n');
}

/**
 * `--suite scale-seeds`: 5 000 × 150 000 on five seeds (`seed` … `seed` + 4; none of them the tables' 42 by default),
 * the default cost and pack, 30 s each, a fresh service per snapshot; the worst gap of each objective below.
 */
export async function scaleSeedsSuite(first: number): Promise<string> {
  const head = ['seed', 'objective', 'status', 'plan / bound (gap)', 'ms', 'greedy'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const worst = new Map<string, { gap: number; seed: number }>();
  for (const objective of ['cost', 'pack'] as const)
    for (let seed = first; seed < first + 5; seed++) {
      const options = { timeLimitMs: 30_000, assignments: 'byNode', ...(objective === 'pack' ? { objective } : {}) };
      const server = await startServer();
      try {
        const a = await plan(server, { ...scaleSnapshot(5000, 150_000, seed), options });
        const gap = a.gap ?? Infinity;
        if (gap >= (worst.get(objective)?.gap ?? -1)) worst.set(objective, { gap, seed });
        lines.push(`| ${seed} | ${objective} | ${a.status} | ${planCell(a)} | ${a.ms} | ${fmt(a.greedy)} |`);
      } finally {
        await server.stop();
      }
    }
  const summary = [...worst].map(([o, w]) => `${o}: worst seed ${w.seed} at ${pct(w.gap)}`).join('; ');
  return `${lines.join('\n')}\n\n${summary}`;
}
