#!/usr/bin/env node
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { splitKubeObjects } from '../models/kube.js';
import { parseArgs } from 'node:util';
import { SOLVER_NAMES } from '../models/options.js';
import { validatePlanBody, validateProgram, type InputIssue } from '../models/validate.js';
import { givenPlan, splitPlan } from '../models/plan.js';
import { formulate } from '../solver/formulate.js';
import { toCplexLp } from '../solver/lpformat.js';
import { renderTable } from './table.js';
import { answerCapacity } from '../server/capacity.js';
import { ApiError } from '../server/errors.js';
import { explainInfeasible } from '../solver/explain.js';

/** The CLI runs offline: no server limits beyond what the machine can take. */
const CLI_LIMITS = { maxNodes: 100_000, maxContainers: 1_000_000, maxPairs: 50_000_000, maxResources: 1000, maxTimeLimitMs: 24 * 3_600_000 };
import { evaluationJson, outcomeJson } from '../server/response.js';
import { SolverPool } from '../solver/pool.js';
import { solveModel } from '../solver/solve.js';

/**
 * placement plan FILE|-    solve a cluster snapshot (plain, or Kubernetes NodeList + PodList)
 * placement plan NODES PODS | DIR   Kubernetes manifests (JSON or YAML) from files or a directory
 * placement solve FILE|-   solve an assignment program
 * Prints the same JSON as the API. Exit codes: 0 optimal or feasible, 1 infeasible,
 * 2 bad input or usage, 3 no complete plan within the time limit (unknown).
 */
const USAGE = `Usage: placement <plan|solve|evaluate|capacity> <FILE|-> [options]

Commands:
  plan FILE|-     solve a cluster snapshot: plain (nodes, containers, costs) or Kubernetes
                  ({nodeList, podList}, or a kind: List of nodes and pods)
  plan PATH...    Kubernetes manifests, JSON or YAML (multi-document), from files and
                  directories, e.g. "plan nodes.json pods.json" or "plan ./manifests/"
  solve FILE|-    solve an assignment program (cost, demand, capacity, sense)
  capacity FILE|- answer the snapshot's "question": {fit: how many more copies of some
                  shapes fit}, {buy: the cheapest nodes from a catalogue}, {whatIf: nodes
                  removed or added, fewest moves}, {moveBudget: cost against moves, k = 0..K}
  evaluate FILE|- check a given plan (the snapshot's "plan", or what runs today) against the
                  optimum: validity and every broken rule, objective, gap, both side by side

Options (override the input's own "options"):
  --time-limit-ms N   wall-clock limit in milliseconds (default 10000)
  --solver NAME       ${SOLVER_NAMES.join(' | ')} (default auto: HiGHS and GLPK race)
  --mip-gap X         stop within this relative gap (default 0: prove optimality)
  --export lp         print the integer program as CPLEX LP text (for any solver) and exit
  --format F          json (default) or table: each node's containers and utilisation bars,
                      the greedy beside the plan, and the gap
  -h, --help          show this help

Exit codes: 0 optimal or feasible, 1 infeasible, 2 bad input, 3 no plan within the time limit.`;

class UsageError extends Error {}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One file's content: JSON (a file named *.json, or text starting with "{") or YAML. Several YAML documents
 * come back as an array.
 */
function parseDocuments(text: string, name: string): unknown {
  if (name.endsWith('.json') || text.trimStart().startsWith('{')) return JSON.parse(text);
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error('empty YAML stream');
  const values = docs.map((d) => {
    if (d.errors.length > 0) throw new Error(d.errors[0]!.message);
    return d.toJS() as unknown;
  }).filter((v) => v !== null && v !== undefined);
  return values.length === 1 ? values[0] : values;
}

/** The documents of a manifest file, or of every *.json, *.yaml and *.yml file in a directory (sorted by name). */
async function manifestDocuments(path: string): Promise<unknown[]> {
  if ((await stat(path)).isDirectory()) {
    const names = (await readdir(path)).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();
    const out: unknown[] = [];
    for (const f of names) out.push(...(await manifestDocuments(join(path, f))));
    return out;
  }
  const parsed = parseDocuments(await readFile(path, 'utf8'), path);
  return Array.isArray(parsed) ? parsed : [parsed];
}

function fail(message: string, issues: readonly InputIssue[] = []): never {
  process.stderr.write(`placement: ${message}\n`);
  for (const i of issues) process.stderr.write(`  ${i.path}: ${i.message}\n`);
  process.exit(2);
}

