import GLPKFactory, { type GLPK, type LP } from 'glpk.js/node';
import { assignmentFromValues, type IntegerProgram } from '../ip.js';
import type { Backend, BackendResult, SolveInput } from './backend.js';

/**
 * GLPK (glpk.js, WebAssembly) adapter. glp_intopt with presolve on (presolve off fails for MIP in
 * glpk.js), no cuts (the build cannot switch them on). Status codes are translated here and nowhere else:
 * GLP_UNDEF after a time limit comes with z = 0 and all variables 0, which must never be read as a plan.
 */
let glpk: GLPK | undefined;

/** Loads the WebAssembly module once per thread. */
export async function loadGlpk(): Promise<GLPK> {
  glpk ??= await GLPKFactory();
  return glpk;
}

function toLp(g: GLPK, ip: IntegerProgram, relax: boolean): LP {
  const name = (v: number): string => `x${v}`;
  const vars = Array.from(ip.varCost, (coef, v) => ({ name: name(v), coef }));
  const continuous = new Set(ip.continuous);
  return {
    name: 'placement',
    objective: { direction: ip.sense === 'min' ? g.GLP_MIN : g.GLP_MAX, name: 'cost', vars },
    subjectTo: ip.rows.map((row) => ({
      name: row.name,
      vars: Array.from(row.vars, (v, t) => ({ name: name(v), coef: row.coefs[t]! })),
      bnds: row.op === 'eq' ? { type: g.GLP_FX, lb: row.rhs, ub: row.rhs } : { type: g.GLP_UP, lb: 0, ub: row.rhs },
    })),
    bounds: vars.map((v, k) => ({ name: v.name, type: g.GLP_DB, lb: 0, ub: ip.varUpper[k]! })),
    ...(relax ? {} : { generals: vars.filter((_, v) => !continuous.has(v)).map((v) => v.name) }),
  };
}

/**
 * The result for a program without variables: every container unplaced (feasible only when containers
 * may stay out, and then optimal), or infeasible.
 */
export function emptyProgramResult(ip: IntegerProgram): BackendResult {
  if (ip.m > 0 && !ip.allowUnplaced) return { status: 'infeasible', note: 'no container can be placed anywhere' };
  return { status: 'optimal', assignment: new Int32Array(ip.m).fill(-1), objective: 0, bound: 0 };
}

function values(vars: Record<string, number>, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, v) => vars[`x${v}`] ?? 0);
}

/**
 * The LP relaxation: its optimal value (a proven bound) and point, or undefined if GLPK did not solve
 * it to optimality within the limit.
 */
export function glpkLp(
  ip: IntegerProgram,
  timeLimitMs: number,
): { readonly z: number; readonly x: Float64Array } | undefined {
  if (!glpk) throw new Error('GLPK is not loaded: call loadGlpk() first');
  // GLPK aborts (glp_add_cols: ncs = 0) on a program without columns: its relaxation is 0.
  if (ip.varCost.length === 0) return { z: 0, x: new Float64Array(0) };
  const out = glpk.solve(toLp(glpk, ip, true), {
    msglev: glpk.GLP_MSG_OFF,
    tmlim: Math.max(0.001, timeLimitMs / 1000),
  });
  if (out.result.status !== glpk.GLP_OPT) return undefined;
  const vars = out.result.vars;
  return { z: out.result.z, x: values(vars, ip.varCost.length) };
}

export const glpkBackend: Backend = {
  name: 'glpk',
  // No interrupt, callbacks or start plan in this backend; GLPK is stopped by terminating its thread.
  hooks: [],
  solve({ ip, timeLimitMs, mipGap }: SolveInput): BackendResult {
    if (!glpk) throw new Error('GLPK is not loaded: call loadGlpk() first');
    // No columns (nothing can be placed): the empty program's only plan, which GLPK would abort on.
    if (ip.varCost.length === 0) return emptyProgramResult(ip);
    const g = glpk;
    const out = g.solve(toLp(g, ip, false), {
      msglev: g.GLP_MSG_OFF,
      tmlim: Math.max(0.001, timeLimitMs / 1000),
      mipgap: mipGap,
      presol: true,
    });
    const { status, z, vars } = out.result;
    switch (status) {
      case g.GLP_OPT: {
        const assignment = assignmentFromValues(ip, values(vars, ip.varCost.length));
        if (mipGap === 0) return { status: 'optimal', assignment, objective: z, bound: z };
        // Stopped within mipGap: GLPK's own bound satisfies |z − bound| ≤ mipGap (|z| + ε).
        const slack = mipGap * (Math.abs(z) + Number.EPSILON);
        return {
          status: 'feasible',
          assignment,
          objective: z,
          bound: ip.sense === 'min' ? z - slack : z + slack,
          note: 'stopped within mipGap',
        };
      }
      case g.GLP_FEAS:
        return {
          status: 'feasible',
          assignment: assignmentFromValues(ip, values(vars, ip.varCost.length)),
          objective: z,
          note: 'time limit reached',
        };
      case g.GLP_NOFEAS:
        return { status: 'infeasible', note: 'GLPK proved that no integer solution exists' };
      default:
        return { status: 'unknown', note: `time limit reached before GLPK found a solution (GLPK status ${status})` };
    }
  },
};
