import type { AssignmentModel } from '../../models/model.js';
import { data, objective, type Data } from '../heuristic.js';

/**
 * Prices of capacity from the Lagrangian relaxation of the capacity rows, item by item: with λ_ik ≥ 0 per
 * node and resource, every container goes to its cheapest node under the reduced cost c_ij + Σ_k λ_ik a_ijk,
 * and subgradient steps on λ raise the relaxation's value towards the LP bound (bounds.ts computes the same
 * bound over the program's classes; the searches need it per container, with the prices themselves).
 *
 * The prices serve the searches of large plain cost models twice:
 * - the start of the ejection chains: containers placed in order of regret under the reduced costs, each on
 *   its cheapest node that still fits (the least overloaded when none does), which lands next to the LP
 *   optimum where the regret construction on plain costs lands far from it (Yagiura e801600: 176 9xx
 *   against 356 151);
 * - the multipliers of the node-subset search, u_j = min_i (c_ij + Σ_k λ_ik a_ijk), the LP duals of "each
 *   container once" that go with λ, where column generation is too slow to give its own.
 */
export interface CapacityPrices {
  /** λ at k * n + i. */
  readonly price: Float64Array;
  /** The relaxation's best value (a lower bound on the minimised cost). */
  readonly value: number;
  /** u_j, each container's cheapest reduced cost. */
  readonly multipliers: Float64Array;
}

/** Subgradient steps at most. */
const ITERATIONS = 1000;
/** Steps without a better value before the step length halves. */
const PATIENCE = 20;

/** c_ij + Σ_k λ_ik a_ijk, or Infinity where a rule forbids the pair. */
function reducedCost(d: Data, price: Float64Array, i: number, j: number): number {
  const { n, m, K, cost, dem, blocked } = d;
  if (blocked && blocked[i * m + j] !== 0) return Infinity;
  let r = cost[i * m + j]!;
  for (let k = 0; k < K; k++) r += price[k * n + i]! * dem[k * n * m + i * m + j]!;
  return r;
}

/** Each container's cheapest allowed reduced cost and its node (-1: none allowed); returns the relaxation's value. */
function relax(d: Data, price: Float64Array, best: Float64Array, choice: Int32Array): number {
  const { n, m, K, cap } = d;
  let value = 0;
  for (let x = 0; x < K * n; x++) value -= price[x]! * cap[x]!;
  for (let j = 0; j < m; j++) {
    let v = Infinity;
    let at = -1;
    for (let i = 0; i < n; i++) {
      const r = reducedCost(d, price, i, j);
      if (r < v) [v, at] = [r, i];
    }
    best[j] = v;
    choice[j] = at;
    value += v;
  }
  return value;
}

/**
 * The capacity prices after at most ITERATIONS subgradient steps (Polyak's, towards a value a little above the
 * best so far and never above `upper`, the cost of a plan that fits), or until the deadline.
 */
export function capacityPrices(d: Data, upper: number, deadline: number): CapacityPrices {
  const { n, m, K, dem, cap } = d;
  const price = new Float64Array(K * n);
  const best = new Float64Array(m);
  const choice = new Int32Array(m);
  const load = new Float64Array(K * n);
  let top = { value: -Infinity, price: price.slice() };
  let theta = 2;
  let since = 0;
  for (let it = 0; it < ITERATIONS && Date.now() < deadline; it++) {
    const value = relax(d, price, best, choice);
    if (!Number.isFinite(value)) break;
    if (value > top.value + 1e-12 * Math.abs(value)) [top, since] = [{ value, price: price.slice() }, 0];
    else if (++since >= PATIENCE) [theta, since] = [theta / 2, 0];
    load.fill(0);
    for (let j = 0; j < m; j++)
      for (let k = 0; k < K; k++) load[k * n + choice[j]!]! += dem[k * n * m + choice[j]! * m + j]!;
    let norm = 0;
    for (let x = 0; x < K * n; x++) {
      const g = price[x] === 0 && load[x]! < cap[x]! ? 0 : load[x]! - cap[x]!;
      load[x] = g;
      norm += g * g;
    }
    if (norm === 0) break;
    const goal = Math.min(upper, top.value + 0.05 * Math.max(1, Math.abs(top.value)));
    const step = (theta * Math.max(goal - value, 1e-9 * Math.max(1, Math.abs(value)))) / norm;
    for (let x = 0; x < K * n; x++) price[x] = Math.max(0, price[x]! + step * load[x]!);
  }
  relax(d, top.price, best, choice);
  return { price: top.price, value: top.value, multipliers: best };
}

/**
 * A complete plan from the prices: containers in order of regret (the gap between their two cheapest reduced
 * costs), each on its cheapest node by reduced cost that still fits, or, when none does, the node it overloads
 * least. Null when a container has no allowed node.
 */
export function pricedPlan(d: Data, price: Float64Array): Int32Array | null {
  const { n, m, K, dem, cap } = d;
  const reduced = new Float64Array(n * m);
  const regret = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let r1 = Infinity;
    let r2 = Infinity;
    for (let i = 0; i < n; i++) {
      const r = reducedCost(d, price, i, j);
      reduced[i * m + j] = r;
      if (r < r1) [r2, r1] = [r1, r];
      else if (r < r2) r2 = r;
    }
    if (r1 === Infinity) return null;
    regret[j] = r2 === Infinity ? Infinity : r2 - r1;
  }
  const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => regret[b]! - regret[a]! || a - b);
  const left = cap.slice();
  const plan = new Int32Array(m);
  for (const j of order) {
    let at = -1;
    let atValue = Infinity;
    let least = -1;
    let leastOver = Infinity;
    for (let i = 0; i < n; i++) {
      const r = reduced[i * m + j]!;
      if (r === Infinity) continue;
      let over = 0;
      for (let k = 0; k < K; k++) over += Math.max(0, dem[k * n * m + i * m + j]! - left[k * n + i]!);
      if (over === 0 && r < atValue) [at, atValue] = [i, r];
      if (over < leastOver) [least, leastOver] = [i, over];
    }
    const i = at >= 0 ? at : least;
    plan[j] = i;
    for (let k = 0; k < K; k++) left[k * n + i]! -= dem[k * n * m + i * m + j]!;
  }
  return plan;
}

/**
 * For the searches from `start` (a complete plan that fits): the plan the ejection chains start from (the priced
 * plan where it costs less than `start`, fitting or not: the chains repair what it overloads) and the multipliers
 * of the node-subset search.
 */
export function pricedStart(
  model: AssignmentModel,
  start: Int32Array,
  deadline: number,
): { readonly chainStart: Int32Array; readonly multipliers: Float64Array } {
  const d = data(model);
  const upper = objective(d, start);
  const { price, multipliers } = capacityPrices(d, upper, deadline);
  const plan = pricedPlan(d, price);
  return { chainStart: plan && objective(d, plan) < upper ? plan : start, multipliers };
}
