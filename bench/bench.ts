/**
 * npm run bench [-- --suite abcd,clusters,gap1-12,yagiura,yagiura-large,scale,scale-seeds,scale-live,vbp,k8s-perf,
 *   greedy-profile,ai,consolidate,swarm]
 * [--time-limit-ms N]
 * [--solvers auto,glpk,highs] [--no-native] [--seed N] [--only REGEX] [--k8s-scale X] [--raw]
 *
 * Solves each instance with this service under each solver setting, one instance at a time, and,
 * where they are installed, the same 0-1 program with native glpsol and cbc (Debian), SCIP and OR-Tools CP-SAT
 * (pip install pyscipopt ortools; CP-SAT with 2 workers, as the service's two solver threads) under the same
 * limit, side by side in one run. Prints one markdown table per suite and a summary. Suites:
 *   abcd      OR-Library gapa–gapd (24 instances, minimisation), published values
 *   clusters  generated cluster snapshots (identical node types and replicas): 10×60, 20×200, 50×500, 100×1000;
 *             --seed picks other snapshots of the same sizes
 *   gap1-12   OR-Library gap1–gap12, both senses (120 solves), published optima
 *   yagiura   Yagiura C/D/E instances with n ≤ 400 (from ../shared/benchmarks/gap when present)
 *   yagiura-large  the 18 Yagiura C/D/E instances with n = 900–1 600
 *   greedy-profile  solver "greedy" at 5 000 × 150 000, stage by stage in process and end to end through the
 *             service (bench/greedy-profile.ts)
 *   scale-seeds  5 000 × 150 000 on five seeds (1–5, or --seed N … N + 4), cost and pack, 30 s each: the worst
 *             gap of each (bench/scale-suite.ts)
 *   scale-live  live clusters at 5 000 × 150 000: the containers the greedy puts on 50% or 100% of the nodes
 *             running there (movable, or pinned), 2% of the nodes cordoned; default cost, and pack where they may
 *             move; 30 s each, with the answer's notes
 *   scale     generated clusters of 1 000 × 10 000, 2 000 × 40 000 and 5 000 × 150 000 (default cost, and pack at
 *             the largest) through the real service: greedy, 30 s and 60 s, peak RSS, /healthz; native HiGHS
 *             (highspy) on the same aggregate program side by side (bench/scale-suite.ts)
 *   vbp       the 16 vector bin packing instances of ../shared/benchmarks/vbp, objective pack, --time-limit-ms each
 *   k8s-perf  Kubernetes' scheduler_perf workloads (fixtures/k8s-perf) as kubectl kind: List documents through the
 *             real service, 30 s each: time to a full verified plan and to a 1% gap, pods/s beside the threshold
 *             published for kube-scheduler (bench/k8s-perf-suite.ts); --k8s-scale X multiplies the published
 *             sizes (default 1), --raw posts the objects as scheduler_perf creates them (generateName-only pods,
 *             capacity-only nodes)
 *   ai        generated AI clusters (bench/ai.ts): 8-GPU nodes in racks of 16 and blocks of 8 racks, at 256, 1 024
 *             and 4 096 nodes, training gangs of 8–512 GPUs (required block; preferred rack, or slices) and
 *             inference spread over racks, some nodes partly used; through the real service, 30 s each (or
 *             --time-limit-ms): the seed greedy, the Kueue-style baseline and the answer side by side; --only
 *             picks sizes by the names ai-256, ai-1024, ai-4096
 *   consolidate  a generated 500-node cluster at 60% cpu with 100 deployments under PodDisruptionBudgets
 *             (bench/consolidate.ts): the consolidate frontier for 0..50 nodes removed through the real service
 *             (60 s), and the waves of one point
 *   swarm     generated Docker Swarm clusters (bench/swarm.ts) of 10, 100 and 1 000 nodes with 8, 40 and 200
 *             services, fresh and after a deploy round, through the real service (30 s each, or --time-limit-ms):
 *             the seed greedy, Swarm's own placement (swarmkit's scheduler) and the answer side by side; --only
 *             picks sizes by the names swarm-10, swarm-100, swarm-1000
 * --only keeps the instances whose name matches REGEX (e.g. --only 'gapd-[56]').
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SOLVER_NAMES, type SolverName } from '../models/options.js';
import { gapToProgram, parseGapFile, parseKnownValues, type KnownValue } from './orlib.js';
import { validateProgram, validateSnapshot, type Validated } from '../models/validate.js';
import { formulate } from '../solver/formulate.js';
import { SolverPool } from '../solver/pool.js';
import { solveModel } from '../solver/solve.js';
import { clusterSnapshot } from './clusters.js';
import { cbc, cpsat, glpsol, hasCommand, hasPython, scip, type NativeResult } from './native.js';
import { scaleLiveSuite, scaleSeedsSuite, scaleSuite, vbpSuite } from './scale-suite.js';
import { k8sPerfSuite } from './k8s-perf-suite.js';
import { greedyProfile } from './greedy-profile.js';
import { aiSuite } from './ai.js';
import { consolidateSuite } from './consolidate.js';
import { swarmSuite } from './swarm.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'abcd,clusters' },
    'time-limit-ms': { type: 'string', default: '10000' },
    solvers: { type: 'string', default: 'auto' },
    'no-native': { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
    only: { type: 'string' },
    'k8s-scale': { type: 'string', default: '1' },
    raw: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const timeLimitMs = Number(values['time-limit-ms']);
const solvers = values.solvers!.split(',') as SolverName[];
for (const s of solvers) if (!SOLVER_NAMES.includes(s)) throw new Error(`--solvers takes ${SOLVER_NAMES.join(', ')}`);
const natives = values['no-native']
  ? []
  : [
      ...(hasCommand('glpsol') ? ['glpsol'] : []),
      ...(hasCommand('cbc') ? ['cbc'] : []),
      ...(hasPython('pyscipopt') ? ['scip'] : []),
      ...(hasPython('pyscipopt') && hasPython('ortools') ? ['cpsat'] : []),
    ];
/** CP-SAT's search workers: the machine's cores, as the service's two solver threads. */
const CPSAT_WORKERS = 2;

