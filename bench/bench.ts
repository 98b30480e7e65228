/**
 * npm run bench [-- --suite abcd,clusters,gap1-12,yagiura] [--time-limit-ms N] [--solver glpk|jslp|greedy] [--no-native]
 *
 * Solves each instance with this service (one solve at a time, so times are not disturbed by each other)
 * and, where glpsol is installed, the same 0-1 program natively with the same limit, side by side in one
 * run. Prints one markdown table per suite and a summary line. Suites:
 *   abcd      OR-Library gapa–gapd (24 instances, minimisation), published optima
 *   clusters  generated cluster snapshots (identical node types and replicas), 10×60, 20×200, 50×500
 *   gap1-12   OR-Library gap1–gap12, both senses (120 solves), published optima
 *   yagiura   Yagiura C/D/E instances with n ≤ 400 (read from ../shared/benchmarks/gap when present)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AssignmentModel } from '../models/model.js';
import { SOLVER_NAMES, type SolverName } from '../models/options.js';
import { gapToProgram, parseGapFile, parseKnownValues, type KnownValue } from '../models/orlib.js';
import { validateProgram, validateSnapshot, type Validated } from '../models/validate.js';
import { formulate } from '../solver/formulate.js';
import { SolverPool } from '../solver/pool.js';
import { solveModel } from '../solver/solve.js';
import { clusterSnapshot } from './clusters.js';
import { glpsol, hasCommand, type NativeResult } from './native.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'abcd,clusters' },
    'time-limit-ms': { type: 'string', default: '10000' },
    solver: { type: 'string', default: 'glpk' },
    'no-native': { type: 'boolean', default: false },
  },
});
const timeLimitMs = Number(values['time-limit-ms']);
const solver = values.solver as SolverName;
if (!SOLVER_NAMES.includes(solver)) throw new Error(`--solver must be one of ${SOLVER_NAMES.join(', ')}`);
const native = !values['no-native'] && hasCommand('glpsol');

interface Instance {
  readonly name: string;
  readonly build: () => Validated;
  readonly published?: number;
  readonly publishedOptimal?: boolean;
}

interface Row {
  name: string;
  size: string;
  greedy: number | null;
  status: string;
  objective: number | null;
  bound: number | null;
  gap: number | null;
  published: number | undefined;
  ms: number;
  native?: NativeResult;
}

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(digits));
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);

function gapFileInstances(file: string, withCount: boolean, senses: readonly ('min' | 'max')[], known: readonly KnownValue[], dir: string): Instance[] {
  const instances = parseGapFile(readFileSync(join(dir, file), 'utf8'), withCount);
  return instances.flatMap((g, k) =>
    senses.map((sense) => {
      const kv = known.find((x) => x.file === file && x.index === k + 1 && x.sense === sense);
      const label = `${file.replace('.txt', '')}${withCount ? `-${k + 1}` : ''}${senses.length > 1 ? ` ${sense}` : ''}`;
      return { name: label, build: () => validateProgram(gapToProgram(g, sense, { timeLimitMs, solver })), ...(kv ? { published: kv.value, publishedOptimal: kv.optimal } : {}) };
    }),
  );
}

function suite(name: string): Instance[] {
  const fixtures = join(ROOT, 'fixtures', 'gap');
  const known = parseKnownValues(readFileSync(join(fixtures, 'known-values.csv'), 'utf8'));
  switch (name) {
    case 'abcd':
      return ['gapa.txt', 'gapb.txt', 'gapc.txt', 'gapd.txt'].flatMap((f) => gapFileInstances(f, true, ['min'], known, fixtures));
    case 'gap1-12':
      return Array.from({ length: 12 }, (_, k) => `gap${k + 1}.txt`).flatMap((f) => gapFileInstances(f, true, ['min', 'max'], known, fixtures));
    case 'yagiura': {
      const shared = join(ROOT, '..', 'shared', 'benchmarks', 'gap');
      if (!existsSync(shared)) return [];
      const sharedKnown = parseKnownValues(readFileSync(join(shared, 'known-values.csv'), 'utf8'));
      const files = ['c', 'd', 'e'].flatMap((t) => ['05100', '05200', '10100', '10200', '10400', '20100', '20200', '20400', '40400'].map((s) => `${t}${s}`)).filter((f) => existsSync(join(shared, f)));
      return files.flatMap((f) => gapFileInstances(f, false, ['min'], sharedKnown, shared));
    }
    case 'clusters':
      return [
        [10, 60],
        [20, 200],
        [50, 500],
      ].map(([n, m]) => ({ name: `cluster ${n}×${m}`, build: () => validateSnapshot({ ...clusterSnapshot(n!, m!, 42 + n!), options: { timeLimitMs, solver } }) }));
    default:
      throw new Error(`unknown suite "${name}"`);
  }
}

async function run(instance: Instance, pool: SolverPool): Promise<Row> {
  const v = instance.build();
  if (!v.ok) throw new Error(`${instance.name}: ${JSON.stringify(v.issues)}`);
  const model: AssignmentModel = v.model;
  const started = process.hrtime.bigint();
  const o = await solveModel(model, v.options, pool);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const row: Row = {
    name: instance.name,
    size: `${model.nodes.length}×${model.items.length}`,
    greedy: o.greedy.verification.complete ? o.greedy.verification.objective : null,
    status: o.status,
    objective: o.objective,
    bound: o.bound,
    gap: o.gap,
    published: instance.published,
    ms,
  };
  if (native) row.native = glpsol(formulate(model), timeLimitMs / 1000);
  return row;
}

function table(rows: readonly Row[]): string {
  const head = ['instance', 'n×m', 'greedy', 'status', 'objective', 'bound', 'gap', 'published', 'vs published', 'time ms'];
  if (native) head.push('glpsol status', 'glpsol objective', 'glpsol ms', 'time ratio');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const vsPublished = r.objective !== null && r.published !== undefined ? Math.abs(r.objective - r.published) / Math.abs(r.published) : null;
    const cells = [r.name, r.size, fmt(r.greedy), r.status, fmt(r.objective), fmt(r.bound), pct(r.gap), fmt(r.published), pct(vsPublished), r.ms.toFixed(0)];
    if (native && r.native) cells.push(r.native.status, fmt(r.native.objective), r.native.ms.toFixed(0), (r.ms / r.native.ms).toFixed(2));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const pool = new SolverPool({ threads: 1, maxQueue: 1 });
try {
  console.log(`optiplace bench: solver ${solver}, time limit ${timeLimitMs} ms per solve, one solve at a time${native ? ', native glpsol side by side' : ', glpsol not installed (apt-get install glpk-utils) or --no-native'}; node ${process.version}`);
  for (const name of values.suite!.split(',')) {
    const instances = suite(name);
    const rows: Row[] = [];
    for (const instance of instances) {
      rows.push(await run(instance, pool));
      if (process.stderr.isTTY) process.stderr.write(`  ${name}: ${rows.length}/${instances.length}\r`);
    }
    const proven = rows.filter((r) => r.status === 'optimal').length;
    const atPublished = rows.filter((r) => r.status === 'optimal' && r.objective === r.published).length;
    console.log(`\n### ${name}\n\n${table(rows)}\n`);
    const published = rows.some((r) => r.published !== undefined) ? [`${atPublished} of them at the published value`] : [];
    const summary = [`${proven}/${rows.length} proven optimal`, ...published, `median time ${median(rows.map((r) => r.ms)).toFixed(0)} ms`];
    if (native) {
      summary.push(`glpsol proven ${rows.filter((r) => r.native?.status === 'optimal').length}/${rows.length}`);
      summary.push(`median time ratio (ours/glpsol) ${median(rows.map((r) => r.ms / r.native!.ms)).toFixed(2)}`);
    }
    console.log(`Summary (${name}): ${summary.join('; ')}.`);
  }
} finally {
  await pool.close();
}
