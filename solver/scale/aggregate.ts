import { topologyGroupsOf } from '../../models/rules/topologyGroup.js';
import {
  costOf,
  domainIndex,
  isBlocked,
  isPinned,
  nodePreferenceAt,
  type AssignmentModel,
  type Domains,
} from '../../models/model.js';
import { movesFree, scaleClasses } from '../formulation/classes.js';
import type { ScaleContext, Topology } from '../../models/rules/kind.js';
import { kindOf, type ScaleRule } from '../../models/rules/registry.js';

/**
 * The model at the scale of what is distinct: node groups (identical capacity, labels, taints, price and
 * domains) and container classes (identical requests, cost and rules). Every quantity here is per group
 * or per class, so its size is groups × classes, never nodes × containers.
 */
export interface Aggregate {
  readonly groups: readonly Group[];
  readonly classes: readonly Class[];
  /** The (group, class) pairs that may be used: not blocked, and the class fits an empty node of the group. */
  readonly pairs: readonly Pair[];
  /** The group of each node, the class of each container. */
  readonly groupOf: Int32Array;
  readonly classOf: Int32Array;
  /** The rules as the aggregate sees them (see ruleRoles). */
  readonly rules: readonly ScaleRule[];
  /** The index in `pairs` of (group g, class c), −1 where that pair may not be used. */
  pairAt(g: number, c: number): number;
}

export interface Group {
  /** Node indices, ascending. */
  readonly nodes: readonly number[];
  /** Capacity of one node, per resource (exact integers below 2^53); in a pool, the most of any of its nodes. */
  readonly capacity: Float64Array;
  /** The capacity of all its nodes together, per resource. */
  readonly total: Float64Array;
  readonly price: number;
}

export interface Class {
  /** Container indices, ascending. */
  readonly items: readonly number[];
  /** Request of one container, per resource. */
  readonly demand: Float64Array;
  /** Cost of leaving one out (absent: every container must be placed). */
  readonly penalty?: number;
  /** The group its containers run on now, −1 for none. */
  readonly current: number;
  /** They stay where they run (pinned): rules are not checked on them, they only count. */
  readonly pinned: boolean;
}

export interface Pair {
  readonly g: number;
  readonly c: number;
  /** The placement cost of one container of c on a node of g. */
  readonly cost: number;
  /** What one container of c on a node of g adds to the preferences part (preferred node affinity, taints). */
  readonly prefer: number;
}

/**
 * A group rule, by how the scale path holds it (each kind's scale part, models/rules/):
 * - domain: rows on the counts per domain of groups (zones, regions: domains of several nodes);
 * - node: checked on each node while packing (hostname anti-affinity: domains of one node), plus the
 *   per-group row it implies (atMost: limit × nodes);
 * - gang, moveLimit: rows on the classes' counts.
 */
export type { ScaleRule, Topology };

/** Nodes × containers from which a snapshot takes the scale path instead of the per-node program. */
export const SCALE_FROM_PAIRS = 1_000_000;

/**
 * From this many nodes a `pack` snapshot takes the scale path too: on identical nodes the per-node model
 * is hopelessly symmetric (SOLVERS.md: 40 items on 40 bins found no plan better than one item per bin),
 * while patterns of node groups are its natural formulation.
 */
export const PACK_SCALE_FROM_NODES = 20;

/**
 * Whether the model is solved at the scale of groups and classes: large snapshots, and pack objectives
 * over many nodes, with node-independent demand.
 */
export function atScale(model: AssignmentModel): boolean {
  if (model.kind !== 'snapshot' || model.resources.some((r) => r.perNode)) return false;
  const packing = (model.objective?.pack ?? 0) > 0 && model.nodes.length >= PACK_SCALE_FROM_NODES;
  return packing || model.nodes.length * model.items.length >= SCALE_FROM_PAIRS;
}

/**
 * Whether a second thread runs the aggregate branch and bound alone beside the lead (role `mip`): for `pack`, where
 * the integer counts of nodes in use lift the bound above the LP's (seed 4 of the scale suite: 4 683.43 to
 * 4 700.74 in 25 s), while the lead's own branch and bound rarely gets the time (the patterns take it).
 */
