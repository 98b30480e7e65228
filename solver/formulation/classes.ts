import { demandUnits, domainIndex, type AssignmentModel, type Domains } from '../../models/model.js';
import { blockColumnSignatures, blockRowKeys, costColumnKeys, costRowKeys, moveKey } from '../../models/pairs.js';
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
  const shapes = shapeKeys(model);
  const current = model.rules?.current;
  const pin = model.rules?.blocked.pinnedTo;
  return groupBy(model.items.length, (j) => {
    const p = pin?.[j] ?? -1;
    return `${shapes[j]},cur${current?.[j] ?? ''}${p >= 0 ? `,pin${p}` : ''},${moveKey(model.cost, j)}`;
  });
}

/**
 * Each container's key without where it runs: its demand, its cost and block columns, its penalty, its roles in the
 * rules and its node preferences. Two containers with equal keys that run nowhere are interchangeable everywhere.
 */
function shapeKeys(model: AssignmentModel): string[] {
  const n = model.nodes.length;
  const m = model.items.length;
  const roles = ruleRoles(model);
  const costs = costColumnKeys(model.cost, m, false);
  const rules = model.rules;
  const blocks = rules ? blockColumnSignatures(rules.blocked) : undefined;
  return Array.from({ length: m }, (_, j) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      if (r.perNode) for (let i = 0; i < n; i++) parts.push(String(demandUnits(r, i, j, m)));
      else parts.push(String(r.demand[j] ?? 0n));
    }
    parts.push(`c${costs[j]}`);
    if (rules) parts.push(`b${blocks![j]}`, `pen${rules.unplacedPenalty?.[j] ?? ''}`, ...roles[j]!);
    for (const p of rules?.nodePreferences ?? []) parts.push(`p${p.table.colKey[j]}`);
    return parts.join(',');
  });
}

/**
 * The classes and groups of the aggregate program (solver/scale/aggregate.ts), where running containers do not split
 * nodes. Those that stay (pinned): a node's key holds the shapes of the pinned containers on it, not who they are,
 * and pinned containers of one shape on the nodes of one group are one class. Every node of a group then runs the
 * same pinned mix, so the counts of the aggregate hold per node. Where containers may stay out (allowUnplaced) a
 * plan could leave some of a class out and break that mix: there each node running one is a group of its own.
 * Those that may move are classes by the group they run on (and their move cost): the aggregate counts a move
 * within that group as none, which only lowers its bound; the packing puts them back on their own node first.
 * Where moves cost nothing and no rule counts them (movesFree), where a container runs changes nothing a plan is
 * worth: it is one of its shape's class, as if it ran nowhere.
 */
export function scaleClasses(model: AssignmentModel, pooled = false): { nodes: number[][]; items: number[][] } {
  if (!model.rules || model.rules.unplacedPenalty)
    return { nodes: nodeClasses(model, { pooled }), items: containerClasses(model) };
  const shapes = shapeKeys(model);
  const pin = model.rules.blocked.pinnedTo;
  const current = model.rules.current;
  const free = movesFree(model);
  const nodes = nodeClasses(model, { pinnedShape: (j) => shapes[j]!, pooled });
  const groupOf = new Int32Array(model.nodes.length);
  nodes.forEach((members, g) => members.forEach((i) => (groupOf[i] = g)));
  const items = groupBy(model.items.length, (j) => {
    const p = pin?.[j] ?? -1;
    if (p >= 0) return `${shapes[j]},pinned${groupOf[p]}`;
    const i = current[j]!;
    return i < 0 || free ? shapes[j]! : `${shapes[j]},from${groupOf[i]},${moveKey(model.cost, j, (k) => groupOf[k]!)}`;
  });
  return { nodes, items };
}

/** Whether moving a running container changes nothing but room: no cost part (moves are paid there), no move limit. */
export const movesFree = (model: AssignmentModel): boolean =>
  model.objective?.cost === 0 && !(model.rules?.groups ?? []).some((r) => kindOf(r).countsMoves);

/** Each item's roles in the group rules ("rule:set"), so a class lies wholly inside or outside each rule's sets. */
function ruleRoles(model: AssignmentModel): string[][] {
  const roles: string[][] = model.items.map(() => []);
  (model.rules?.groups ?? []).forEach((rule, g) => {
    for (const [set, items] of kindOf(rule).roles(rule)) for (const j of items) roles[j]!.push(`${g}:${set}`);
  });
  return roles;
}

/**
 * Nodes with identical capacities, identical cost for every container and identical node-dependent demand, that
 * run the same containers now. `pinnedShape`: the pinned containers on a node count by their shape (the aggregate),
 * not by who they are (the per-node program, where each is a class of its own). `pooled`: capacities aside (the
 * aggregate's pools of nodes alike but for the room left on them).
 */
export function nodeClasses(
  model: AssignmentModel,
  { pinnedShape, pooled = false }: { pinnedShape?: (j: number) => string; pooled?: boolean } = {},
): number[][] {
  const n = model.nodes.length;
  const m = model.items.length;
  const costs = costRowKeys(model.cost, n, m, !pinnedShape);
  const rules = model.rules;
  const blocks = rules ? blockRowKeys(rules.blocked, pinnedShape) : undefined;
  const runs = new Map<number, string[]>();
  // By shape (the aggregate), the containers that may move are none of the node's key: they are classes by group.
  rules?.current.forEach((i, j) => {
    if (i < 0 || pinnedShape) return;
    runs.set(i, [...(runs.get(i) ?? []), `runs${j}`]);
  });
  const topologies = ruleTopologies(model);
  return groupBy(n, (i) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      if (!pooled) parts.push(String(r.capacity[i] ?? 0n));
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
      parts.push(...(runs.get(i) ?? []));
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
