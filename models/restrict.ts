import type { AssignmentModel, GroupRule, PlacementRules } from './model.js';
import { keepBlockColumns, keepColumns, uniformTable } from './pairs.js';
import { kindOf } from './rules/registry.js';

/**
 * The model restricted to the items `keep` (indices into model.items): rules mapped, every item must be
 * placed. With `feasibilityOnly` the costs are zero and there is no objective (any plan is optimal).
 */
export function restrictItems(
  model: AssignmentModel,
  keep: readonly number[],
  feasibilityOnly = false,
): AssignmentModel {
  const n = model.nodes.length;
  const m = model.items.length;
  const k = keep.length;
  const index = new Map(keep.map((j, t) => [j, t]));
  const map = (items: readonly number[]): number[] => items.flatMap((j) => (index.has(j) ? [index.get(j)!] : []));
  const resources = model.resources.map((r) => {
    const demand = new BigInt64Array(r.perNode ? n * k : k);
    for (let t = 0; t < k; t++) {
      if (!r.perNode) demand[t] = r.demand[keep[t]!]!;
      else for (let i = 0; i < n; i++) demand[i * k + t] = r.demand[i * m + keep[t]!]!;
    }
    const members = r.members && { ...r.members, item: Int32Array.from(keep, (j) => r.members!.item[j]!) };
    return { ...r, demand, ...(members ? { members } : {}) };
  });
  let rules: PlacementRules | undefined;
  if (model.rules) {
    const r = model.rules;
    const groups = r.groups.map((g): GroupRule => kindOf(g).mapItems(g, map));
    const blocked = keepBlockColumns(r.blocked, keep);
    const taints = r.taints
      ? { nodes: r.taints.nodes, sets: r.taints.sets, setOf: Int32Array.from(keep, (j) => r.taints!.setOf[j]!) }
      : undefined;
    // The node preferences of the kept containers: their column keys (the tables' values stay as they are).
    const prefs = r.nodePreferences?.map((p) => ({
      ...p,
      table: { ...p.table, colKey: Int32Array.from(keep, (j) => p.table.colKey[j]!) },
    }));
    rules = {
      blocked,
      groups,
      current: Int32Array.from(keep, (j) => r.current[j]!),
      ...(taints ? { taints } : {}),
      ...(prefs && !feasibilityOnly ? { nodePreferences: prefs } : {}),
    };
  }
  const cost = feasibilityOnly
    ? uniformTable(n, k, (length) => new Float64Array(length), 0)
    : keepColumns(model.cost, keep, m);
  const objective = !feasibilityOnly && model.objective ? { objective: model.objective } : {};
  return {
    kind: model.kind,
    nodes: model.nodes,
    items: keep.map((j) => model.items[j]!),
    resources,
    cost,
    sense: model.sense,
    ...objective,
    ...(rules ? { rules } : {}),
  };
}