function parseNumberFlag(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  return x;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        'time-limit-ms': { type: 'string' },
        solver: { type: 'string' },
        'mip-gap': { type: 'string' },
        export: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, file, ...extra] = args.positionals;
  if (!['plan', 'solve', 'evaluate', 'capacity'].includes(command ?? '') || file === undefined || (command !== 'plan' && extra.length > 0)) fail(`expected "plan FILE" or "solve FILE"\n${USAGE}`);

  let body: unknown;
  const paths = [file, ...extra];
  const isDir = async (p: string): Promise<boolean> => {
    try {
      return (await stat(p)).isDirectory();
    } catch (err) {
      fail(`cannot read ${p}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const single = paths.length === 1 && (file === '-' || !(await isDir(file)));
  if (single) {
    try {
      body = parseDocuments(await readInput(file), file);
    } catch (err) {
      fail(`cannot read ${file === '-' ? 'standard input' : file} as JSON or YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Several YAML documents in one file: Kubernetes objects.
    if (Array.isArray(body)) body = splitKubeObjects(body);
  } else {
    const docs: unknown[] = [];
    for (const p of paths) {
      try {
        docs.push(...(await manifestDocuments(p)));
      } catch (err) {
        fail(`cannot read ${p}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    body = splitKubeObjects(docs);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('the input must be a JSON object');
  const input = body as Record<string, unknown>;
  try {
    const overrides = {
      ...(args.values['time-limit-ms'] === undefined ? {} : { timeLimitMs: parseNumberFlag('time-limit-ms', args.values['time-limit-ms'], true) }),
      ...(args.values['mip-gap'] === undefined ? {} : { mipGap: parseNumberFlag('mip-gap', args.values['mip-gap'], false) }),
      ...(args.values.solver === undefined ? {} : { solver: args.values.solver }),
    };
    if (Object.keys(overrides).length > 0) {
      const own = typeof input['options'] === 'object' && input['options'] !== null ? input['options'] : {};
      input['options'] = { ...own, ...overrides };
    }
  } catch (err) {
    if (err instanceof UsageError) fail(err.message);
    throw err;
  }

  if (command === 'capacity') {
    const pool = new SolverPool({ threads: 2, maxQueue: 2 });
    try {
      const answer = await answerCapacity(input, { pool, limits: CLI_LIMITS });
      process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      return answer['status'] === 'infeasible' ? 1 : answer['status'] === 'unknown' ? 3 : 0;
    } catch (err) {
      if (err instanceof ApiError) fail(err.message, err.issues);
      throw err;
    } finally {
      await pool.close();
    }
  }
  const { plan: planBody, rest } = command === 'evaluate' ? splitPlan(input) : { plan: undefined, rest: input };
  const v = command === 'solve' ? validateProgram(rest) : validatePlanBody(rest);
  if (!v.ok) fail('invalid input', v.issues);
  if (args.values.export !== undefined) {
    if (args.values.export !== 'lp') fail(`--export must be "lp", got "${args.values.export}"`);
    process.stdout.write(toCplexLp(formulate(v.model, { symmetry: v.options.symmetry }), v.model));
    return 0;
  }
  const format = args.values.format ?? 'json';
  if (format !== 'json' && format !== 'table') fail(`--format must be "json" or "table", got "${format}"`);
  let given: Int32Array | undefined;
  if (command === 'evaluate') {
    const g = givenPlan(v.model, planBody);
    if (!g.ok) fail('invalid input', g.issues);
    given = g.plan;
  }
  const pool = new SolverPool({ threads: 2, maxQueue: 2 });
  try {
    const started = Date.now();
    const outcome = await solveModel(v.model, v.options, pool);
    const explanation = outcome.status === 'infeasible' ? await explainInfeasible(v.model, v.options, pool, started + v.options.timeLimitMs) : undefined;
    if (format === 'table') process.stdout.write(`${renderTable(v.model, outcome, given)}${explanation ? `conflict: ${explanation.message}\n` : ''}`);
    else {
      const json = given ? evaluationJson(v.model, given, outcome, v.notes) : outcomeJson(v.model, outcome, v.notes);
      if (explanation) json['explanation'] = explanation;
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    }
    return outcome.status === 'infeasible' ? 1 : outcome.status === 'unknown' ? 3 : 0;
  } finally {
    await pool.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`placement: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 4;
  },
);
