import { domainIndex, topologyWeightOf, type AssignmentModel, type GroupRule, type TopologyTree } from '../model.js';
import type { CompileContext } from './context.js';
import { perDomain } from './counts.js';
import {
  withCoef,
  type GreedyState,
  type PlanView,
  type ProgramRows,
  type RuleKind,
  type ScaleRuleBase,
} from './kind.js';

/**
 * topologyGroup: a group of containers over the levels of the model's topology (options.topology.levels, top down),
 * as Kueue's and KAI's topology-aware scheduling mean it (docs/topology.md):
 * - every placed member is on a node with every level's label (Kueue leaves other nodes out of the topology);
 * - `required` level r: all placed members in one domain of r;
 * - `slice` {size k, level s}: the members come in slices of k, each within one domain of s. Members of a group
 *   are alike, so this is: every domain of s holds a multiple of k;
 * - its spread enters the objective's topology part as Σ_ℓ w_ℓ · spans_ℓ, spans_ℓ the domains of level ℓ that hold
 *   a member, over every level from the top down: fewest blocks, then fewest racks, then fewest hosts, as Kueue's
 *   BestFit descent packs a group whatever level it names (`preferred` changes where Kueue's own search starts,
 *   not the optimum). The weights make it lexicographic: w_L = 1 at the lowest level L and
 *   w_ℓ = 1 + Σ_{ℓ < ℓ' ≤ L} w_ℓ' (most_ℓ' − 1), most_ℓ' = min(members, domains of ℓ'), so one block fewer
 *   outweighs any number of racks more.
 * Members that run and stay count where they are; the rule is checked once a pending member is placed.
 */
export type TopologyRule = Extract<GroupRule, { kind: 'topologyGroup' }>;

export interface TopologyScale extends ScaleRuleBase {
  readonly kind: 'topologyGroup';
}

/** The model's topology-aware groups, in rule order. */
export const topologyGroupsOf = (model: AssignmentModel): TopologyRule[] =>
  (model.rules?.groups ?? []).filter((r): r is TopologyRule => r.kind === 'topologyGroup');

/** The group of container j (its topology's group, else its gang), or undefined. */
function groupOf(ctx: CompileContext, j: number): string | undefined {
  const c = ctx.s.containers[j]!;
  return c.topology ? (c.topology.group ?? c.gang) : undefined;
}

function compileTopology(ctx: CompileContext): GroupRule[] {
  const tree = ctx.tree;
  if (!tree) return [];
  const groups = new Map<string, number[]>();
  ctx.s.containers.forEach((_, j) => {
    const g = groupOf(ctx, j);
    if (g === undefined) return;
    const list = groups.get(g);
    if (list) list.push(j);
    else groups.set(g, [j]);
  });
  return [...groups].map(([name, items]) => topologyRule(ctx, tree, name, items));
}

function topologyRule(ctx: CompileContext, tree: TopologyTree, name: string, items: number[]): GroupRule {
  // The schema checked that every member gives the same requirements, over known levels.
  const t = ctx.s.containers[items[0]!]!.topology!;
  const level = (label: string | undefined): number | undefined =>
    label === undefined ? undefined : tree.labels.indexOf(label);
  const required = level(t.required);
  const preferred = level(t.preferred);
  const slice = t.sliceSize !== undefined ? { size: t.sliceSize, level: level(t.sliceLevel)! } : undefined;
  // As in Kueue, a topology-aware group goes only on nodes with every level's label.
  for (const j of items) for (const label of tree.labels) ctx.block(j, `key:${label}`);
  const lowest = tree.labels.length - 1;
  return {
    kind: 'topologyGroup',
    name: `topology ${name}`,
    items,
    levels: tree.domains,
    ...(required !== undefined ? { required } : {}),
    ...(slice ? { slice } : {}),
    ...(preferred !== undefined ? { preferred } : {}),
    spanWeights: spanWeights(tree.domains, lowest, items.length),
  };
}

