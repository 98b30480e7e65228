#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SOLVER_NAMES } from '../models/options.js';
import { validateProgram, validateSnapshot, type InputIssue } from '../models/validate.js';
import { outcomeJson } from '../server/response.js';
import { SolverPool } from '../solver/pool.js';
import { solveModel } from '../solver/solve.js';

/**
 * placement plan FILE|-    solve a cluster snapshot
 * placement solve FILE|-   solve an assignment program
 * Prints the same JSON as the API. Exit codes: 0 optimal or feasible, 1 infeasible,
 * 2 bad input or usage, 3 no complete plan within the time limit (unknown).
 */
const USAGE = `Usage: placement <plan|solve> <FILE|-> [options]

Commands:
  plan FILE|-     solve a cluster snapshot (nodes, containers, costs)
  solve FILE|-    solve an assignment program (cost, demand, capacity, sense)

Options (override the input's own "options"):
  --time-limit-ms N   wall-clock limit in milliseconds (default 10000)
  --solver NAME       ${SOLVER_NAMES.join(' | ')} (default auto: HiGHS and GLPK race)
  --mip-gap X         stop within this relative gap (default 0: prove optimality)
  -h, --help          show this help

Exit codes: 0 optimal or feasible, 1 infeasible, 2 bad input, 3 no plan within the time limit.`;

class UsageError extends Error {}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
  if ((command !== 'plan' && command !== 'solve') || file === undefined || extra.length > 0) fail(`expected "plan FILE" or "solve FILE"\n${USAGE}`);

  let body: unknown;
  try {
    body = JSON.parse(await readInput(file));
  } catch (err) {
    fail(`cannot read ${file === '-' ? 'standard input' : file} as JSON: ${err instanceof Error ? err.message : String(err)}`);
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

  const v = command === 'plan' ? validateSnapshot(input) : validateProgram(input);
  if (!v.ok) fail('invalid input', v.issues);
  const pool = new SolverPool({ threads: 2, maxQueue: 2 });
  try {
    const outcome = await solveModel(v.model, v.options, pool);
    process.stdout.write(`${JSON.stringify(outcomeJson(v.model, outcome), null, 2)}\n`);
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