export const scaleMipApplies = (model: AssignmentModel): boolean =>
  (model.objective?.pack ?? 0) > 0 && (model.objective?.balance ?? 0) === 0;

/** Most nodes × containers the per-node program is built over where the aggregate cannot hold the model. */
export const PER_NODE_FALLBACK_PAIRS = 50_000_000;

const paths = new WeakMap<AssignmentModel, boolean>();

/**
 * Whether a model at scale is solved by the aggregate program (memoised per model): not where the aggregate cannot
 * hold it exactly and the blocks leave fewer than SCALE_FROM_PAIRS pairs open, a variable each in the per-node
 * program (each pod bound to the one node that has its device, as in kube-scheduler's SchedulingWithExtendedResource).
 */
export function scalePath(model: AssignmentModel): boolean {
  let path = paths.get(model) ?? scalePathWithoutAggregate(model);
  if (path === undefined) {
    path = !('outOfReach' in aggregate(model));
    paths.set(model, path);
  }
  return path;
}

/** scalePath's answer where it needs no aggregate (a few ms at most); undefined where it does. */
export function scalePathWithoutAggregate(model: AssignmentModel): boolean | undefined {
  if (!atScale(model)) return false;
  // Topology-aware groups are held by the per-node program alone: it is built wherever the model allows it.
  if (topologyGroupsOf(model).length > 0) return model.nodes.length * model.items.length > PER_NODE_FALLBACK_PAIRS;
  const open = model.rules?.blocked.open ?? Infinity;
  return open < SCALE_FROM_PAIRS && model.nodes.length * model.items.length <= PER_NODE_FALLBACK_PAIRS
    ? undefined
    : true;
}

/** Most (group, class) pairs the scale path takes on (beyond: it says so and the greedy stands). */
export const MAX_SCALE_PAIRS = 2_000_000;

/** The aggregate, or why the scale path cannot hold this model exactly. */
export function aggregate(model: AssignmentModel): Aggregate | { readonly outOfReach: string } {
  if (model.kind !== 'snapshot' || model.sense !== 'min' || model.resources.some((r) => r.perNode))
    return { outOfReach: 'node-dependent demand' };
  let { nodes: nodeSets, items: itemSets } = scaleClasses(model);
  if (pairBound(model, nodeSets, itemSets) > MAX_SCALE_PAIRS && poolable(model))
    ({ nodes: nodeSets, items: itemSets } = scaleClasses(model, true));
  if (pairBound(model, nodeSets, itemSets) > MAX_SCALE_PAIRS)
    return {
      outOfReach:
        `${nodeSets.length} node groups × ${itemSets.length} container classes, more than its ${MAX_SCALE_PAIRS} ` +
        'pairs (nodes running containers that may move are groups of their own)',
    };
  const groupOf = indexOf(nodeSets, model.nodes.length);
  const classOf = indexOf(itemSets, model.items.length);
  const groups = nodeSets.map((nodes) => groupAt(model, nodes));
  const free = movesFree(model);
  const classes = itemSets.map((items) => classAt(model, items, groupOf, free));
  const rules = scaleRules(model, groups, classOf);
  if ('outOfReach' in rules) return rules;
  const pairs = pairsOf(model, groups, classes);
  const index = new Map(pairs.map((p, v) => [p.g * classes.length + p.c, v]));
  const pairAt = (g: number, c: number): number => index.get(g * classes.length + c) ?? -1;
  return { groups, classes, pairs, groupOf, classOf, rules, pairAt };
}

function indexOf(sets: readonly (readonly number[])[], count: number): Int32Array {
  const out = new Int32Array(count).fill(-1);
  sets.forEach((members, s) => members.forEach((x) => (out[x] = s)));
  return out;
}

/** The most pairs the classes may use: a pinned class uses its own group alone, any other every group. */
function pairBound(model: AssignmentModel, nodeSets: readonly unknown[], itemSets: readonly number[][]): number {
  let out = 0;
  for (const items of itemSets) out += isPinned(model, items[0]!) ? 1 : nodeSets.length;
  return out;
}

/**
 * Whether nodes that differ only in the room left on them may be pooled (a live cluster, where what runs there
 * leaves each node a room of its own): under the cost objective, whose groups need no count of nodes in use
 * (pack) or share of one node (balance). A pool's capacity row holds the sum of its nodes' rooms and a class may
 * use it where it fits the most room of each resource: a relaxation, so every bound stays valid; the packing
 * onto nodes reads each node's own room.
 */
