import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPABILITIES, ENGINE_NAMES } from '../../solver/backends/capabilities.js';
import { engineFor, NEEDS, TIME, type Job } from '../../solver/strategy.js';
import { validateConverted } from '../../models/validate.js';
import { outcomeJson } from '../../planning/answer.js';
import { solveModel } from '../../solver/solve.js';
import { availableParallelism, totalmem } from 'node:os';
import { ENV_NAMES, envDefaults, loadConfig } from '../../server/config.js';
import { ROOT } from '../helpers.js';
import { sharedPool } from '../setup.js';

/**
 * docs/architecture.md cannot drift from the code: its tables of engine claims, jobs and time are rendered here
 * from the code and must be the document's, and every file path it names exists.
 */
const DOC = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

/** The document's table between `<!-- name -->` and `<!-- /name -->`. */
function table(name: string): string {
  const start = DOC.indexOf(`<!-- ${name} -->`);
  const end = DOC.indexOf(`<!-- /${name} -->`);
  assert.ok(start >= 0 && end > start, `docs/architecture.md has the ${name} table`);
  return DOC.slice(start + `<!-- ${name} -->`.length, end).trim();
}

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
const header = (cells: readonly string[]): string => `${row(cells)}\n|${cells.map(() => '---|').join('')}`;

/** Every leaf of a nested table of numbers, as dotted keys. */
function leaves(o: object, prefix = ''): [string, number][] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === 'number' ? [[`${prefix}${k}`, v] as [string, number]] : leaves(v as object, `${prefix}${k}.`),
  );
}

describe('docs/architecture.md is the code', () => {
  it('its engine claims are capabilities.ts', () => {
    const claims = Object.keys(CAPABILITIES.highs) as (keyof typeof CAPABILITIES.highs)[];
    const cell = (v: boolean | number): string =>
      typeof v === 'boolean' ? (v ? 'yes' : 'no') : v === Infinity ? '∞' : String(v);
    const want = [
      header(['engine', ...claims]),
      ...ENGINE_NAMES.map((e) => row([e, ...claims.map((c) => cell(CAPABILITIES[e][c]))])),
    ];
    assert.equal(table('capabilities'), want.join('\n'));
  });

  it('its jobs are strategy.ts’s, each with the engine that does it', () => {
    const jobs = Object.keys(NEEDS) as Job[];
    const want = [header(['job', 'needs', 'engine']), ...jobs.map((j) => row([j, NEEDS[j].join(', '), engineFor(j)]))];
    assert.equal(table('jobs'), want.join('\n'));
  });

  it('its time table is TIME', () => {
    const want = [header(['step', 'value']), ...leaves(TIME).map(([k, v]) => row([k, v]))];
    assert.equal(table('time'), want.join('\n'));
  });

  it('every file it names exists', () => {
    const paths = [
      ...DOC.matchAll(/`((?:models|solver|planning|server|cli|jobs|bench|test|fixtures|docs)\/[\w./<>*-]+)`/g),
    ]
      .map((m) => m[1]!)
      .filter((p) => !/[<*]/.test(p));
    assert.ok(paths.length > 20, `${paths.length} paths`);
    for (const p of paths) assert.ok(existsSync(join(ROOT, p.replace(/\/$/, ''))), p);
  });
});

const KUBE_DOC = readFileSync(join(ROOT, 'docs', 'kubernetes.md'), 'utf8');

