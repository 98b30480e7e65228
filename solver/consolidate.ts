import { blockOf, demandUnits, type AssignmentModel } from '../models/model.js';
import { orderChanges, type ChangePlan } from './changes/order.js';
import { hardRules, hardViolations, usageOf } from './changes/units.js';
import { verifyPlan } from './verify.js';

/** One point of the consolidation frontier: k nodes removed (docs/changes.md). */
export interface ConsolidationPoint {
  /** The nodes removed (indices of the base model). */
  readonly removed: readonly number[];
  /**
   * optimal: the pods of the removed nodes re-placed, and no k nodes hold fewer pods (the fewest moves, proven; with
   * `price` first: no k nodes cost more, and none of those that cost as much hold fewer pods);
   * infeasible: no plan removes k nodes (the pods need more than the nodes left hold, proven);
   * unplaced: the re-placement left `unplaced` out (not proven impossible); unknown: out of time.
   */
  readonly status: 'optimal' | 'infeasible' | 'unplaced' | 'unknown';
  readonly saved: number;
  readonly plan?: Int32Array;
  readonly unplaced?: readonly number[];
  readonly changes?: ChangePlan;
}

/**
 * The frontier for k = 0..maxRemoved nodes removed. The removal order is the candidates with the fewest running
 * containers first (the priciest first on ties): the first k of them hold the fewest containers any k candidates
 * hold, so re-placing exactly those is the fewest moves. With `price` first, the priciest first (the fewest
 * containers on ties): the first k save the most any k save, and hold the fewest containers of those that do.
 * Each point's plan keeps every other container where it runs and re-places the evicted ones best fit on the nodes
 * left (evacuated); its change from today is ordered into waves (changes/order.ts). Each point gets an equal share
 * of the time left until `deadline` (epoch ms).
 */
export function consolidationFrontier(
  model: AssignmentModel,
  prices: readonly number[],
  q: { readonly candidates: readonly number[]; readonly maxRemoved: number; readonly first: 'moves' | 'price' },
  deadline: number,
): ConsolidationPoint[] {
  const start = model.rules?.current ?? new Int32Array(model.items.length).fill(-1);
  const order = removalOrder(model, prices, start, q.candidates, q.first);
  const maxRemoved = q.maxRemoved;
  const last = Math.min(maxRemoved, order.length);
  const out: ConsolidationPoint[] = [];
  for (let k = 0; k <= last; k++) {
    const removed = order.slice(0, k);
    const saved = removed.reduce((t, i) => t + prices[i]!, 0);
    if (Date.now() > deadline) {
      out.push({ removed, status: 'unknown', saved });
      continue;
    }
    if (tooSmall(model, new Set(removed))) {
      out.push({ removed, status: 'infeasible', saved });
      break;
    }
    const until = Date.now() + (deadline - Date.now()) / (last - k + 1);
    out.push(point(model, { removed, saved, start }, until));
  }
  return out;
}

/**
 * The candidates that can be emptied, in removal order: fewest running containers first, then the priciest (`moves`),
 * or the priciest first, then the fewest containers (`price`); then in input order. Left out: nodes with a pinned
 * container, and nodes running a healthy container that a budget allowing no disruption selects, or that two
 * budgets select (the Eviction API refuses it).
 */
