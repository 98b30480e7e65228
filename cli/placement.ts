#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { splitKubeObjects } from '../models/kube.js';
import { SOLVER_NAMES } from '../models/options.js';
import type { InputIssue } from '../models/validate.js';
import { InputError } from '../planning/errors.js';
import { planner } from '../planning/planner.js';
import { prepare, type Route } from '../planning/prepare.js';
import { run, solvedJson } from '../planning/usecases.js';
import { SolverPool } from '../solver/pool.js';
import { manifestDocuments, readDocuments } from './files.js';
import { renderTable } from './table.js';
import { stat } from 'node:fs/promises';

/**
 * placement plan FILE|-    solve a cluster snapshot (plain, or Kubernetes NodeList + PodList)
 * placement plan NODES PODS | DIR   Kubernetes manifests (JSON or YAML) from files or a directory
 * placement solve FILE|-   solve an assignment program
 * Prints the same JSON as the API (the same use cases, planning/usecases.ts). Exit codes: 0 optimal or
 * feasible, 1 infeasible, 2 bad input or usage, 3 no complete plan within the time limit (unknown),
 * 4 internal error (a bug).
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

Inputs: regular files (at most 512 MiB each; JSON lists of 64 MiB or more are streamed, up to 16 GiB)
or standard input; a directory's *.json,
*.yaml and *.yml files, not its subdirectories.

Exit codes: 0 optimal or feasible, 1 infeasible, 2 bad input, 3 no plan within the time limit,
4 internal error.`;

/** The CLI runs offline: no server limits beyond what the machine can take. */
const CLI_LIMITS = {
  maxNodes: 100_000,
  maxContainers: 1_000_000,
  maxPairs: 50_000_000,
  maxResources: 1000,
  maxTimeLimitMs: 24 * 3_600_000,
  maxRuleWork: 50_000_000,
};

class UsageError extends Error {}

function fail(message: string, issues: readonly InputIssue[] = []): never {
  process.stderr.write(`placement: ${message}\n`);
  for (const i of issues) process.stderr.write(`  ${i.path}: ${i.message}\n`);
  process.exit(2);
}

function parseNumberFlag(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || (integer && !Number.isInteger(x)))
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  return x;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The body: one file or standard input as it is, or Kubernetes objects from several files and directories. */
async function readBody(paths: readonly string[]): Promise<unknown> {
  const [file] = paths;
  const isDir = async (p: string): Promise<boolean> => {
    try {
      return (await stat(p)).isDirectory();
    } catch (err) {
      fail(`cannot read ${p}: ${errorText(err)}`);
    }
  };
  if (paths.length === 1 && (file === '-' || !(await isDir(file!)))) {
    let body: unknown;
    try {
      body = await readDocuments(file!);
    } catch (err) {
      fail(`cannot read ${file === '-' ? 'standard input' : file} as JSON or YAML: ${errorText(err)}`);
    }
    // Several YAML documents in one file: Kubernetes objects.
    return Array.isArray(body) ? splitKubeObjects(body) : body;
  }
  const docs: unknown[] = [];
  for (const p of paths) {
    try {
      docs.push(...(await manifestDocuments(p)));
    } catch (err) {
      fail(`cannot read ${p}: ${errorText(err)}`);
    }
  }
  return splitKubeObjects(docs);
}

type Values = ReturnType<typeof parseCommandLine>['values'];

function parseCommandLine() {
  try {
    return parseArgs({
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
    fail(`${errorText(err)}\n${USAGE}`);
  }
}

/** The flags that override the input's options. */
function withOverrides(input: Record<string, unknown>, values: Values): void {
  try {
    const overrides = {
      ...(values['time-limit-ms'] === undefined
        ? {}
        : { timeLimitMs: parseNumberFlag('time-limit-ms', values['time-limit-ms'], true) }),
      ...(values['mip-gap'] === undefined ? {} : { mipGap: parseNumberFlag('mip-gap', values['mip-gap'], false) }),
      ...(values.solver === undefined ? {} : { solver: values.solver }),
    };
    if (Object.keys(overrides).length === 0) return;
    const own = typeof input['options'] === 'object' && input['options'] !== null ? input['options'] : {};
    input['options'] = { ...own, ...overrides };
  } catch (err) {
    if (err instanceof UsageError) fail(err.message);
    throw err;
  }
}

const exitCodeOf = (status: unknown): number => (status === 'infeasible' ? 1 : status === 'unknown' ? 3 : 0);

async function main(): Promise<number> {
  const args = parseCommandLine();
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, file, ...extra] = args.positionals;
  if (
    !['plan', 'solve', 'evaluate', 'capacity'].includes(command ?? '') ||
    file === undefined ||
    (command !== 'plan' && extra.length > 0)
  )
    fail(`expected "plan FILE" or "solve FILE" (or "evaluate FILE", "capacity FILE"; - for stdin)\n${USAGE}`);
  if (args.values.export !== undefined && args.values.export !== 'lp')
    fail(`--export must be "lp", got "${args.values.export}"`);
  const format = args.values.format ?? 'json';
  if (format !== 'json' && format !== 'table') fail(`--format must be "json" or "table", got "${format}"`);
  const body = await readBody([file, ...extra]);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('the input must be a JSON object');
  const input = body as Record<string, unknown>;
  withOverrides(input, args.values);
  const arrival = Date.now();
  const pool = new SolverPool({ threads: 2, maxQueue: 2 });
  const p = planner({ pool, limits: CLI_LIMITS, prepare: async (req) => prepare(req) });
  try {
    const result = await run(p, {
      route: command as Route,
      body: { parsed: input },
      ...(args.values.export === 'lp' ? { format: 'lp' as const } : {}),
      arrival,
    });
    if (result.kind === 'text') {
      process.stdout.write(result.text);
      return 0;
    }
    if (result.kind === 'json') {
      process.stdout.write(`${JSON.stringify(result.json, null, 2)}\n`);
      return exitCodeOf(result.json['status']);
    }
    const { solved } = result;
    const conflict = solved.explanation ? `conflict: ${solved.explanation.message}\n` : '';
    if (format === 'table')
      process.stdout.write(`${renderTable(solved.built.model, solved.outcome, solved.given)}${conflict}`);
    else process.stdout.write(`${JSON.stringify(solvedJson(solved), null, 2)}\n`);
    return exitCodeOf(solved.outcome.status);
  } catch (err) {
    if (err instanceof InputError) fail(err.code === 'invalid_input' ? 'invalid input' : err.message, err.issues);
    throw err;
  } finally {
    p.close();
    await pool.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `placement: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 4;
  },
);