/** w_L = 1, w_ℓ = 1 + Σ_{ℓ < ℓ' ≤ L} w_ℓ' (most_ℓ' − 1): one domain fewer at a level outweighs all below it. */
export function spanWeights(levels: readonly (readonly unknown[])[], lowest: number, members: number): number[] {
  const w = new Array<number>(lowest + 1).fill(1);
  for (let l = lowest - 1; l >= 0; l--)
    for (let k = l + 1; k <= lowest; k++) w[l]! += w[k]! * (Math.min(members, levels[k]!.length) - 1);
  return w;
}

/** The domains of each of the rule's levels that hold a placed member (n: the model's nodes). */
export function spans(rule: TopologyRule, plan: ArrayLike<number>, n: number): number[] {
  return rule.levels.map((domains) => {
    const counts = perDomain(rule.items, plan, domainIndex(domains, n), domains.length);
    return counts.reduce((t, c) => t + (c > 0 ? 1 : 0), 0);
  });
}

/** The topology part of one group: Σ_ℓ w_ℓ · spans_ℓ over its counted levels. */
function spread(rule: TopologyRule, v: PlanView): number {
  const n = v.model.nodes.length;
  let out = 0;
  for (let l = 0; l < rule.spanWeights.length; l++) {
    const domains = rule.levels[l]!;
    const counts = perDomain(rule.items, v.plan, domainIndex(domains, n), domains.length);
    for (const c of counts) if (c > 0) out += rule.spanWeights[l]!;
  }
  return out;
}

/** The most the topology part of a group can be: every level spanned as widely as it can be. */
function most(rule: TopologyRule): number {
  return rule.spanWeights.reduce((t, w, l) => t + w * Math.min(rule.items.length, rule.levels[l]!.length), 0);
}

/** How a plan breaks the rule, in words; checked once a pending member is placed. */
function check(rule: TopologyRule, v: PlanView): string[] {
  const placed = rule.items.filter((j) => v.plan[j]! >= 0);
  if (!placed.some((j) => !v.pinned(j))) return [];
  const out: string[] = [];
  const deepest = v.domainOf(rule.levels.at(-1)!);
  const outside = placed.find((j) => !v.pinned(j) && v.at(j, deepest) < 0);
  if (outside !== undefined)
    out.push(`${rule.name}: ${v.name(outside)} is on a node without every label of the topology's levels it uses`);
  if (rule.required !== undefined) {
    const domainOf = v.domainOf(rule.levels[rule.required]!);
    const used = new Set(placed.map((j) => v.at(j, domainOf)));
    if (used.size > 1) out.push(`${rule.name}: spans ${used.size} domains of level ${rule.required} (required: one)`);
  }
  if (rule.slice) {
    const { size, level } = rule.slice;
    const domains = rule.levels[level]!;
    const counts = perDomain(rule.items, v.plan, v.domainOf(domains), domains.length);
    const bad = counts.findIndex((c) => c % size !== 0);
    if (bad >= 0)
      out.push(`${rule.name}: ${counts[bad]} members in one domain of level ${level}, not whole slices of ${size}`);
  }
  return out;
}

/**
 * Its rows over the class variables y_ic (N_D: the members' count on the nodes of domain D, M: the members):
 * required, a binary z_D per domain of r with N_D ≤ M z_D and Σ_D z_D ≤ 1; slices, an integer s_D per domain of
 * the slice level with N_D = k s_D; spread, a binary u_D per domain of each counted level ℓ with N_D ≤ M u_D,
 * costing the topology weight × w_ℓ.
 */
