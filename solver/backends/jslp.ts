import * as jsLpSolver from 'javascript-lp-solver';
import type { Model } from 'javascript-lp-solver';
import { assignmentFromValues } from '../ip.js';
import type { Backend, BackendResult, SolveInput } from './backend.js';
import { emptyProgramResult } from './glpk.js';

// The package's types describe its CommonJS build; under ESM its solver is the default export either way.
const solver = jsLpSolver.default as unknown as { Solve(model: Model): unknown };

/**
 * javascript-lp-solver adapter: a second, pure-JS exact backend for small programs and cross-checks.
 * Its timeout is checked only between branch-and-bound nodes, and after a timeout it can return a
 * fractional "feasible" LP point below the optimum: only `isIntegral === true` answers are read, and an
 * answer is called optimal only when the search ended before the timeout. It also reports "not feasible"
 * for feasible models it fails to solve, so that is never taken as a proof of infeasibility.
 */
export const jslpBackend: Backend = {
  name: 'jslp',
  hooks: [],
  solve({ ip, timeLimitMs, mipGap }: SolveInput): BackendResult {
    if (ip.varCost.length === 0) return emptyProgramResult(ip);
    const variables: Record<string, Record<string, number>> = {};
    const ints: Record<string, 1> = {};
    const continuous = new Set(ip.continuous);
    const constraints: Model['constraints'] = {};
    for (let v = 0; v < ip.varCost.length; v++) {
      // Upper bounds as rows of their own: javascript-lp-solver has no variable bounds.
      variables[`x${v}`] = { cost: ip.varCost[v]!, [`ub_${v}`]: 1 };
      constraints[`ub_${v}`] = { max: ip.varUpper[v]! };
      if (!continuous.has(v)) ints[`x${v}`] = 1;
    }
    for (const row of ip.rows) {
      constraints[row.name] = row.op === 'eq' ? { equal: row.rhs } : { max: row.rhs };
      row.vars.forEach((v, t) => {
        variables[`x${v}`]![row.name] = row.coefs[t]!;
      });
    }
    const timeout = Math.max(1, Math.floor(timeLimitMs));
    const model: Model = {
      optimize: 'cost',
      opType: ip.sense,
      constraints,
      variables,
      ints,
      options: { timeout, tolerance: mipGap },
    };
    const started = Date.now();
    const result = solver.Solve(model) as Record<string, unknown>;
    const timedOut = Date.now() - started >= timeout;
    if (result['feasible'] !== true || result['isIntegral'] !== true) {
      return {
        status: 'unknown',
        note: timedOut
          ? 'time limit reached before an integral solution'
          : 'javascript-lp-solver found no integral solution',
      };
    }
    const x = Float64Array.from({ length: ip.varCost.length }, (_, v) => {
      const value = result[`x${v}`];
      return typeof value === 'number' ? value : 0;
    });
    const assignment = assignmentFromValues(ip, x);
    const objective = typeof result['result'] === 'number' ? result['result'] : undefined;
    if (!timedOut && mipGap === 0)
      return { status: 'optimal', assignment, ...(objective === undefined ? {} : { objective, bound: objective }) };
    return {
      status: 'feasible',
      assignment,
      ...(objective === undefined ? {} : { objective }),
      note: timedOut ? 'time limit reached' : 'stopped within mipGap',
    };
  },
};
