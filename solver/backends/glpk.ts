import GLPKFactory, { type GLPK, type LP } from 'glpk.js/node';
import { heldCopy, type ProgramCopy } from './copy.js';
import { CAPABILITIES } from './capabilities.js';
import type { Engine, Limits, Solution } from './engine.js';

/**
 * GLPK (glpk.js, WebAssembly). glp_intopt with presolve on (presolve off fails for MIP in glpk.js), no cuts (the
 * build cannot switch them on), no callbacks, no interrupt (it is stopped by terminating its thread), no warm
 * start; it can overrun its own time limit. It holds a program as a copy, handed whole to GLPK at each solve.
 * Status codes are translated here and nowhere else: GLP_UNDEF after a time limit comes with z = 0 and every
 * variable 0, which must never be read as a solution.
 */
let glpk: GLPK | undefined;

async function load(): Promise<void> {
  glpk ??= await GLPKFactory();
}

const name = (v: number): string => `x${v}`;

/** A bound pair as GLPK's bound type (a row "≤ rhs" as GLP_UP with lb 0, as GLPK expects). */
function bnds(g: GLPK, lower: number, upper: number): { type: number; lb: number; ub: number } {
  const lo = Number.isFinite(lower);
  const up = Number.isFinite(upper);
  if (lo && up)
    return lower === upper ? { type: g.GLP_FX, lb: lower, ub: upper } : { type: g.GLP_DB, lb: lower, ub: upper };
  if (up) return { type: g.GLP_UP, lb: 0, ub: upper };
  if (lo) return { type: g.GLP_LO, lb: lower, ub: 0 };
  return { type: g.GLP_FR, lb: 0, ub: 0 };
}

function toLp(g: GLPK, copy: ProgramCopy): LP {
  const vars = copy.cost.map((coef, v) => ({ name: name(v), coef }));
  const generals = vars.filter((_, v) => copy.integer[v]).map((v) => v.name);
  return {
    name: 'placement',
    objective: { direction: copy.sense === 'min' ? g.GLP_MIN : g.GLP_MAX, name: 'cost', vars },
    subjectTo: copy.rows.map((row) => ({
      name: row.name,
      vars: row.vars.map((v, t) => ({ name: name(v), coef: row.coefs[t]! })),
      bnds: bnds(g, row.lower, row.upper),
    })),
    bounds: vars.map((v, k) => ({ name: v.name, ...bnds(g, copy.lower[k]!, copy.upper[k]!) })),
    ...(generals.length > 0 ? { generals } : {}),
  };
}

/** GLPK's default tol_obj: the relative tolerance of its branch-and-bound pruning. */
const GLPK_TOL_OBJ = 1e-7;

function solve(copy: ProgramCopy, limits: Limits): Solution {
  if (!glpk) throw new Error('GLPK is not loaded: call load() first');
  const g = glpk;
  const lp = toLp(g, copy);
  const mip = lp.generals !== undefined;
  const mipGap = limits.mipGap ?? 0;
  const tmlim = Math.max(0.001, limits.timeLimitMs / 1000);
  const options = mip
    ? { msglev: g.GLP_MSG_OFF, tmlim, mipgap: mipGap, presol: true }
    : { msglev: g.GLP_MSG_OFF, tmlim };
  const { status, z, vars, dual } = g.solve(lp, options).result;
  const x = (): Float64Array => Float64Array.from(copy.cost, (_, v) => vars[name(v)] ?? 0);
  switch (status) {
    case g.GLP_OPT: {
      // Stopped within mipGap: GLPK's own bound satisfies |z − bound| ≤ mipGap (|z| + ε). Its branch and bound also
      // prunes a node whose bound is within tol_obj (1 + |z|) of the incumbent (glpios03.c, ios_is_hopeful), so
      // "optimal" is proven only to that: the bound it stands for is that much weaker.
      const slack = mipGap * (Math.abs(z) + Number.EPSILON) + (mip ? GLPK_TOL_OBJ * (1 + Math.abs(z)) : 0);
      const bound = !mip ? z : copy.sense === 'min' ? z - slack : z + slack;
      const rowDual = !mip && dual ? { rowDual: Float64Array.from(copy.rows, (r) => dual[r.name] ?? 0) } : {};
      return { status: 'optimal', x: x(), objective: z, bound, ...rowDual };
    }
    case g.GLP_FEAS:
      return { status: 'feasible', x: x(), objective: z, note: 'time limit reached' };
    case g.GLP_NOFEAS:
      return { status: 'infeasible', note: `GLPK proved that no ${mip ? 'integer ' : ''}solution exists` };
    default:
      return { status: 'unknown', note: `time limit reached before GLPK found a solution (GLPK status ${status})` };
  }
}

export const glpkEngine: Engine = {
  name: 'glpk',
  can: CAPABILITIES.glpk,
  load,
  hold: (program) => heldCopy(program, solve),
};
