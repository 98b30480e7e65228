/**
 * npm run compare -- --before DIR [--seeds N] [--scale] [--control]
 *
 * Answers of this build beside another build's (DIR: a checkout with its own dist/, e.g. a git worktree of the
 * commit before a refactoring), on the same inputs, one request at a time, alternating: every fixture of
 * fixtures/plan, kube, objectives, capacity and solve; random snapshots with every rule kind under every objective
 * (plan, and evaluate of the running placement), with HiGHS pinned so that a build's answer does not depend on a
 * race; with --scale, generated clusters of 1 000 × 10 000 (the greedy, and a 10 s solve). Prints one row per input:
 * status, objective and bound of both builds, and whether the plans, the greedy plans, the reasons and the
 * violations are identical. --control also runs the other build twice, to show what differs between two runs of
 * one build (time-limited searches are not deterministic).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomRuleSnapshot } from './random.js';
import { scaleSnapshot } from './scale.js';
import { postJson, startServer, type RunningServer } from './server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    seeds: { type: 'string', default: '16' },
    scale: { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
  },
});
if (!values.before) throw new Error('--before DIR: the other build (a checkout with dist/ built)');

interface Input {
  readonly name: string;
  readonly route: string;
  readonly body: unknown;
}

const OBJECTIVES: readonly unknown[] = ['cost', 'balance', 'pack', { cost: 1, balance: 2, pack: 1 }];

function fixtureInputs(): Input[] {
  const routes: Record<string, string> = {
    plan: '/v1/plan',
    kube: '/v1/plan',
    objectives: '/v1/plan',
    capacity: '/v1/capacity',
    solve: '/v1/solve',
  };
  return Object.entries(routes)
    .flatMap(([folder, route]) =>
      readdirSync(join(ROOT, 'fixtures', folder))
        .filter((f) => f.endsWith('.json'))
        .map((f) => {
          const c = JSON.parse(readFileSync(join(ROOT, 'fixtures', folder, f), 'utf8')) as { input: unknown };
          return [
            { name: `${folder}/${f}`, route, body: c.input },
            { name: `${folder}/${f} (highs)`, route, body: pinned(c.input) },
          ];
        }),
    )
    .flat();
}

/** The input with HiGHS pinned (one solver thread: no race decides which optimal plan comes back). */
function pinned(input: unknown): unknown {
  const body = input as { options?: Record<string, unknown> };
  return { ...body, options: { ...body.options, solver: 'highs' } };
}

function randomInputs(seeds: number): Input[] {
  const out: Input[] = [];
  for (let k = 0; k < seeds; k++) {
    const seed = 7000 + k;
    const s = randomRuleSnapshot(seed) as { options: Record<string, unknown> };
    OBJECTIVES.forEach((objective, o) => {
      const options = { ...s.options, objective, solver: 'highs' };
      out.push({ name: `rules seed ${seed} objective ${o}`, route: '/v1/plan', body: { ...s, options } });
    });
    out.push({
      name: `rules seed ${seed} evaluate`,
      route: '/v1/evaluate',
      body: { ...s, options: { ...s.options, solver: 'highs' } },
    });
  }
  return out;
}

function scaleInputs(): Input[] {
  const snap = scaleSnapshot(1000, 10_000, 42);
  return [
    {
      name: 'scale 1000×10000 greedy',
      route: '/v1/plan',
      body: { ...snap, options: { solver: 'greedy', timeLimitMs: 30_000 } },
    },
    { name: 'scale 1000×10000 10 s', route: '/v1/plan', body: { ...snap, options: { timeLimitMs: 10_000 } } },
    {
      name: 'scale 1000×10000 pack 10 s',
      route: '/v1/plan',
      body: { ...snap, options: { objective: 'pack', timeLimitMs: 10_000 } },
    },
  ];
}

/** The parts of an answer that must not change, with timings and their words taken out. */
interface Digest {
  readonly status: string;
  readonly objective: unknown;
  readonly bound: unknown;
  readonly plan: string;
  readonly greedy: string;
  readonly reasons: string;
  readonly violations: string;
  /** The whole answer but for what depends on time: timings, backends, notes and the per-step progress. */
  readonly rest: string;
}

