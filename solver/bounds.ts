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
  const first = assignmentBound(ip);
  const dual = new LagrangianDual(ip);
  if (dual.capRows.length === 0 || Number.isNaN(first)) return first;
  let best = sign * first;
  const goal = target === undefined ? undefined : sign * target;
  let theta = 2;
  let sinceImprovement = 0;
  for (let it = 0; it < maxIterations && Date.now() < deadline; it++) {
    const value = dual.evaluate();
    if (value > best + 1e-12 * Math.max(1, Math.abs(best))) {
      best = value;
      sinceImprovement = 0;
    } else if (++sinceImprovement >= 10) {
      theta /= 2;
      sinceImprovement = 0;
      if (theta < 1e-4) break;
    }
    const norm = dual.subgradient();
    if (norm === 0) break; // x(λ) is feasible and complementary: L(λ) is the optimum of the relaxation
    const gapToGoal =
      goal === undefined
        ? Math.max(1, Math.abs(value)) * 0.01
        : Math.max(goal - value, 1e-9 * Math.max(1, Math.abs(value)));
    dual.step((theta * gapToGoal) / norm);
  }
  return sign * best;
}

/** The Lagrangian dual of the capacity rows, in the minimisation sense: L(λ), its subgradient, a step. */
class LagrangianDual {
  readonly capRows: IntegerProgram['rows'];
  private readonly sign: number;
  private readonly lambda: Float64Array;
  private readonly reduced: Float64Array;
  private readonly size: Float64Array;
  private readonly choice: Int32Array;
  private readonly bestOfItem: Float64Array;
  private readonly g: Float64Array;

  constructor(private readonly ip: IntegerProgram) {
    this.sign = senseSign(ip.sense);
    this.capRows = ip.rows.filter((r) => r.kind === 'capacity');
    this.lambda = new Float64Array(this.capRows.length);
    this.reduced = new Float64Array(ip.varCost.length);
    this.size = Float64Array.from(ip.classes, (members) => members.length);
    this.choice = new Int32Array(ip.classes.length);
    this.bestOfItem = new Float64Array(ip.classes.length);
    this.g = new Float64Array(this.capRows.length);
  }

  /** L(λ) at the current multipliers; leaves each class's cheapest reduced-cost variable in `choice`. */
  evaluate(): number {
    const { ip, reduced, bestOfItem, choice } = this;
    for (let v = 0; v < reduced.length; v++) reduced[v] = this.sign * ip.varCost[v]!;
    let value = 0;
    this.capRows.forEach((row, r) => {
      const l = this.lambda[r]!;
      if (l === 0) return;
      value -= l * row.rhs;
      for (let t = 0; t < row.vars.length; t++) reduced[row.vars[t]!]! += l * row.coefs[t]!;
    });
    bestOfItem.fill(ip.allowUnplaced ? 0 : Infinity);
    choice.fill(-1);
    for (let v = 0; v < reduced.length; v++) {
      const j = ip.varClass[v]!;
      if (j >= 0 && reduced[v]! < bestOfItem[j]!) {
        bestOfItem[j] = reduced[v]!;
        choice[j] = v;
      }
    }
    bestOfItem.forEach((b, c) => (value += b * this.size[c]!));
    return value;
  }

  /** The projected subgradient g_r = Σ a_r x(λ) − b_r of the last evaluation; returns its squared norm. */
  subgradient(): number {
    const chosen = new Float64Array(this.reduced.length);
    for (let c = 0; c < this.choice.length; c++) if (this.choice[c]! >= 0) chosen[this.choice[c]!] = this.size[c]!;
    let norm = 0;
    this.capRows.forEach((row, r) => {
      let s = -row.rhs;
      for (let t = 0; t < row.vars.length; t++) s += chosen[row.vars[t]!]! * row.coefs[t]!;
      // Projected: a multiplier at 0 with a negative subgradient stays at 0 and does not count.
      const gr = this.lambda[r]! === 0 && s < 0 ? 0 : s;
      this.g[r] = gr;
      norm += gr * gr;
    });
    return norm;
  }

  step(length: number): void {
    for (let r = 0; r < this.lambda.length; r++) this.lambda[r] = Math.max(0, this.lambda[r]! + length * this.g[r]!);
  }
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

/**
 * Rounds a bound to the costs' decimal grid on its safe side: when every objective is a multiple of the
 * resolution r (10^-d, see models/precision.ts), no plan lies strictly between the bound and the next
 * multiple of r towards the plans. The result is written as k / 10^d, the double nearest that decimal.
 * Unchanged without a resolution (the default score, a balance term) or when the bound is not finite.
 */
export function gridBound(sense: 'min' | 'max', bound: number | undefined, resolution: number | undefined) {
  if (bound === undefined || resolution === undefined || !Number.isFinite(bound)) return bound;
  const scale = 10 ** Math.round(-Math.log10(resolution));
  const steps = bound * scale;
  const tol = 1e-6 + 1e-9 * Math.abs(steps);
  return (sense === 'min' ? Math.ceil(steps - tol) : Math.floor(steps + tol)) / scale;
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
