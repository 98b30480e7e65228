import type { Engine, HeldProgram } from '../backends/engine.js';
import { senseSign, type AssignmentModel } from '../../models/model.js';
import { maxOf } from '../../models/own.js';
import { knapsacksApply, knapsacksOf, type Knapsacks } from './knapsacks.js';

export { COLGEN_MAX_ITEMS } from './knapsacks.js';

/**
 * The Dantzig–Wolfe bound of a single-resource plain cost model (the generalized assignment problem), by
 * column generation (Savelsbergh, Operations Research 45(6), 1997). Relaxing "each container on exactly
 * one node" with multipliers u leaves one 0-1 knapsack per node:
 *   L(u) = Σ_j u_j − Σ_i max { Σ_{j ∈ S} (u_j − c_ij) : S fits node i }   (for a minimisation; S may be empty)
 * L(u) is a lower bound for every u, so the bound never rests on an LP solver's accuracy: the master LP
 * (one column per node and packing, rows "each container once", "each node at most one packing") only
 * proposes the multipliers, and each L(u) is computed exactly by dynamic programming over the capacity.
 * Its maximum, reached when no packing prices out, is at least the LP bound of the 0-1 model, and strictly
 * above it on tightly packed instances: on OR-Library gapd-5 it reaches 6176.1 in under a second, where
 * HiGHS's branch and bound stands at 6166 after 30 s (published optimum 6185).
 *
 * It applies where large-neighbourhood search does (plain cost, no group rules or unplaced containers)
 * with one resource, up to COLGEN_MAX_ITEMS containers, and where the knapsacks are small (knapsacks.ts).
 */

/** Margin taken off each L(u) for floating-point rounding in the sums (relative to its size). */
const SAFETY = 1e-9;
/** Weight of the best multipliers so far in the point each round prices at. */
const SMOOTHING = 0.8;

/** Whether the column-generation bound applies to this model (where the model is one knapsack per node). */
export const columnGenerationApplies = knapsacksApply;

/**
 * Best packing of node i under profits u_j − c_ij: its value (≥ 0, the empty packing) and its containers.
 * `best` and `take` are scratch arrays of at least cap + 1 and m * (cap + 1) entries.
 */
function knapsack(
  k: Knapsacks,
  i: number,
  u: Float64Array,
  best: Float64Array,
  take: Uint8Array,
): { value: number; items: number[] } {
  const { m, cost, cap, dem, blocked } = k;
  const b = cap[i]!;
  best.fill(0, 0, b + 1);
  const items: number[] = [];
  for (let j = 0; j < m; j++) {
    const profit = u[j]! - cost[i * m + j]!;
    const w = dem[i * m + j]!;
    if (profit <= 0 || w > b || (blocked && blocked[i * m + j] !== 0)) continue;
    const row = items.length * (b + 1);
    items.push(j);
    take.fill(0, row, row + b + 1);
    for (let c = b; c >= w; c--) {
      const v = best[c - w]! + profit;
      if (v > best[c]!) {
        best[c] = v;
        take[row + c] = 1;
      }
    }
  }
  const chosen: number[] = [];
  for (let t = items.length - 1, c = b; t >= 0; t--) {
    if (take[t * (b + 1) + c]) {
      chosen.push(items[t]!);
      c -= dem[i * m + items[t]!]!;
    }
  }
  return { value: best[b]!, items: chosen.reverse() };
}

/**
 * The best Lagrangian bound L(u) found by column generation from the complete plan `start` (its packings
 * are the master's first columns; any plan gives a valid bound, one that fits a feasible master) until no
 * packing prices out or the deadline passes.
 * In the model's own sense (a lower bound for a minimisation, an upper bound for a maximisation);
 * undefined where the bound does not apply.
 */
export function columnGenerationBound(
  engine: Engine,
  model: AssignmentModel,
  start: Int32Array,
  deadline: number,
): number | undefined {
  return columnGeneration(engine, model, start, deadline)?.bound;
}

export interface ColumnGenerationResult {
  /** The best L(u), in the model's own sense (as columnGenerationBound). */
  readonly bound: number;
  /** Its multipliers u, in the minimisation sense of the knapsacks (costs negated for a maximisation). */
  readonly multipliers: Float64Array;
  /** Whether no packing prices out at the end (the bound is the Dantzig–Wolfe bound itself). */
  readonly converged: boolean;
}

