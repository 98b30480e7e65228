import {
  domainIndex,
  topologyWeightOf,
  type AssignmentModel,
  type Domains,
  type GroupRule,
  type TopologyTree,
} from '../model.js';
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
 *   outweighs any number of racks more. The most the part can be (for keepFree's weight and the precision check)
 *   counts the spans a placed group can have (mostSpans: one domain at and above its required level).
 * Members that run and stay count where they are; the rule is checked once a pending member is placed.
 */
export type TopologyRule = Extract<GroupRule, { kind: 'topologyGroup' }>;

export interface TopologyScale extends ScaleRuleBase {
  readonly kind: 'topologyGroup';
}

/** The model's topology-aware groups, in rule order. */
export const topologyGroupsOf = (model: AssignmentModel): TopologyRule[] =>
  (model.rules?.groups ?? []).filter((r): r is TopologyRule => r.kind === 'topologyGroup');

/** A topology-aware group as the snapshot asks it: its members (ascending) and its levels (labels). */
interface GroupSpec {
  readonly items: number[];
  readonly required?: string | undefined;
  readonly preferred?: string | undefined;
  readonly sliceSize?: number | undefined;
  readonly sliceLevel?: string | undefined;
  /** Some member names it in topology.within: it encloses other groups. */
  encloses: boolean;
}

/**
 * Each topology-aware group by name, in order of first appearance: a container is a member of its own group (its
 * topology's group, else its gang) and of every group its topology.within names. The schema checked that every
 * member asks a group alike.
 */
function groupsOf(ctx: CompileContext): Map<string, GroupSpec> {
  const groups = new Map<string, GroupSpec>();
  const join = (name: string, j: number, spec: Omit<GroupSpec, 'items' | 'encloses'>, encloses: boolean): void => {
    const g = groups.get(name);
    if (!g) return void groups.set(name, { ...spec, items: [j], encloses });
    g.items.push(j);
    g.encloses ||= encloses;
  };
  ctx.s.containers.forEach((c, j) => {
    if (!c.topology) return;
    const { within, group, ...spec } = c.topology;
    join(group ?? c.gang!, j, spec, false);
    for (const e of within ?? []) join(e.group, j, { required: e.required, preferred: e.preferred }, true);
  });
  return groups;
}

/** The most the groups' spans can add to the topology part (for keepFree's weight, which comes before it). */
export function spanRange(ctx: CompileContext, tree: TopologyTree): number {
  let out = 0;
  for (const g of groupsOf(ctx).values()) {
    const most = groupSpans(ctx, tree, g);
    spanWeights(mostSpans(tree, g.items.length)).forEach((x, l) => (out += x * most[l]!));
  }
  return out;
}

/** The most domains of each level the group's members can span (mostSpans, with its required level). */
function groupSpans(ctx: CompileContext, tree: TopologyTree, g: GroupSpec): number[] {
  // A member that runs and stays may be anywhere: its group's required level bounds nothing then.
  const stays = g.items.some((j) => ctx.s.containers[j]!.pinned);
  const required = g.required === undefined || stays ? undefined : tree.labels.indexOf(g.required);
  return mostSpans(tree, g.items.length, required);
}

/**
 * The most domains of each level that `members` placed members can span: no more than the members or the level's
 * domains, and, with a required level r, one domain at r and above it, and below it no more than the most domains
 * of the level within one domain of r (a domain is named by its values from the top, so each lies in one domain of
 * every level above).
 */
export function mostSpans(tree: TopologyTree, members: number, required?: number): number[] {
  return tree.labels.map((_, l) =>
    Math.min(members, required !== undefined && l <= required ? 1 : mostWithin(tree, l, required)),
  );
}

/** Per tree, per level l and required level r: the most domains of l within one domain of r. */
const within = new WeakMap<TopologyTree, Map<string, number>>();

/** The most domains of level l within one domain of level r (all of them where r is undefined). */
function mostWithin(tree: TopologyTree, l: number, r: number | undefined): number {
  if (r === undefined) return tree.domains[l]!.length;
  const known = within.get(tree) ?? new Map<string, number>();
  within.set(tree, known);
  const cached = known.get(`${l}:${r}`);
  if (cached !== undefined) return cached;
  const count = new Map<string, number>();
  for (const values of tree.values[l]!) {
    const key = JSON.stringify(values.slice(0, r + 1));
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  let most = 0;
  for (const c of count.values()) most = Math.max(most, c);
  known.set(`${l}:${r}`, most);
  return most;
}

function compileTopology(ctx: CompileContext): GroupRule[] {
  const tree = ctx.tree;
  if (!tree) return [];
  const groups = groupsOf(ctx);
  const gangs = new Map<string, number>();
  for (const c of ctx.s.containers) if (c.gang !== undefined) gangs.set(c.gang, (gangs.get(c.gang) ?? 0) + 1);
  const whole = (items: readonly number[]): boolean => {
    if (!ctx.s.options?.allowUnplaced) return true;
    const gang = ctx.s.containers[items[0]!]!.gang;
    return (
      gang !== undefined && gangs.get(gang) === items.length && items.every((j) => ctx.s.containers[j]!.gang === gang)
    );
  };
  // A group whose members all run and stay asks nothing: running pods are not checked again (kube-scheduler).
  return [...groups]
    .filter(([, g]) => g.items.some((j) => !ctx.s.containers[j]!.pinned))
    .map(([name, g]) => topologyRule(ctx, tree, name, g, whole(g.items)));
}

function topologyRule(ctx: CompileContext, tree: TopologyTree, name: string, g: GroupSpec, whole: boolean): GroupRule {
  const items = g.items;
  const level = (label: string | undefined): number | undefined =>
    label === undefined ? undefined : tree.labels.indexOf(label);
  const required = level(g.required);
  const preferred = level(g.preferred);
  const slice = g.sliceSize !== undefined ? { size: g.sliceSize, level: level(g.sliceLevel)! } : undefined;
  // As in Kueue, a topology-aware group goes only on nodes with every level's label.
  for (const j of items) for (const label of tree.labels) ctx.block(j, `key:${label}`);
  const scale = keepFreeAfterSpans(ctx, tree);
  return {
    kind: 'topologyGroup',
    name: `topology ${name}`,
    items,
    levels: tree.domains,
    ...(required !== undefined ? { required } : {}),
    ...(slice ? { slice } : {}),
    ...(preferred !== undefined ? { preferred } : {}),
    spanWeights: spanWeights(mostSpans(tree, items.length)).map((w) => w * scale),
    mostSpans: groupSpans(ctx, tree, g),
    whole,
    ...(g.encloses ? { encloses: true } : {}),
  };
}

/**
 * With keepFree after the spans (options.topology.keepFreeOrder), the factor on every span weight: one more than
 * the domains of keepFree's level, so that one step of spans outweighs any count of domains in use; else 1.
 */
export function keepFreeAfterSpans(ctx: CompileContext, tree: TopologyTree): number {
  const t = ctx.s.options?.topology;
  if (t?.keepFree === undefined || t.keepFreeOrder !== 'afterSpans') return 1;
  return tree.domains[tree.labels.indexOf(t.keepFree)]!.length + 1;
}

/**
 * w_L = 1, w_ℓ = 1 + Σ_{ℓ < ℓ' ≤ L} w_ℓ' (most_ℓ' − 1), most the most domains of each level the members may span
 * (min(members, domains of the level)): one domain fewer at a level outweighs all below it.
 */
export function spanWeights(most: readonly number[]): number[] {
  const lowest = most.length - 1;
  const w = new Array<number>(lowest + 1).fill(1);
  for (let l = lowest - 1; l >= 0; l--) for (let k = l + 1; k <= lowest; k++) w[l]! += w[k]! * (most[k]! - 1);
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
  return rule.spanWeights.reduce((t, w, l) => t + w * rule.mostSpans[l]!, 0);
}

/** How a plan breaks the rule, in words; checked once a pending member is placed. */
function check(rule: TopologyRule, v: PlanView): string[] {
  const placed = rule.items.filter((j) => v.plan[j]! >= 0);
  if (placed.length === 0) return [];
  const out: string[] = [];
  const deepest = v.domainOf(rule.levels.at(-1)!);
  const outside = placed.find((j) => !v.pinned(j) && v.at(j, deepest) < 0);
  if (outside !== undefined)
    out.push(`${rule.name}: ${v.name(outside)} is on a node without every label of the topology's levels it uses`);
  if (rule.required !== undefined) {
    const domainOf = v.domainOf(rule.levels[rule.required]!);
    // A running member that stays on a node outside the topology (it may) is in no domain: it counts in none.
    const used = new Set(placed.map((j) => v.at(j, domainOf)).filter((d) => d >= 0));
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
 * Its rows over the class variables y_ic (N_D: the members' count on the nodes of domain D, M: the members), built
 * from the lowest level up. A domain where at most one member fits spans exactly N_D (its cost goes on the
 * placement variables); every other domain has a binary u_D, 1 when it holds a member: N_D ≤ most_D u_D, and
 * u_C ≤ u_D for each child C (implied by the integers, not by the LP: measured, both bound best). Each
 * u_D costs the topology weight × w_ℓ. Required level r: Σ_D u_D ≤ 1 over its domains. Slices: N_D = k s_D per
 * domain of the slice level, s_D integer. A whole group also gets its cover rows (coverRow).
 */
function rows(rule: TopologyRule, b: ProgramRows, g: number): void {
  const room = memberRoom(b.model, rule);
  const weight = topologyWeightOf(b.model);
  const levels = rule.levels.length;
  const span: (Span | undefined)[][] = rule.levels.map(() => []);
  for (let l = levels - 1; l >= 0; l--) {
    const cost = weight * (rule.spanWeights[l] ?? 0);
    const vars = varsByDomain(b, rule.items, rule.levels[l]!);
    rule.levels[l]!.forEach((d, k) => (span[l]![k] = spanOf(rule, b, room, d, vars[k]!, cost, `topo_${g}_${l}_${k}`)));
    if (l < levels - 1) linkChildren(rule, b, span[l]!, span[l + 1]!, l, `topo_${g}_${l}`);
  }
  if (rule.required !== undefined) {
    // u_R, or N_R where one member at most fits in R: the group touches one domain of r.
    const z = span[rule.required]!.flatMap((s) => (!s ? [] : s.u !== undefined ? [s.u] : s.vars));
    b.row(`topo_one_${g}`, 'rule', 'le', 1, z.map(withCoef(1)));
  }
  if (rule.slice) sliceRows(rule, rule.slice, b, g);
  if (rule.whole) coverRows(rule, b, room, span, g);
}

/**
 * The placement variables of the classes of `items` on each domain's nodes, in one pass over them (ProgramRows'
 * inDomain scans them all once per domain: quadratic in the nodes where every node is a domain).
 */
export function varsByDomain(b: ProgramRows, items: readonly number[], domains: Domains): number[][] {
  const domainOf = domainIndex(domains, b.model.nodes.length);
  const out = domains.map((): number[] => []);
  for (const c of b.classesOf(items))
    for (const v of b.varsOfClass[c]!) {
      const i = b.varNode[v]!;
      const d = i >= 0 ? domainOf[i]! : -1;
      if (d >= 0) out[d]!.push(v);
    }
  return out;
}

/** How a domain's span is written: its binary u, or (where one member at most fits) its placement variables. */
interface Span {
  readonly u?: number;
  readonly vars: readonly number[];
  /** The most members that fit in it. */
  readonly most: number;
}

/** A domain's span: N_D itself where most_D ≤ 1, else a binary u_D with N_D ≤ most_D u_D. */
function spanOf(
  rule: TopologyRule,
  b: ProgramRows,
  room: Float64Array,
  d: readonly number[],
  vars: readonly number[],
  cost: number,
  name: string,
): Span | undefined {
  if (vars.length === 0) return undefined;
  let most = 0;
  for (const i of d) most += room[i]!;
  most = Math.min(most, rule.items.length);
  if (most <= 1) {
    if (cost > 0) for (const v of vars) b.addCost(v, cost);
    return { vars, most };
  }
  const u = b.newAux(1, (v) => ({ v, kind: 'present', items: rule.items, nodes: d }), cost);
  b.row(name, 'rule', 'le', 0, [...vars.map(withCoef(1)), [u, -most]]);
  return { u, vars, most };
}

/**
 * u_C ≤ u_D for each child C of each domain D of level l that has a binary; the children where one member at most
 * fits, together: Σ_C N_C ≤ (Σ_C most_C) u_D.
 */
function linkChildren(
  rule: TopologyRule,
  b: ProgramRows,
  parents: readonly (Span | undefined)[],
  children: readonly (Span | undefined)[],
  l: number,
  name: string,
): void {
  const parentOf = domainIndex(rule.levels[l]!, b.model.nodes.length);
  const folded = new Map<number, { vars: number[]; most: number }>();
  rule.levels[l + 1]!.forEach((c, k) => {
    const child = children[k];
    const p = parentOf[c[0]!]!;
    const parent = parents[p];
    if (!child || parent?.u === undefined) return;
    if (child.u !== undefined)
      return b.row(`${name}_${k}`, 'rule', 'le', 0, [
        [child.u, 1],
        [parent.u, -1],
      ]);
    const f = folded.get(p) ?? { vars: [], most: 0 };
    f.vars.push(...child.vars);
    f.most += child.most;
    folded.set(p, f);
  });
  for (const [p, f] of folded)
    b.row(`${name}_n${p}`, 'rule', 'le', 0, [...f.vars.map(withCoef(1)), [parents[p]!.u!, -Math.max(1, f.most)]]);
}

/**
 * A whole group spans at least k_l domains of level l, k_l the fewest whose room holds all M members (within one
 * domain of the required level, where l is below it): with p = Σ_i N_i / M (1 when the group is placed, else 0),
 * k_l p − Σ_D span_D ≤ 0 for each level where k_l ≥ 2.
 */
function coverRows(
  rule: TopologyRule,
  b: ProgramRows,
  room: Float64Array,
  span: readonly (readonly (Span | undefined)[])[],
  g: number,
): void {
  const n = b.model.nodes.length;
  const members = membersInTree(b.model, rule);
  const ks = rule.levels.map((_, l) =>
    rule.required !== undefined && l <= rule.required ? 0 : fewestDomains(rule, n, room, l, members),
  );
  if (ks.every((k) => k <= 1)) return;
  const p = b.newAux(1, (v) => ({ v, kind: 'placed', items: rule.items }), 0, true);
  const all = b.inDomain(rule.items, rule.levels[0]!.flat());
  b.row(`topo_placed_${g}`, 'rule', 'eq', 0, [...all.map(withCoef(1)), [p, -members]]);
  ks.forEach((k, l) => {
    if (k <= 1) return;
    const terms: [number, number][] = [[p, k]];
    for (const s of span[l]!) if (s) terms.push(...(s.u !== undefined ? [s.u] : s.vars).map(withCoef(-1)));
    b.row(`topo_cover_${g}_${l}`, 'rule', 'le', 0, terms);
  });
}

/**
 * The least a group's spans can add to the topology part in a plan that places every container (before the
 * topology weight):
 * Σ_ℓ w_ℓ k_ℓ, k_ℓ the fewest domains of level ℓ that hold every member within one domain of the required level
 * (1 at and above it); undefined where no required domain holds it (it cannot be placed).
 */
export function leastSpread(rule: TopologyRule, model: AssignmentModel): number | undefined {
  const room = memberRoom(model, rule, true);
  const n = model.nodes.length;
  const members = membersInTree(model, rule);
  let out = 0;
  for (let l = 0; l < rule.spanWeights.length; l++) {
    const k = fewestDomains(rule, n, room, l, members);
    if (k === 0) return undefined;
    out += rule.spanWeights[l]! * (rule.required !== undefined && l <= rule.required ? 1 : k);
  }
  return out;
}

/**
 * The members that are in the topology when placed: all but those that run and stay on a node outside it (a
 * pinned container may stay where the rule's labels are missing).
 */
function membersInTree(model: AssignmentModel, rule: TopologyRule): number {
  const pin = model.rules?.blocked.pinnedTo;
  if (!pin) return rule.items.length;
  const deepest = domainIndex(rule.levels.at(-1)!, model.nodes.length);
  return rule.items.filter((j) => pin[j]! < 0 || deepest[pin[j]!]! >= 0).length;
}

/**
 * The fewest domains of level l that hold `members` members, within one domain of the required level (0: none
 * do).
 */
function fewestDomains(rule: TopologyRule, n: number, room: Float64Array, l: number, members: number): number {
  const within = rule.required !== undefined && rule.required < l ? rule.required : undefined;
  const parentOf = within === undefined ? undefined : domainIndex(rule.levels[within]!, n);
  const rooms = new Map<number, number[]>();
  for (const d of rule.levels[l]!) {
    const parent = parentOf ? parentOf[d[0]!]! : 0;
    const list = rooms.get(parent) ?? [];
    list.push(d.reduce((t, i) => t + room[i]!, 0));
    rooms.set(parent, list);
  }
  let best = 0;
  for (const list of rooms.values()) {
    list.sort((x, y) => y - x);
    let k = 0;
    for (let held = 0; held < members && k < list.length; k++) held += list[k]!;
    const fits = list.slice(0, k).reduce((t, x) => t + x, 0) >= members;
    if (fits && (best === 0 || k < best)) best = k;
  }
  return best;
}

/**
 * How many members fit on each node at most, beside the containers pinned there (each resource's room over the
 * least demand of a member for it): what makes N_D ≤ most_D u_D tighter than N_D ≤ M u_D.
 */
function memberRoom(model: AssignmentModel, rule: TopologyRule, placesAll = false): Float64Array {
  const n = model.nodes.length;
  const room = new Float64Array(n).fill(rule.items.length);
  // Pinned containers may be left out where containers may stay unplaced: then they hold no room for sure, but in
  // the plans that place every container (`placesAll`) they do.
  const pinned = model.rules?.unplacedPenalty && !placesAll ? undefined : pinnedUse(model, rule);
  model.resources.forEach((r, k) => {
    if (r.perNode) return;
    let least = -1n;
    for (const j of rule.items) if (least < 0n || r.demand[j]! < least) least = r.demand[j]!;
    if (least <= 0n) return;
    const held = pinned?.[k];
    for (let i = 0; i < n; i++) {
      const free = r.capacity[i]! - (held ? held[i]! : 0n);
      room[i] = Math.min(room[i]!, free > 0n ? Number(free / least) : 0);
    }
  });
  return room;
}

/**
 * What the pinned containers but the group's own members use on each node, per resource (0 where demand depends on
 * the node): the group's pinned members are counted in N_D, so their room is theirs.
 */
function pinnedUse(model: AssignmentModel, rule: TopologyRule): BigInt64Array[] {
  const pin = model.rules?.blocked.pinnedTo;
  const use = model.resources.map(() => new BigInt64Array(model.nodes.length));
  if (!pin) return use;
  const members = new Set(rule.items);
  for (let j = 0; j < pin.length; j++)
    if (pin[j]! >= 0 && !members.has(j))
      model.resources.forEach((r, k) => r.perNode || (use[k]![pin[j]!]! += r.demand[j]!));
  return use;
}

/** N_D = k s_D for each domain D of the slice level, s_D integer. */
function sliceRows(rule: TopologyRule, slice: { size: number; level: number }, b: ProgramRows, g: number): void {
  const n = b.model.nodes.length;
  const domains = rule.levels[slice.level]!;
  const domainOf = domainIndex(domains, n);
  const vars = varsByDomain(b, rule.items, domains);
  domains.forEach((_, k) => {
    const vs = vars[k]!;
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
  // The spans are the preference; the required level and the slices are hard.
  hardToo: true,
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