interface Instance {
  readonly name: string;
  readonly build: (solver: SolverName) => Validated;
  readonly published?: number;
}

interface Ours {
  readonly status: string;
  readonly objective: number | null;
  readonly bound: number | null;
  readonly gap: number | null;
  readonly source: string;
  readonly ms: number;
}

interface Row {
  readonly name: string;
  readonly size: string;
  readonly published: number | undefined;
  readonly greedy: number | null;
  readonly ours: Readonly<Record<string, Ours>>;
  readonly native: Readonly<Record<string, NativeResult>>;
}

const fmt = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(2);
const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`;

function gapFileInstances(
  file: string,
  withCount: boolean,
  senses: readonly ('min' | 'max')[],
  known: readonly KnownValue[],
  dir: string,
): Instance[] {
  const instances = parseGapFile(readFileSync(join(dir, file), 'utf8'), withCount);
  return instances.flatMap((g, k) =>
    senses.map((sense) => {
      const kv = known.find((x) => x.file === file && x.index === k + 1 && x.sense === sense);
      const label = `${file.replace('.txt', '')}${withCount ? `-${k + 1}` : ''}${senses.length > 1 ? ` ${sense}` : ''}`;
      return {
        name: label,
        build: (solver: SolverName) => validateProgram(gapToProgram(g, sense, { timeLimitMs, solver })),
        ...(kv ? { published: kv.value } : {}),
      };
    }),
  );
}

function suite(name: string): Instance[] {
  const fixtures = join(ROOT, 'fixtures', 'gap');
  const known = parseKnownValues(readFileSync(join(fixtures, 'known-values.csv'), 'utf8'));
  switch (name) {
    case 'abcd':
      return ['gapa.txt', 'gapb.txt', 'gapc.txt', 'gapd.txt'].flatMap((f) =>
        gapFileInstances(f, true, ['min'], known, fixtures),
      );
    case 'gap1-12':
      return Array.from({ length: 12 }, (_, k) => `gap${k + 1}.txt`).flatMap((f) =>
        gapFileInstances(f, true, ['min', 'max'], known, fixtures),
      );
    case 'yagiura':
      return yagiura(['05100', '05200', '10100', '10200', '10400', '20100', '20200', '20400', '40400']);
    case 'yagiura-large':
      return yagiura(['15900', '30900', '60900', '201600', '401600', '801600']);
    case 'clusters':
      return [
        [10, 60],
        [20, 200],
        [50, 500],
        [100, 1000],
      ].map(([n, m]) => ({
        name: `cluster ${n}×${m}`,
        build: (solver: SolverName) =>
          validateSnapshot({ ...clusterSnapshot(n!, m!, seed + n!), options: { timeLimitMs, solver } }),
      }));
    default:
      throw new Error(`unknown suite "${name}"`);
  }
}

/** Yagiura's C, D and E instances of these sizes, from ../shared/benchmarks/gap when present. */
function yagiura(sizes: readonly string[]): Instance[] {
  const shared = join(ROOT, '..', 'shared', 'benchmarks', 'gap');
  if (!existsSync(shared)) return [];
  const sharedKnown = parseKnownValues(readFileSync(join(shared, 'known-values.csv'), 'utf8'));
  const files = ['c', 'd', 'e'].flatMap((t) => sizes.map((s) => `${t}${s}`)).filter((f) => existsSync(join(shared, f)));
  return files.flatMap((f) => gapFileInstances(f, false, ['min'], sharedKnown, shared));
}

async function run(instance: Instance, pool: SolverPool): Promise<Row> {
  const ours: Record<string, Ours> = {};
  let greedy: number | null = null;
  let size = '';
  let model;
  for (const solver of solvers) {
    const v = instance.build(solver);
    if (!v.ok) throw new Error(`${instance.name}: ${JSON.stringify(v.issues)}`);
    model = v.model;
    size = `${model.nodes.length}×${model.items.length}`;
    const started = process.hrtime.bigint();
    const o = await solveModel(v.model, v.options, pool);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    greedy = o.greedy.verification.complete ? o.greedy.verification.objective : null;
    ours[solver] = { status: o.status, objective: o.objective, bound: o.bound, gap: o.gap, source: o.source, ms };
  }
  const native: Record<string, NativeResult> = {};
  if (model && natives.length > 0) {
    const ip = formulate(model);
    if (natives.includes('glpsol')) native['glpsol'] = glpsol(ip, timeLimitMs / 1000);
    if (natives.includes('cbc')) native['cbc'] = cbc(ip, timeLimitMs / 1000);
    if (natives.includes('scip')) native['scip'] = scip(ip, timeLimitMs / 1000);
    if (natives.includes('cpsat')) native['cpsat'] = cpsat(ip, timeLimitMs / 1000, CPSAT_WORKERS);
  }
  return { name: instance.name, size, published: instance.published, greedy, ours, native };
}

/** |objective − published| / |published|, or null when either is missing. */
function fromPublished(objective: number | null, published: number | undefined): number | null {
  return objective !== null && published !== undefined ? Math.abs(objective - published) / Math.abs(published) : null;
}

function table(rows: readonly Row[], withPublished: boolean): string {
  const head = ['instance', 'n×m', ...(withPublished ? ['published'] : []), 'greedy'];
  for (const s of solvers)
    head.push(
      `${s} status`,
      `${s} objective`,
      `${s} bound`,
      `${s} gap`,
      ...(withPublished ? [`${s} vs published`] : []),
      `${s} ms`,
    );
  for (const n of natives)
    head.push(`${n} status`, `${n} objective`, ...(withPublished ? [`${n} vs published`] : []), `${n} ms`);
  if (natives.length > 0) head.push(`${solvers[0]} / ${natives[natives.length - 1]} time`);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [r.name, r.size, ...(withPublished ? [fmt(r.published)] : []), fmt(r.greedy)];
    for (const s of solvers) {
      const o = r.ours[s]!;
      const vs = fromPublished(o.objective, r.published);
      cells.push(
        o.status,
        fmt(o.objective),
        fmt(o.bound),
        pct(o.gap),
        ...(withPublished ? [pct(vs)] : []),
        o.ms.toFixed(0),
      );
    }
    for (const n of natives) {
      const o = r.native[n]!;
      const vs = fromPublished(o.objective, r.published);
      cells.push(o.status, fmt(o.objective), ...(withPublished ? [pct(vs)] : []), o.ms.toFixed(0));
    }
    if (natives.length > 0)
      cells.push((r.ours[solvers[0]!]!.ms / r.native[natives[natives.length - 1]!]!.ms).toFixed(2));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const pool = new SolverPool({ threads: 2, maxQueue: 2 });
try {
  const nativeNote = natives.length
    ? `native ${natives.join(', ')} on the same 0-1 program the service formulates (its LP export), single-threaded ` +
      `but CP-SAT with ${CPSAT_WORKERS} workers`
    : 'no native solvers (apt-get install glpk-utils coinor-cbc)';
  console.log(
    `optiplace bench: solvers ${solvers.join(', ')}; time limit ${timeLimitMs} ms per solve; ` +
      `one instance at a time (auto uses two threads, one per backend; single backends one); ` +
      `${nativeNote}; node ${process.version}`,
  );
  const only = values.only === undefined ? null : new RegExp(values.only);
  for (const name of values.suite!.split(',')) {
    if (name === 'greedy-profile') {
      console.log(`\n### greedy-profile\n\n${await greedyProfile()}\n`);
      continue;
    }
    if (name === 'k8s-perf') {
      const table = await k8sPerfSuite({
        scale: Number(values['k8s-scale']),
        raw: values.raw === true,
        ...(only ? { only } : {}),
      });
      console.log(`\n### k8s-perf\n\n${table}\n`);
      continue;
    }
    if (name === 'consolidate') {
      console.log(`\n### consolidate\n\n${await consolidateSuite(seed)}\n`);
      continue;
    }
    if (name === 'ai') {
      const sizes = [256, 1024, 4096].filter((n) => !only || only.test(`ai-${n}`));
      const limit = values['time-limit-ms'] === '10000' ? 30_000 : timeLimitMs;
      console.log(`\n### ai\n\n${await aiSuite(seed, limit, sizes)}\n`);
      continue;
    }
    if (name === 'swarm') {
      const sizes = [10, 100, 1000].filter((n) => !only || only.test(`swarm-${n}`));
      const limit = values['time-limit-ms'] === '10000' ? 30_000 : timeLimitMs;
      console.log(`\n### swarm\n\n${await swarmSuite(seed, limit, sizes)}\n`);
      continue;
    }
    if (name === 'scale-seeds') {
      // The tables' seed is 42; five others unless --seed says where to start.
      const first = values.seed === '42' ? 1 : seed;
      console.log(`\n### scale-seeds\n\n${await scaleSeedsSuite(first)}\n`);
      continue;
    }
    if (name === 'scale-live') {
      console.log(`\n### scale-live\n\n${await scaleLiveSuite(seed)}\n`);
      continue;
    }
    if (name === 'scale' || name === 'vbp') {
      const table = name === 'scale' ? await scaleSuite(seed) : await vbpSuite(ROOT, timeLimitMs);
      console.log(`\n### ${name}\n\n${table}\n`);
      continue;
    }
    const instances = suite(name).filter((i) => !only || only.test(i.name));
    if (instances.length === 0) continue;
    const rows: Row[] = [];
    for (const instance of instances) {
      rows.push(await run(instance, pool));
      if (process.stderr.isTTY) process.stderr.write(`  ${name}: ${rows.length}/${instances.length}\r`);
    }
    const withPublished = rows.some((r) => r.published !== undefined);
    console.log(`\n### ${name}\n\n${table(rows, withPublished)}\n`);
    const summary: string[] = [];
    for (const s of solvers) {
      const os = rows.map((r) => r.ours[s]!);
      const atPublished = rows.filter(
        (r) => r.ours[s]!.status === 'optimal' && r.ours[s]!.objective === r.published,
      ).length;
      const atValue = withPublished ? ` (${atPublished} at the published value)` : '';
      summary.push(
        `${s}: ${os.filter((o) => o.status === 'optimal').length}/${rows.length} proven ` +
          `optimal${atValue}, median ${median(os.map((o) => o.ms)).toFixed(0)} ms`,
      );
    }
    for (const n of natives) {
      const ns = rows.map((r) => r.native[n]!);
      summary.push(
        `${n}: ${ns.filter((x) => x.status === 'optimal').length}/${rows.length} ` +
          `proven optimal, median ${median(ns.map((x) => x.ms)).toFixed(0)} ms`,
      );
      summary.push(
        `median time ratio ${solvers[0]}/${n} ` +
          `${median(rows.map((r) => r.ours[solvers[0]!]!.ms / r.native[n]!.ms)).toFixed(2)}`,
      );
    }
    console.log(`Summary (${name}): ${summary.join('; ')}.`);
  }
} finally {
  await pool.close();
}