function poolable(model: AssignmentModel): boolean {
  return (model.objective?.pack ?? 0) === 0 && (model.objective?.balance ?? 0) === 0;
}

function groupAt(model: AssignmentModel, nodes: readonly number[]): Group {
  const capacity = new Float64Array(model.resources.length);
  const total = new Float64Array(model.resources.length);
  model.resources.forEach((r, k) => {
    for (const i of nodes) {
      const cap = Number(r.capacity[i]!);
      capacity[k] = Math.max(capacity[k]!, cap);
      total[k] = total[k]! + cap;
    }
  });
  return { nodes, capacity, total, price: model.objective?.price[nodes[0]!] ?? 1 };
}

/**
 * `free` (movesFree): where the containers that may move run does not count, as for those that run nowhere (their
 * class is their shape's, scaleClasses).
 */
function classAt(model: AssignmentModel, items: readonly number[], groupOf: Int32Array, free: boolean): Class {
  const j = items[0]!;
  const penalty = model.rules?.unplacedPenalty?.[j];
  const pinned = isPinned(model, j);
  const now = free && !pinned ? -1 : (model.rules?.current[j] ?? -1);
  return {
    items,
    current: now >= 0 ? groupOf[now]! : -1,
    pinned,
    demand: Float64Array.from(model.resources, (r) => Number(r.demand[j]!)),
    ...(penalty === undefined ? {} : { penalty }),
  };
}

/**
 * The usable pairs: a pinned class on its own group alone. On the group its containers run on, a pair is read on
 * the node its first container runs on (no move: moves within a group count as none).
 */
function pairsOf(model: AssignmentModel, groups: readonly Group[], classes: readonly Class[]): Pair[] {
  const pairs: Pair[] = [];
  const current = model.rules?.current;
  classes.forEach((cl, c) => {
    const j = cl.items[0]!;
    groups.forEach((gr, g) => {
      if (cl.pinned && g !== cl.current) return;
      const i = g === cl.current ? current![j]! : gr.nodes[0]!;
      if (isBlocked(model, i, j) || cl.demand.some((d, k) => d > gr.capacity[k]!)) return;
      pairs.push({ g, c, cost: costOf(model, i, j), prefer: nodePreferenceAt(model, i, j) });
    });
  });
  return pairs;
}

/** The classes of a rule's items (the class keys keep each class wholly in or out of every rule's sets). */
function classList(classOf: Int32Array, items: readonly number[]): number[] {
  return [...new Set(Array.from(items, (j) => classOf[j]!))].sort((a, b) => a - b);
}

function topologyOf(model: AssignmentModel, domains: Domains, groups: readonly Group[]): Topology {
  const domainOf = domainIndex(domains, model.nodes.length);
  const zones: number[][] = domains.map(() => []);
  const solo: number[] = [];
  groups.forEach((gr, g) => {
    const d = domainOf[gr.nodes[0]!]!;
    if (d < 0) return;
    if (domains[d]!.length === 1) solo.push(g);
    else zones[d]!.push(g);
  });
  return { domainOf, zones: zones.filter((z) => z.length > 0), solo };
}

/** The rules as the aggregate holds them, each by its kind's scale part; or why one is out of reach. */
function scaleRules(
  model: AssignmentModel,
  groups: readonly Group[],
  classOf: Int32Array,
): ScaleRule[] | { outOfReach: string } {
  const out: ScaleRule[] = [];
  // Rules share their domain lists (thousands of rules, a few topologies): each is read once.
  const topologies = new Map<Domains, Topology>();
  const ctx: ScaleContext = {
    model,
    penalties: model.rules?.unplacedPenalty !== undefined,
    classesOf: (items) => classList(classOf, items),
    topologyOf: (domains) => {
      let t = topologies.get(domains);
      if (!t) topologies.set(domains, (t = topologyOf(model, domains, groups)));
      return t;
    },
  };
  for (const r of model.rules?.groups ?? []) {
    const held = kindOf(r).scale.of(r, ctx);
    if (held && 'outOfReach' in held) return held;
    if (held) out.push(held);
  }
  return out;
}
