import { InputError } from '../planning/errors.js';
import { planner, type Planner } from '../planning/planner.js';
import { prepare } from '../planning/prepare.js';
import { run } from '../planning/usecases.js';
import { SolverPool } from '../solver/pool.js';
import { CliError, parseInvocation, usage, type Command } from './args.js';
import { readCluster } from './cluster.js';
import { readSwarm, readSwarmFiles } from './swarm.js';
import { readBody, withOverrides } from './input.js';
import { printResult, versionText } from './output.js';
import { PROGRESS_ENV, progressWanted, ProgressLine, showingProgress } from './progress.js';

/**
 * The CLI (`placement`, and `kubectl placement` through the kubectl-placement plugin executable): the
 * same use cases as the API (planning/usecases.ts), printed as JSON, YAML or a table. Exit codes: 0
 * optimal or feasible, 1 infeasible, 2 bad input or usage, 3 no complete plan within the time limit
 * (unknown), 4 internal error (a bug).
 */

/** The CLI runs offline: no server limits beyond what the machine can take. */
const CLI_LIMITS = {
  maxNodes: 100_000,
  maxContainers: 1_000_000,
  maxPairs: 50_000_000,
  maxResources: 1000,
  maxTimeLimitMs: 24 * 3_600_000,
  maxRuleWork: 50_000_000,
};

/** The solve, with the progress line on stderr when it is wanted. */
async function solve(command: Command, input: Record<string, unknown>): Promise<number> {
  const arrival = Date.now();
  const show = progressWanted(command.quiet, process.env[PROGRESS_ENV], process.stderr.isTTY === true);
  const line = show ? new ProgressLine({ out: process.stderr, start: arrival }) : undefined;
  const pool = new SolverPool({ threads: 2, maxQueue: 2 });
  const p = planner({
    pool,
    limits: CLI_LIMITS,
    prepare: async (req) => prepare(req),
    ...(line ? { onProgress: (q) => line.report(q) } : {}),
  });
  // The solve waits for both threads (they load while the input is read), so that the portfolio races both as
  // the service's does, not the lead alone because its partner was still loading; a thread that fails to load
  // waits no more.
  const loaded: Planner = {
    ...p,
    solve: async (built, deadline) => {
      while (pool.health().booting && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return p.solve(built, deadline);
    },
  };
  const shown: Planner = line ? showingProgress(loaded, line) : loaded;
  try {
    const result = await run(shown, {
      route: command.route,
      body: { parsed: input },
      ...(command.exportLp ? { format: 'lp' as const } : {}),
      arrival,
    });
    line?.close();
    return printResult(result, command.output);
  } catch (err) {
    if (err instanceof InputError)
      throw new CliError(err.code === 'invalid_input' ? 'invalid input' : err.message, err.issues);
    throw err;
  } finally {
    line?.close();
    p.close();
    await pool.close();
  }
}

async function main(argv: readonly string[], name: string): Promise<number> {
  const invocation = parseInvocation(argv, name);
  if (invocation.kind === 'help') {
    process.stdout.write(`${usage(name)}\n`);
    return 0;
  }
  if (invocation.kind === 'version') {
    process.stdout.write(versionText());
    return 0;
  }
  const { command } = invocation;
  const body = command.swarm
    ? 'live' in command.swarm
      ? await readSwarm(command.swarm.live)
      : await readSwarmFiles(command.swarm.files)
    : command.cluster
      ? await readCluster(command.cluster)
      : await readBody(command.paths);
  return solve(command, withOverrides(body, command.overrides));
}

/** Runs the CLI on the process's arguments and sets its exit code; `name` is how it was called. */
export function runCli(name: string): void {
  main(process.argv.slice(2), name).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof CliError) {
        process.stderr.write(`placement: ${err.message}\n`);
        for (const i of err.issues) process.stderr.write(`  ${i.path}: ${i.message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(
        `placement: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 4;
    },
  );
}