/** The JSON block that follows `<!-- kind: name -->` in docs/kubernetes.md. */
function block(kind: string, name: string): Record<string, unknown> {
  const at = KUBE_DOC.indexOf(`<!-- ${kind}: ${name} -->`);
  assert.ok(at >= 0, `docs/kubernetes.md has the ${kind} ${name}`);
  const m = /```json\n([\s\S]*?)\n```/.exec(KUBE_DOC.slice(at));
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

/** Every field of `want` is the answer's (objects compared field by field, the rest exactly). */
function includes(got: unknown, want: unknown, path = 'answer'): void {
  if (typeof want !== 'object' || want === null || Array.isArray(want)) return assert.deepEqual(got, want, path);
  for (const [k, v] of Object.entries(want)) includes((got as Record<string, unknown>)[k], v, `${path}.${k}`);
}

async function planOf(body: unknown): Promise<Record<string, unknown>> {
  const v = validateConverted(body);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  const o = await solveModel(v.model, v.options, sharedPool());
  return JSON.parse(JSON.stringify(outcomeJson(v.model, o, v.notes))) as Record<string, unknown>;
}

describe('docs/kubernetes.md is the code', function () {
  this.timeout(60_000);

  it('its example answers what it says, and what its prose says with preferences at 0', async () => {
    const input = block('example', 'preferred-anti-affinity');
    includes(await planOf(input), block('answer', 'preferred-anti-affinity'));
    const packed = await planOf({ ...input, options: { objective: { pack: 1, preferences: 0 } } });
    includes(packed, { status: 'optimal', objective: 1, parts: { pack: 1, preferences: 120 } });
    assert.deepEqual(
      (packed['preferences'] as { violations: number; weight: number }[]).map((p) => [p.violations, p.weight]),
      [[6, 20]],
    );
  });

  it('every file it names exists', () => {
    const paths = [...KUBE_DOC.matchAll(/`((?:models|solver|planning|bench|test|fixtures|docs)\/[\w./-]+)`/g)];
    assert.ok(paths.length > 5, `${paths.length} paths`);
    for (const [, p] of paths) assert.ok(existsSync(join(ROOT, p!.replace(/\/$/, ''))), p);
  });
});

describe("docs/operations.md's settings are the code's", () => {
  const OPS = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const rows = [...OPS.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);

  it('has a row for every setting, and no other', () => {
    assert.deepEqual(rows.map(([name]) => name).sort(), [...ENV_NAMES].sort());
  });

  /** Defaults computed from the machine or from another setting: the rule the table states, held where it can be. */
  const computed: Record<string, (stated: string) => void> = {
    SOLVER_THREADS: (stated) => {
      assert.equal(stated, "the machine's available parallelism");
      assert.equal(loadConfig({}).threads, availableParallelism());
    },
    INPUT_THREADS: (stated) => {
      assert.equal(stated, '1 (2 from 4 cores)');
      assert.equal(loadConfig({}).inputThreads, availableParallelism() >= 4 ? 2 : 1);
    },
    MEMORY_LIMIT_MB: (stated) => {
      assert.equal(stated, "¾ of the machine's memory, at most 16 384");
      const mb = Math.min(16_384, Math.floor((0.75 * totalmem()) / 2 ** 20));
      assert.equal(loadConfig({}).memory.limitBytes, mb * 2 ** 20);
    },
    SOLVER_QUEUE_PER_CLIENT: (stated) => assert.equal(stated, 'a quarter of `SOLVER_QUEUE`'),
    SOLVER_MEMORY_BUDGET_MB: (stated) => assert.equal(stated, 'from `MEMORY_LIMIT_MB`, at most 1 792'),
  };

  it('states each default as the code has it', () => {
    const defaults = envDefaults();
    for (const [name, stated] of rows) {
      const value = defaults[name];
      // A number as the table writes it ("67 108 864 (64 MiB)"), a word in backticks, or – for none.
      const number = /^\d[\d ]*/.exec(stated)?.[0]?.replaceAll(' ', '');
      if (computed[name]) computed[name](stated);
      else if (value === undefined) assert.equal(stated, '–', name);
      else if (typeof value === 'number') assert.equal(Number(number), value, name);
      else assert.equal(stated, `\`${String(value)}\``, name);
    }
  });
});

describe("docs/operations.md's metrics are the code's", () => {
  it('lists every metric server/metrics.ts registers, with its type, and no other', () => {
    const ops = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const source = readFileSync(join(ROOT, 'server', 'metrics.ts'), 'utf8');
    const documented = [...ops.matchAll(/^\| `(optiplace_\w+)` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    const registered = [
      ...source.matchAll(/new (Counter|Gauge|Histogram)(?:<[^>]*>)?\(\{\s*name: '(optiplace_\w+)'/g),
    ].map((m) => `${m[2]} ${m[1]!.toLowerCase()}`);
    assert.ok(registered.length >= 10, `${registered.length} metrics found in the source`);
    assert.deepEqual(documented.sort(), registered.sort());
  });
});