function rows(rule: TopologyRule, b: ProgramRows, g: number): void {
  const members = rule.items.length;
  const present = (domain: readonly number[], name: string, cost = 0): number | undefined => {
    const vs = b.inDomain(rule.items, domain);
    if (vs.length === 0) return undefined;
    const u = b.newAux(1, (v) => ({ v, kind: 'present', items: rule.items, nodes: domain }), cost);
    b.row(name, 'rule', 'le', 0, [...vs.map(withCoef(1)), [u, -members]]);
    return u;
  };
  if (rule.required !== undefined) {
    const z = rule.levels[rule.required]!.flatMap((d, k) => present(d, `topo_req_${g}_${k}`) ?? []);
    b.row(`topo_one_${g}`, 'rule', 'le', 1, z.map(withCoef(1)));
  }
  if (rule.slice) sliceRows(rule, rule.slice, b, g);
  const weight = topologyWeightOf(b.model);
  if (weight === 0) return;
  for (let l = 0; l < rule.spanWeights.length; l++)
    rule.levels[l]!.forEach((d, k) => present(d, `topo_span_${g}_${l}_${k}`, weight * rule.spanWeights[l]!));
}

/** N_D = k s_D for each domain D of the slice level, s_D integer. */
function sliceRows(rule: TopologyRule, slice: { size: number; level: number }, b: ProgramRows, g: number): void {
  const n = b.model.nodes.length;
  const domains = rule.levels[slice.level]!;
  const domainOf = domainIndex(domains, n);
  domains.forEach((d, k) => {
    const vs = b.inDomain(rule.items, d);
    if (vs.length === 0) return;
    const value = (plan: ArrayLike<number>): number =>
      perDomain(rule.items, plan, domainOf, domains.length)[k]! / slice.size;
    const s = b.newAux(Math.floor(rule.items.length / slice.size), (v) => ({
      v,
      kind: 'rule',
      what: 'slices',
      value,
    }));
    b.row(`topo_slice_${g}_${k}`, 'rule', 'eq', 0, [...vs.map(withCoef(1)), [s, -slice.size]]);
  });
}

/**
 * The greedy keeps a required group in the domain of its first placed member; ties go to nodes that span no new
 * domain. Slices are checked at the end (repair).
 */
function greedyState(rule: TopologyRule, model: AssignmentModel): GreedyState {
  const n = model.nodes.length;
  const domainOf = rule.required !== undefined ? domainIndex(rule.levels[rule.required]!, n) : undefined;
  const levels = rule.levels.slice(0, rule.spanWeights.length).map((d) => domainIndex(d, n));
  const used = levels.map(() => new Set<number>());
  let chosen = -1;
  return {
    allows: (_j, i) => !domainOf || chosen < 0 || domainOf[i] === chosen,
    place: (_p, i) => {
      if (domainOf && chosen < 0) chosen = domainOf[i]!;
      levels.forEach((d, l) => used[l]!.add(d[i]!));
    },
    ...(domainOf ? { domainOf } : {}),
    cost: (_j, i) => levels.reduce((t, d, l) => t + (used[l]!.has(d[i]!) ? 0 : rule.spanWeights[l]!), 0),
  };
}

export const topologyGroup: RuleKind<TopologyRule, TopologyScale> = {
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  topologies: (rule) => rule.levels,
  compile: compileTopology,
  rows,
  scale: {
    of: () => ({ outOfReach: 'topology-aware groups are held by the per-node program only' }),
    rows: () => undefined,
    inPatterns: false,
  },
  check,
  preference: { part: 'topology', weight: () => 1, violations: spread, most },
  greedy: {
    state: greedyState,
    // A group whose slices came out broken is taken out (its gang then holds the rest back).
    repair: (rule, model, plan) => {
      for (const j of rule.items) if ((model.rules?.blocked.pinnedTo?.[j] ?? -1) < 0) plan[j] = -1;
    },
  },
  reason: {
    message: "node(s) didn't match the group's required topology",
    breaks: (rule, model, plan) => {
      if (rule.required === undefined) return () => false;
      const domainOf = domainIndex(rule.levels[rule.required]!, model.nodes.length);
      const at = rule.items.find((j) => plan[j]! >= 0);
      return (_j, i) => at !== undefined && domainOf[i] !== domainOf[plan[at]!]!;
    },
  },
};
