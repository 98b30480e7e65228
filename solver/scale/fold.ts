import {
  costOf,
  isPinned,
  nodePreferenceAt,
  preferenceWeightOf,
  type AssignmentModel,
  type ResourceTable,
} from '../../models/model.js';
import { restrictItems } from '../../models/restrict.js';
import { kindOf } from '../../models/rules/registry.js';

/**
 * The scale path's model without the running containers that stay where they are (pinned) and that no rule
 * reads: they only take room on their node, so they become that room. Each node that runs such containers would
 * otherwise be a node group of its own (nodes are grouped by what runs on them), and scheduler_perf-like clusters,
 * with a running pod on every node, would have as many groups as nodes. Exact: the objective of a plan of the full
 * model is the folded plan's plus `constant` (the pinned containers' costs and node preferences, and under `pack`
 * the price of the nodes they keep in use, which cost nothing more in the folded model).
 *
 * Not folded: where containers may stay out (a pinned one could then be left out to make room, which folding would
 * forbid), and under `balance` (utilisation counts the pinned load against the whole capacity).
 */
export interface Folded {
  readonly model: AssignmentModel;
  /** The full model's index of each container of the folded one. */
  readonly keep: readonly number[];
  readonly constant: number;
  /** How many containers were folded into their nodes. */
  readonly folded: number;
  /** A plan of the folded model as one of the full model (the pinned containers where they run). */
  expand(plan: ArrayLike<number>): Int32Array;
  /** A plan of the full model as one of the folded model. */
  restrict(plan: ArrayLike<number>): Int32Array;
}

export function foldPinned(model: AssignmentModel): Folded | undefined {
  const rules = model.rules;
  if (!rules || rules.unplacedPenalty || (model.objective?.balance ?? 0) > 0) return undefined;
  const read = new Set<number>();
  for (const g of rules.groups) for (const [, items] of kindOf(g).roles(g)) for (const j of items) read.add(j);
  const m = model.items.length;
  const keep: number[] = [];
  const fold: number[] = [];
  for (let j = 0; j < m; j++) (isPinned(model, j) && !read.has(j) ? fold : keep).push(j);
  if (fold.length === 0) return undefined;
  const base = restrictItems(model, keep);
  // The kept containers' demands (base's), the capacity less the folded containers' (the full model's).
  const resources = base.resources.map((r, k): ResourceTable => {
    const capacity = r.capacity.slice();
    const full = model.resources[k]!.demand;
    for (const j of fold) capacity[rules.current[j]!] = capacity[rules.current[j]!]! - full[j]!;
    return { ...r, capacity };
  });
  const w = model.objective;
  const soft = preferenceWeightOf(model);
  let constant = 0;
  const occupied = new Set<number>();
  for (const j of fold) {
    const i = rules.current[j]!;
    occupied.add(i);
    constant += (w?.cost ?? 1) * costOf(model, i, j) + soft * nodePreferenceAt(model, i, j);
  }
  let objective = w;
  if (w && w.pack > 0) {
    for (const i of occupied) constant += w.pack * w.price[i]!;
    objective = { ...w, price: w.price.map((p, i) => (occupied.has(i) ? 0 : p)) };
  }
  const folded: AssignmentModel = { ...base, resources, ...(objective ? { objective } : {}) };
  return {
    model: folded,
    keep,
    constant,
    folded: fold.length,
    expand: (plan) => {
      const out = new Int32Array(m);
      for (const j of fold) out[j] = rules.current[j]!;
      keep.forEach((j, t) => (out[j] = plan[t]!));
      return out;
    },
    restrict: (plan) => Int32Array.from(keep, (j) => plan[j]!),
  };
}
