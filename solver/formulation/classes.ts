import { demandUnits, domainIndex, type AssignmentModel, type Domains } from '../../models/model.js';
import { blockColumnKeys, blockRowKeys, costColumnKeys, costRowKeys } from '../../models/pairs.js';
import { kindOf } from '../../models/rules/registry.js';

/**
 * The symmetry the formulation exploits: classes of identical containers (counted by one integer per
 * node) and groups of identical nodes (ordered by load). Two containers share a class only if every rule
 * sees them alike; two nodes share a group only if every rule sees them alike.
 */

/** The classes whose members are in `items` (the class keys keep each class wholly in or out of every rule's sets). */
export function classesOf(classes: readonly (readonly number[])[], items: readonly number[]): number[] {
  const set = new Set(items);
  const out: number[] = [];
  classes.forEach((members, c) => {
    if (set.has(members[0]!)) out.push(c);
  });
  return out;
}

/**
 * A container's weight in the node order rows: its total share of the node's capacities (any fixed weight is valid).
 */
export function classWeight(model: AssignmentModel, i: number, j: number): number {
  const m = model.items.length;
  let w = 0;
  for (const r of model.resources) {
    const cap = r.capacity[i] ?? 0n;
    if (cap > 0n) w += Number(demandUnits(r, i, j, m)) / Number(cap);
  }
  return Math.max(w, 1e-6);
}

/** Indices 0..count-1 grouped by equal keys, groups in order of first appearance. */
function groupBy(count: number, keyOf: (index: number) => string): number[][] {
  const byKey = new Map<string, number[]>();
  for (let x = 0; x < count; x++) {
    const key = keyOf(x);
    const members = byKey.get(key);
    if (members) members.push(x);
    else byKey.set(key, [x]);
  }
  return [...byKey.values()];
}

/** Containers with identical demand on every node for every resource and identical cost on every node. */
export function containerClasses(model: AssignmentModel): number[][] {
  const n = model.nodes.length;
  const m = model.items.length;
  const roles = ruleRoles(model);
  const costs = costColumnKeys(model.cost, m);
  const rules = model.rules;
  const blocks = rules ? blockColumnKeys(rules.blocked) : undefined;
  return groupBy(m, (j) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      if (r.perNode) for (let i = 0; i < n; i++) parts.push(String(demandUnits(r, i, j, m)));
      else parts.push(String(r.demand[j] ?? 0n));
    }
    parts.push(`c${costs[j]}`);
    if (rules)
      parts.push(`b${blocks![j]}`, `cur${rules.current[j]}`, `pen${rules.unplacedPenalty?.[j] ?? ''}`, ...roles[j]!);
    for (const p of rules?.nodePreferences ?? []) parts.push(`p${p.table.colKey[j]}`);
    return parts.join(',');
  });
}

/** Each item's roles in the group rules ("rule:set"), so a class lies wholly inside or outside each rule's sets. */
function ruleRoles(model: AssignmentModel): string[][] {
  const roles: string[][] = model.items.map(() => []);
  (model.rules?.groups ?? []).forEach((rule, g) => {
    for (const [set, items] of kindOf(rule).roles(rule)) for (const j of items) roles[j]!.push(`${g}:${set}`);
  });
  return roles;
}

/** Nodes with identical capacities, identical cost for every container and identical node-dependent demand. */
export function nodeClasses(model: AssignmentModel): number[][] {
  const n = model.nodes.length;
  const m = model.items.length;
  const costs = costRowKeys(model.cost, n, m);
  const rules = model.rules;
  const blocks = rules ? blockRowKeys(rules.blocked) : undefined;
  const runs = new Map<number, number[]>();
  rules?.current.forEach((i, j) => {
    if (i >= 0) runs.set(i, [...(runs.get(i) ?? []), j]);
  });
  const topologies = ruleTopologies(model);
  return groupBy(n, (i) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      parts.push(String(r.capacity[i] ?? 0n));
      if (r.perNode) for (let j = 0; j < m; j++) parts.push(String(demandUnits(r, i, j, m)));
    }
    parts.push(`c${costs[i]}`);
    for (const p of rules?.nodePreferences ?? []) parts.push(`p${p.table.rowKey[i]}`);
    if (rules) {
      parts.push(`b${blocks![i]}`);
      // Its domain in every rule's topology: one-node domains are interchangeable, larger ones are not.
      topologies.forEach(({ domains, index }, t) => {
        const k = index[i]!;
        parts.push(k < 0 ? `${t}none` : domains[k]!.length === 1 ? `${t}solo` : `${t}d${k}`);
      });
      for (const j of runs.get(i) ?? []) parts.push(`runs${j}`);
    }
    if (model.objective) parts.push(`price${model.objective.price[i]}`);
    return parts.join(',');
  });
}

/**
 * The topologies of the model's rules, each once: rules share their domain lists (thousands of spread and
 * anti-affinity rules, two topologies), and a node's place in one list is the same for every rule that has it.
 */
function ruleTopologies(model: AssignmentModel): { domains: Domains; index: Int32Array }[] {
  const n = model.nodes.length;
  const lists = new Set<Domains>();
  for (const rule of model.rules?.groups ?? []) for (const domains of kindOf(rule).topologies(rule)) lists.add(domains);
  return [...lists].map((domains) => ({ domains, index: domainIndex(domains, n) }));
}
