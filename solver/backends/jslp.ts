import * as jsLpSolver from 'javascript-lp-solver';
import type { Model } from 'javascript-lp-solver';
import { heldCopy, type ProgramCopy } from './copy.js';
import { CAPABILITIES } from './capabilities.js';
import type { Engine, Limits, Solution } from './engine.js';

// The package's types describe its CommonJS build; under ESM its solver is the default export either way.
const solver = jsLpSolver.default as unknown as { Solve(model: Model): unknown };

/**
 * javascript-lp-solver: a pure-JS exact engine for small programs and cross-checks. Its timeout is checked only
 * between branch-and-bound nodes, and after a timeout it can return a fractional "feasible" LP point below the
 * optimum: only integral answers of integer programs are read, and an answer is called optimal only when the
 * search ended before the timeout. It also reports "not feasible" for feasible models it fails to solve, so that
 * is never taken as a proof of infeasibility. It reports no duals.
 */
function toModel(copy: ProgramCopy, limits: Limits): Model {
  const variables: Record<string, Record<string, number>> = {};
  const ints: Record<string, 1> = {};
  const constraints: Model['constraints'] = {};
  copy.cost.forEach((cost, v) => {
    // Column bounds as rows of their own: javascript-lp-solver has no variable bounds.
    variables[`x${v}`] = { cost, [`ub_${v}`]: 1 };
    constraints[`ub_${v}`] =
      copy.lower[v]! > 0 ? { min: copy.lower[v]!, max: copy.upper[v]! } : { max: copy.upper[v]! };
    if (copy.integer[v]) ints[`x${v}`] = 1;
  });
  for (const row of copy.rows) {
    const lo = Number.isFinite(row.lower);
    const up = Number.isFinite(row.upper);
    constraints[row.name] =
      lo && up && row.lower === row.upper
        ? { equal: row.upper }
        : { ...(lo ? { min: row.lower } : {}), ...(up ? { max: row.upper } : {}) };
    row.vars.forEach((v, t) => (variables[`x${v}`]![row.name] = row.coefs[t]!));
  }
  const timeout = Math.max(1, Math.floor(limits.timeLimitMs));
  return {
    optimize: 'cost',
    opType: copy.sense,
    constraints,
    variables,
    ints,
    options: { timeout, tolerance: limits.mipGap ?? 0 },
  };
}

function solve(copy: ProgramCopy, limits: Limits): Solution {
  const model = toModel(copy, limits);
  const mip = copy.integer.some((i) => i);
  const started = Date.now();
  const result = solver.Solve(model) as Record<string, unknown>;
  const timedOut = Date.now() - started >= model.options!.timeout!;
  if (result['feasible'] !== true || (mip && result['isIntegral'] !== true))
    return {
      status: 'unknown',
      note: timedOut
        ? `time limit reached before an ${mip ? 'integral ' : ''}solution`
        : `javascript-lp-solver found no ${mip ? 'integral ' : ''}solution`,
    };
  const x = Float64Array.from(copy.cost, (_, v) => {
    const value = result[`x${v}`];
    return typeof value === 'number' ? value : 0;
  });
  const value = result['result'];
  const objective = typeof value === 'number' ? value : undefined;
  const proven = !timedOut && (limits.mipGap ?? 0) === 0 && objective !== undefined ? { bound: objective } : {};
  if (!timedOut) return { status: 'optimal', x, ...(objective === undefined ? {} : { objective }), ...proven };
  return { status: 'feasible', x, ...(objective === undefined ? {} : { objective }), note: 'time limit reached' };
}

export const jslpEngine: Engine = {
  name: 'jslp',
  can: CAPABILITIES.jslp,
  load: () => Promise.resolve(),
  hold: (program) => heldCopy(program, solve),
};