/** Answer fields that depend on time or load, not on the input. */
const VOLATILE = new Set(['timings', 'backends', 'notes', 'firstBoundMs', 'elapsedMs', 'ms']);

/** The value at `key` of an object (undefined for anything else). */
const at = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;

/** A plan as it appears in an answer: named assignments (plan, evaluate), or node indices (solve). */
const planOf = (o: unknown): string => JSON.stringify(at(o, 'assignments') ?? at(o, 'assignment') ?? null);

function digest(code: number, json: Record<string, unknown>): Digest {
  // evaluate answers with the optimum beside the given plan; capacity with the answer beside the question
  const answer = json['optimal'] ?? json['answer'] ?? json;
  return {
    status: code === 200 ? String(at(answer, 'status') ?? '200') : `${code} ${String(at(json['error'], 'code'))}`,
    objective: at(answer, 'objective') ?? null,
    bound: at(answer, 'bound') ?? null,
    plan: planOf(answer),
    greedy: planOf(json['greedy'] ?? at(answer, 'greedy')),
    reasons: JSON.stringify(at(answer, 'reasons') ?? json['reasons'] ?? null),
    violations: JSON.stringify(at(json['given'], 'violations') ?? null),
    rest: JSON.stringify(json, (key, value: unknown) => (VOLATILE.has(key) ? undefined : value)),
  };
}

async function ask(server: RunningServer, input: Input): Promise<Digest> {
  const r = await postJson(`${server.url}${input.route}`, JSON.stringify(input.body));
  return digest(r.status, r.json);
}

const same = (a: string, b: string): string => (a === b ? 'same' : '**differs**');
const num = (x: unknown): string => (typeof x === 'number' ? String(Math.round(x * 1e6) / 1e6) : String(x));

async function main(): Promise<void> {
  const inputs = [...fixtureInputs(), ...randomInputs(Number(values.seeds)), ...(values.scale ? scaleInputs() : [])];
  const before = await startServer({}, join(values.before!, 'dist', 'server', 'main.js'));
  const after = await startServer();
  const rows: string[] = [];
  const counts = {
    inputs: 0,
    status: 0,
    objective: 0,
    plan: 0,
    greedy: 0,
    reasons: 0,
    violations: 0,
    rest: 0,
    control: 0,
  };
  try {
    for (const input of inputs) {
      const b = await ask(before, input);
      const a = await ask(after, input);
      const c = values.control ? await ask(before, input) : undefined;
      counts.inputs++;
      if (a.status === b.status) counts.status++;
      if (num(a.objective) === num(b.objective)) counts.objective++;
      if (a.plan === b.plan) counts.plan++;
      if (a.greedy === b.greedy) counts.greedy++;
      if (a.reasons === b.reasons) counts.reasons++;
      if (a.violations === b.violations) counts.violations++;
      if (a.rest === b.rest) counts.rest++;
      if (c && c.plan === b.plan) counts.control++;
      rows.push(
        `| ${input.name} | ${input.route} | ${b.status} / ${a.status} | ${num(b.objective)} / ${num(a.objective)} | ` +
          `${num(b.bound)} / ${num(a.bound)} | ${same(b.plan, a.plan)} | ${same(b.greedy, a.greedy)} | ` +
          `${same(b.reasons, a.reasons)} | ${same(b.violations, a.violations)} | ${same(b.rest, a.rest)} |` +
          (c ? ` ${same(b.plan, c.plan)} |` : ''),
      );
    }
  } finally {
    await before.stop();
    await after.stop();
  }
  console.log(
    `| input | route | status before / after | objective | bound | plan | greedy | reasons | violations | rest |` +
      (values.control ? ' plan, before twice |' : ''),
  );
  console.log(`|---|---|---|---|---|---|---|---|---|---|${values.control ? '---|' : ''}`);
  for (const row of rows) console.log(row);
  console.log(`\n${JSON.stringify(counts)}`);
}

await main();