/** Column generation as in columnGenerationBound, with the multipliers of the best bound. */
export function columnGeneration(
  engine: Engine,
  model: AssignmentModel,
  start: Int32Array,
  deadline: number,
): ColumnGenerationResult | undefined {
  const k = knapsacksOf(model);
  if (!k) return undefined;
  const { n, m } = k;
  const master = new Master(engine, k, deadline);
  try {
    for (let i = 0; i < n; i++)
      master.addColumn(
        i,
        Array.from({ length: m }, (_, j) => j).filter((j) => start[j] === i),
      );
    // Multipliers are smoothed towards the best seen (Wentges 1997), which cuts the rounds plain column
    // generation needs on loosely packed instances; a round that finds no column at the smoothed point
    // prices at the master's own duals before concluding that none prices out.
    const pricer = new Pricer(k);
    let converged = false;
    while (Date.now() < deadline) {
      const solved = master.solve();
      if (!solved) break;
      const { duals, value } = solved;
      let added = 0;
      for (const alpha of Number.isFinite(pricer.bound) ? [SMOOTHING, 0] : [0]) {
        for (const p of pricer.price(duals, alpha))
          if (master.reduced(duals, p.i, p.items) < -1e-7 && master.addColumn(p.i, p.items)) added++;
        if (added > 0) break;
      }
      if (added === 0 || value - pricer.bound <= 1e-9 * (1 + Math.abs(value))) {
        converged = true;
        break;
      }
    }
    const bound = pricer.bound;
    if (!Number.isFinite(bound)) return undefined;
    return { bound: senseSign(model.sense) * bound, multipliers: pricer.bestU, converged };
  } finally {
    master.dispose();
  }
}

/**
 * The restricted master LP: one column per node and packing, rows "each container once" (m) and "each
 * node at most one packing" (n). It only proposes multipliers; every bound is computed exactly elsewhere.
 */
class Master {
  private readonly lp: HeldProgram;
  private readonly seen = new Set<string>();

  constructor(
    engine: Engine,
    private readonly k: Knapsacks,
    private readonly deadline: number,
  ) {
    // No columns yet: rows "container j once" (= 1), then "node i at most one packing" (≤ 1).
    const empty = { vars: new Int32Array(0), coefs: new Float64Array(0) };
    this.lp = engine.hold({
      sense: 'min',
      varCost: new Float64Array(0),
      varUpper: new Float64Array(0),
      continuous: [],
      rows: Array.from({ length: k.m + k.n }, (_, r) => ({
        name: r < k.m ? `once${r}` : `node${r - k.m}`,
        kind: 'assign' as const,
        op: r < k.m ? ('eq' as const) : ('le' as const),
        rhs: 1,
        ...empty,
      })),
    });
  }

  /** Adds node i's packing of `items` unless it is already a column; whether it was added. */
  addColumn(i: number, items: readonly number[]): boolean {
    const key = `${i}:${items.join(',')}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    const m = this.k.m;
    let c = 0;
    for (const j of items) c += this.k.cost[i * m + j]!;
    this.lp.addColumn(c, 1, [...items, m + i], new Float64Array(items.length + 1).fill(1));
    return true;
  }

  /** Solves the master: its row duals and value, or undefined when the LP gives no duals. */
  solve(): { duals: Float64Array; value: number } | undefined {
    const s = this.lp.solve({ timeLimitMs: this.deadline - Date.now() });
    const duals = s.rowDual;
    if (s.status !== 'optimal' || !duals || duals.length < this.k.m + this.k.n) return undefined;
    return { duals, value: s.objective! };
  }

  /** A packing's reduced cost in the master: its cost less its containers' and its node's duals. */
  reduced(duals: Float64Array, i: number, items: readonly number[]): number {
    const m = this.k.m;
    let rc = -duals[m + i]!;
    for (const j of items) rc += this.k.cost[i * m + j]! - duals[j]!;
    return rc;
  }

  dispose(): void {
    this.lp.dispose();
  }
}

/** Prices at multipliers between the best so far and the master's duals, keeping the best exact L(u). */
class Pricer {
  bound = -Infinity;
  readonly bestU: Float64Array;
  private readonly u: Float64Array;
  private readonly best: Float64Array;
  private readonly take: Uint8Array;

  constructor(private readonly k: Knapsacks) {
    const maxCap = maxOf(k.cap);
    this.best = new Float64Array(maxCap + 1);
    this.take = new Uint8Array(k.m * (maxCap + 1));
    this.bestU = new Float64Array(k.m);
    this.u = new Float64Array(k.m);
  }

  /** L(u) at u = alpha·bestU + (1 − alpha)·duals (kept if it is the best bound so far); each node's best packing. */
  price(duals: Float64Array, alpha: number): { i: number; items: number[] }[] {
    const { n, m } = this.k;
    const u = this.u;
    for (let j = 0; j < m; j++) u[j] = alpha * this.bestU[j]! + (1 - alpha) * duals[j]!;
    let value = 0;
    for (let j = 0; j < m; j++) value += u[j]!;
    const packings: { i: number; items: number[] }[] = [];
    for (let i = 0; i < n; i++) {
      const packing = knapsack(this.k, i, u, this.best, this.take);
      value -= packing.value;
      if (packing.items.length > 0) packings.push({ i, items: packing.items });
    }
    value -= SAFETY * (1 + Math.abs(value));
    if (value > this.bound) {
      this.bound = value;
      this.bestU.set(u);
    }
    return packings;
  }
}