export function removalOrder(
  model: AssignmentModel,
  prices: readonly number[],
  start: Int32Array,
  candidates: readonly number[],
  first: 'moves' | 'price' = 'moves',
): number[] {
  const count = new Int32Array(model.nodes.length);
  for (const i of start) if (i >= 0) count[i]!++;
  const stuck = new Set(model.rules?.blocked.pinnedTo?.filter((i) => i >= 0) ?? []);
  const selected = new Map<number, number>();
  for (const b of model.budgets ?? []) {
    for (const j of b.items) selected.set(j, (selected.get(j) ?? 0) + 1);
    if (b.allowed === 0) for (const j of b.healthy) if (start[j]! >= 0) stuck.add(start[j]!);
  }
  for (const [j, k] of selected) if (k > 1 && start[j]! >= 0) stuck.add(start[j]!);
  const byMoves = (a: number, b: number): number => count[a]! - count[b]!;
  const byPrice = (a: number, b: number): number => prices[b]! - prices[a]!;
  const [one, two] = first === 'price' ? [byPrice, byMoves] : [byMoves, byPrice];
  return candidates.filter((i) => !stuck.has(i)).sort((a, b) => one(a, b) || two(a, b) || a - b);
}
/** Whether some resource's total demand exceeds what the nodes left can hold: no plan removes these. */
function tooSmall(model: AssignmentModel, removed: ReadonlySet<number>): boolean {
  const m = model.items.length;
  return model.resources.some((r) => {
    let room = 0n;
    let need = 0n;
    r.capacity.forEach((c, i) => (room += removed.has(i) ? 0n : c));
    // A container's least demand over the nodes left (demands may differ per node).
    for (let j = 0; j < m; j++) {
      let least: bigint | undefined;
      for (let i = 0; i < model.nodes.length && (r.perNode || least === undefined); i++)
        if (!removed.has(i)) {
          const d = demandUnits(r, i, j, m);
          if (least === undefined || d < least) least = d;
        }
      need += least ?? 0n;
    }
    return need > room;
  });
}

function point(
  model: AssignmentModel,
  p: { removed: number[]; saved: number; start: Int32Array },
  until: number,
): ConsolidationPoint {
  const target = evacuated(model, p.start, new Set(p.removed));
  const unplaced = Array.from(target).flatMap((i, j) => (i < 0 && p.start[j]! >= 0 ? [j] : []));
  if (unplaced.length > 0 || !verifyPlan(model, target, false).valid)
    return { removed: p.removed, status: 'unplaced', saved: p.saved, unplaced };
  const changes = orderChanges(model, p.start, target, until);
  return { removed: p.removed, status: 'optimal', saved: p.saved, plan: target, changes };
}

/**
 * Today's placement with the containers of the `removed` nodes re-placed, the largest first, each on the node left
 * where it fits most tightly (its dominant resource) and breaks no rule; -1 for those that fit nowhere.
 */
function evacuated(model: AssignmentModel, start: Int32Array, removed: ReadonlySet<number>): Int32Array {
  const m = model.items.length;
  const plan = start.slice();
  const used = usageOf(model, start);
  const movers = Array.from(start).flatMap((i, j) => (i >= 0 && removed.has(i) ? [j] : []));
  for (const j of movers) {
    model.resources.forEach((r, k) => (used[k]![start[j]!]! -= demandUnits(r, start[j]!, j, m)));
    plan[j] = -1;
  }
  const rules = hardRules(model);
  const size = (j: number): bigint => model.resources.reduce((t, r) => t + demandUnits(r, start[j]!, j, m), 0n);
  movers.sort((a, b) => (size(b) > size(a) ? 1 : size(b) < size(a) ? -1 : a - b));
  for (const j of movers) {
    let best = -1;
    let bestLeft = 0n;
    for (let i = 0; i < model.nodes.length; i++) {
      if (removed.has(i) || blockOf(model, i, j) !== 0) continue;
      const left = roomAfter(model, used, i, j);
      if (left === undefined || (best >= 0 && left >= bestLeft)) continue;
      plan[j] = i;
      const ok = rules.length === 0 || hardViolations(model, rules, plan).length === 0;
      plan[j] = -1;
      if (ok) [best, bestLeft] = [i, left];
    }
    if (best < 0) continue;
    plan[j] = best;
    model.resources.forEach((r, k) => (used[k]![best]! += demandUnits(r, best, j, m)));
  }
  return plan;
}

/** The least room any resource has left on node i once container j is on it, or undefined if it does not fit. */
function roomAfter(model: AssignmentModel, used: bigint[][], i: number, j: number): bigint | undefined {
  const m = model.items.length;
  let least: bigint | undefined;
  for (const [k, r] of model.resources.entries()) {
    const left = (r.capacity[i] ?? 0n) - used[k]![i]! - demandUnits(r, i, j, m);
    if (left < 0n) return undefined;
    if (least === undefined || left < least) least = left;
  }
  return least ?? 0n;
}
