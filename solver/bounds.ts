import { senseSign } from '../models/model.js';
import type { IntegerProgram } from './ip.js';

/**
 * Proven bounds on the optimum, computed without an LP solver.
 * For a minimisation the bound is a lower bound; for a maximisation an upper bound.
 */

/**
 * Assignment-only bound: every container at its best-cost node, capacities ignored. NaN if some class has no variable.
 */
export function assignmentBound(ip: IntegerProgram): number {
  const sign = senseSign(ip.sense);
  // With containers allowed out, leaving one out costs 0 in the program (its penalty is in the offset).
  const best = new Float64Array(ip.classes.length).fill(ip.allowUnplaced ? 0 : Infinity);
  for (let v = 0; v < ip.varCost.length; v++) {
    const c = ip.varClass[v]!;
    if (c < 0) continue;
    best[c] = Math.min(best[c]!, sign * ip.varCost[v]!);
  }
  let z = 0;
  best.forEach((b, c) => (z += b * ip.classes[c]!.length));
  return Number.isFinite(z) ? sign * z : NaN;
}

/**
 * Lagrangian dual bound: the capacity rows are moved into the objective with multipliers λ ≥ 0, leaving
 * an assignment problem solved class by class (variable upper bounds relaxed too, which keeps it valid):
 *   L(λ) = Σ_c |c| · min_i (c_ic + Σ_r λ_r a_r,ic) − Σ_r λ_r b_r   (for a minimisation)
 * Every L(λ) is a valid lower bound; subgradient steps (Polyak, towards `target`, usually the greedy
 * objective) push it towards the LP relaxation value, which is its maximum. Stops after `maxIterations`
 * or at `deadline` (epoch ms). Returns the best bound seen, in the program's own sense.
 */
export function lagrangianBound(
  ip: IntegerProgram,
  target: number | undefined,
  deadline: number,
  maxIterations = 300,
): number {
  const sign = senseSign(ip.sense);
  const capRows = ip.rows.filter((r) => r.kind === 'capacity');
  const first = assignmentBound(ip);
  if (capRows.length === 0 || Number.isNaN(first)) return first;
  const nVars = ip.varCost.length;
  const lambda = new Float64Array(capRows.length);
  const reduced = new Float64Array(nVars);
  const nClasses = ip.classes.length;
  const size = Float64Array.from(ip.classes, (members) => members.length);
  const choice = new Int32Array(nClasses);
  const bestOfItem = new Float64Array(nClasses);
  const g = new Float64Array(capRows.length);
  let best = sign * first;
  const goal = target === undefined ? undefined : sign * target;
  let theta = 2;
  let sinceImprovement = 0;
  for (let it = 0; it < maxIterations && Date.now() < deadline; it++) {
    for (let v = 0; v < nVars; v++) reduced[v] = sign * ip.varCost[v]!;
    let constant = 0;
    capRows.forEach((row, r) => {
      const l = lambda[r]!;
      if (l === 0) return;
      constant -= l * row.rhs;
      for (let t = 0; t < row.vars.length; t++) reduced[row.vars[t]!]! += l * row.coefs[t]!;
    });
    bestOfItem.fill(ip.allowUnplaced ? 0 : Infinity);
    choice.fill(-1);
    for (let v = 0; v < nVars; v++) {
      const j = ip.varClass[v]!;
      if (j < 0) continue;
      if (reduced[v]! < bestOfItem[j]!) {
        bestOfItem[j] = reduced[v]!;
        choice[j] = v;
      }
    }
    let value = constant;
    bestOfItem.forEach((b, c) => (value += b * size[c]!));
    if (value > best + 1e-12 * Math.max(1, Math.abs(best))) {
      best = value;
      sinceImprovement = 0;
    } else if (++sinceImprovement >= 10) {
      theta /= 2;
      sinceImprovement = 0;
      if (theta < 1e-4) break;
    }
    // Subgradient g_r = Σ a_r x(λ) − b_r for the chosen variables.
    const chosen = new Float64Array(nVars);
    for (let c = 0; c < nClasses; c++) if (choice[c]! >= 0) chosen[choice[c]!] = size[c]!;
    let norm = 0;
    capRows.forEach((row, r) => {
      let s = -row.rhs;
      for (let t = 0; t < row.vars.length; t++) s += chosen[row.vars[t]!]! * row.coefs[t]!;
      // Projected: a multiplier at 0 with a negative subgradient stays at 0 and does not count.
      const gr = lambda[r]! === 0 && s < 0 ? 0 : s;
      g[r] = gr;
      norm += gr * gr;
    });
    if (norm === 0) break; // x(λ) is feasible and complementary: L(λ) is the optimum of the relaxation
    const gapToGoal =
      goal === undefined
        ? Math.max(1, Math.abs(value)) * 0.01
        : Math.max(goal - value, 1e-9 * Math.max(1, Math.abs(value)));
    const step = (theta * gapToGoal) / norm;
    for (let r = 0; r < lambda.length; r++) lambda[r] = Math.max(0, lambda[r]! + step * g[r]!);
  }
  return sign * best;
}

/**
 * Rounds a bound to the nearest integer on its safe side when every cost is an integer (any plan's
 * objective is then an integer). The tolerance absorbs floating-point noise in the bound computation.
 */
export function roundBound(ip: IntegerProgram, bound: number): number {
  if (!ip.integralCosts || !Number.isFinite(bound)) return bound;
  const tol = 1e-6 + 1e-9 * Math.abs(bound);
  return ip.sense === 'min' ? Math.ceil(bound - tol) : Math.floor(bound + tol);
}

/** The tighter of two bounds for the program's sense (NaN/undefined ignored). */
export function tighterBound(sense: 'min' | 'max', a: number | undefined, b: number | undefined): number | undefined {
  const ok = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
  if (!ok(a)) return ok(b) ? b : undefined;
  if (!ok(b)) return a;
  return sense === 'min' ? Math.max(a, b) : Math.min(a, b);
}

/**
 * Relative gap |objective − bound| / max(|objective|, |bound|), and 0 when both are 0. For a positive
 * minimisation (bound ≤ objective) this is GLPK's and HiGHS's |objective − bound| / |objective|; it stays
 * defined at and below zero: at most 1 when both have the same sign, at most 2 when they straddle 0.
 */
export function relativeGap(objective: number, bound: number): number {
  const scale = Math.max(Math.abs(objective), Math.abs(bound));
  return scale === 0 ? 0 : Math.abs(objective - bound) / scale;
}
