import { blockAt, costAt, keyedAt, type BlockTable, type CostTable, type KeyedTable } from './pairs.js';
import type { Taint, Toleration } from './selectors.js';

/**
 * The validated model: what every input (snapshot or program) becomes once it has passed its schema.
 * Resource data are exact integers (bigint) at a per-resource decimal scale, so the verifier can check
 * capacities without rounding; costs are plain numbers. Nodes are indexed i = 0..n-1, containers
 * ("items") j = 0..m-1, in input order.
 */

export type Sense = 'min' | 'max';

/** 1 for a minimisation, −1 for a maximisation: sign × objective is always minimised. */
export const senseSign = (sense: Sense): 1 | -1 => (sense === 'min' ? 1 : -1);

export interface ResourceTable {
  readonly name: string;
  /**
   * Exact value = units / 10^scale (3 for Kubernetes quantities in milli-units; for programs the fewest decimals that
   * hold every value).
   */
  readonly scale: number;
  /** Capacity of each node, length n (shared memory where the model was built for the service). */
  readonly capacity: BigInt64Array;
  /** Demand: `demand[j]` when `perNode` is false, `demand[i * m + j]` when the demand depends on the node. */
  readonly demand: BigInt64Array;
  readonly perNode: boolean;
  /**
   * A column shared by resources no node gives together (models/columns.ts): their names, which one each node gives
   * and which one each item asks for (-1: none). Absent: the column is the one resource `name`.
   */
  readonly members?: { readonly names: readonly string[]; readonly node: Int32Array; readonly item: Int32Array };
}

/** The resource that column r holds on node i: its member there, where resources share the column. */
export function resourceNameAt(r: ResourceTable, i: number): string {
  const k = r.members ? r.members.node[i]! : -1;
  return k >= 0 ? r.members!.names[k]! : r.name;
}

/** The resource that item j asks for in column r: its member, where resources share the column. */
export function resourceNameOf(r: ResourceTable, j: number): string {
  const k = r.members ? r.members.item[j]! : -1;
  return k >= 0 ? r.members!.names[k]! : r.name;
}

export interface AssignmentModel {
  readonly kind: 'snapshot' | 'program';
  readonly nodes: readonly string[];
  readonly items: readonly string[];
  readonly resources: readonly ResourceTable[];
  /** c_ij, by keys (models/pairs.ts): read it with costOf. */
  readonly cost: CostTable;
  /** The costs are computed (the greedy's score when a snapshot gives none), not the caller's numbers. */
  readonly derivedCosts?: boolean;
  /** What building the model changed from the input's literal reading, for the answer's notes. */
  readonly notes?: readonly string[];
  readonly sense: Sense;
  /** Placement rules beyond capacity (node eligibility, pod (anti-)affinity, spread, gangs); absent = none. */
  readonly rules?: PlacementRules;
  /** What is optimised beside the cost (absent: the cost alone). */
  readonly objective?: ObjectiveWeights;
  /** The network topology's levels (options.topology), where the input names them. */
  readonly topology?: TopologyTree;
  /** The disruption budgets (PodDisruptionBudgets, models/disruption.ts) a change plan keeps. */
  readonly budgets?: readonly DisruptionBudget[];
  /**
   * The nodes a change may park pods on that the plan leaves empty (options.temporaryNodes; only in the model a change
   * is ordered in, models/validate.ts).
   */
  readonly temporary?: readonly number[];
  /**
   * How many pods of each disruption budget a change may move with surge at once (options.surge): the replacement
   * started and Ready before the pod is deleted, so the move disrupts nothing but needs room beside it.
   */
  readonly surge?: number;
  /**
   * Containers with pod affinity, anti-affinity or spread terms of their own (where options.surge is set): a
   * replacement beside one of them would meet its own terms, which a rule may not hold when it selects it alone.
   */
  readonly ownTerms?: readonly number[];
  /** Each item's namespace, where a change plan names pods for kubectl (options.changes). */
  readonly namespaces?: readonly (string | undefined)[];
}

/**
 * A disruption budget as the Kubernetes disruption controller reads it (models/disruption.ts): the containers it
 * counts, how many of them must stay healthy, how many are healthy now, and so how many may be disrupted at once.
 */
export interface DisruptionBudget {
  readonly name: string;
  /** The containers it selects (model item indices), running or pending. */
  readonly items: readonly number[];
  /** Those of `items` that run and are healthy now (Ready, not terminating). */
  readonly healthy: readonly number[];
  /** The pods it expects (the controllers' scale, or the pods it selects). */
  readonly expected: number;
  readonly desiredHealthy: number;
  readonly currentHealthy: number;
  /** disruptionsAllowed: max(0, currentHealthy − desiredHealthy), 0 where expected ≤ 0. */
  readonly allowed: number;
  /** unhealthyPodEvictionPolicy AlwaysAllow: unhealthy pods are evicted without the budget. */
  readonly alwaysAllowUnhealthy: boolean;
}

/**
 * The levels of a network topology, top down (block, rack, host), as node labels. A domain of level k is the
 * nodes that share the values of levels 0..k (a rack is a rack of one block); nodes without one of those labels
 * are in no domain of level k or below.
 */
export interface TopologyTree {
  /** The node label of each level. */
  readonly labels: readonly string[];
  /** The domains of each level. */
  readonly domains: readonly Domains[];
  /** The name of each domain of each level: its label values from the top, joined by "/" (for display). */
  readonly names: readonly (readonly string[])[];
  /** The label values of each domain of each level, from the top. */
  readonly values: readonly (readonly (readonly string[])[])[];
}

/**
 * The objective, a weighted sum (snapshots only; programs optimise their cost):
 *   cost · Σ c_ij x_ij  +  balance · (highest utilisation over nodes and `balanceResources`)
 *   + pack · Σ price_i [node i runs anything]  +  preferences · (the preferences part: each soft term's
 *   violation times its weight, see docs/kubernetes.md)  (+ the unplaced penalties, see PlacementRules)
 */
export interface ObjectiveWeights {
  readonly cost: number;
  readonly balance: number;
  readonly pack: number;
  /** The weight of the preferences part (0: preferences ignored). */
  readonly preferences: number;
  /**
   * The weight of the topology part (the groups' spans over the topology's levels, models/rules/topology.ts);
   * absent: the topology part comes first (PlacementRules.topologyWeight).
   */
  readonly topology?: number;
  /** Price of each node for `pack` (default 1 each: the number of nodes used). */
  readonly price: readonly number[];
  /** Resource indices whose utilisation `balance` levels (every resource but `pods`). */
  readonly balanceResources: readonly number[];
}

/** The parts of a plan's objective, each unweighted, and their weighted sum (without unplaced penalties). */
export interface ObjectiveParts {
  readonly cost: number;
  readonly balance: number;
  readonly pack: number;
  readonly preferences: number;
  /** The topology part (groups' weighted spans, and keepFree's domains in use), where the model has one. */
  readonly topology?: number;
  readonly weighted: number;
}

/**
 * Why item j may not go on node i, one code per pair (0 = allowed). The order is the order in which the
 * Kubernetes scheduler's filters report them.
 */
export const BLOCK_REASONS = [
  '',
  'unschedulable',
  'not-ready',
  'selector',
  'taint',
  'topology-key',
  'affinity',
  'pinned',
  'full',
  'lacks',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/**
 * A topology: the domains (sets of node indices) of one topology key, e.g. one per zone, or one per node
 * for kubernetes.io/hostname. Nodes without the key belong to no domain.
 */
export type Domains = readonly (readonly number[])[];

const domainIndexes = new WeakMap<Domains, Int32Array>();

/** domainOf[i]: the index of node i's domain (-1: in none), built once per topology. */
export function domainIndex(domains: Domains, n: number): Int32Array {
  let index = domainIndexes.get(domains);
  if (!index || index.length !== n) {
    index = new Int32Array(n).fill(-1);
    domains.forEach((d, k) => d.forEach((i) => (index![i] = k)));
    domainIndexes.set(domains, index);
  }
  return index;
}

/**
 * Rules on sets of items, each written over the domains of a topology key (each kind's module in models/rules/
 * says exactly what it means, in every stage). A hard rule is checked where a pending item is placed, as
 * kube-scheduler checks each pod as it arrives: running items that stay (pinned) are never checked against each
 * other, but count. A preference (the `prefer*` kinds) never makes a plan invalid: its violations, times its
 * weight, are the objective's preferences part.
 * - atMost: a domain that receives a pending item holds at most `limit` of `items` (required anti-affinity among
 *   replicas: limit 1);
 * - apart: no domain holds a pending item of one of `a`, `b` and any item of the other (required anti-affinity
 *   between two sets; a ∩ b = ∅);
 * - together: every pending owner in `items` is, for each topology of `terms`, in a domain rooted by an item of
 *   `roots` (an item of `with` that is running, or that carries no such rule), or, when `exception` (no running
 *   item matches), in the domains of the one node that took the first owner (required pod affinity);
 * - spread: a domain that receives a pending item of `owners` ends with at most `maxSkew` more of `items` than the
 *   smallest count over the domains (0 while there are fewer than `minDomains`): the final states that placing the
 *   owners one at a time, each admitted by kube-scheduler's skew check, can reach; a counted owner on a node of
 *   `outside` (not counted itself) needs one less, as if placed last;
 * - gang: all of `items` are placed or none is;
 * - topologyGroup: see TopologyGroupRule;
 * - keepFree: the domains holding any of `items` (every container) cost `weight` each in the topology part;
 * - moveLimit: at most `limit` of `items` are placed on a node other than their current one;
 * - preferSpread: the excess of each domain's count of `items` over the smallest count plus maxSkew
 *   (ScheduleAnyway, and kube-scheduler's default spreading);
 * - preferApart: the pairs of an item of `owners` and another item of `selected` in one domain (preferred
 *   anti-affinity);
 * - preferTogether: the items of `owners` whose domain holds no other item of `selected` (preferred affinity).
 */
export type GroupRule =
  | {
      readonly kind: 'atMost';
      readonly name: string;
      readonly items: readonly number[];
      readonly domains: Domains;
      readonly limit: number;
    }
  | {
      readonly kind: 'apart';
      readonly name: string;
      readonly a: readonly number[];
      readonly b: readonly number[];
      readonly domains: Domains;
    }
  | {
      readonly kind: 'together';
      readonly name: string;
      readonly items: readonly number[];
      readonly with: readonly number[];
      readonly roots: readonly number[];
      readonly terms: readonly Domains[];
      readonly exception: boolean;
    }
  | {
      readonly kind: 'spread';
      readonly name: string;
      readonly items: readonly number[];
      readonly owners: readonly number[];
      readonly domains: Domains;
      /** Nodes with the key that the inclusion policies leave out, by the domain of their value (absent: none). */
      readonly outside?: Domains;
      readonly maxSkew: number;
      readonly minDomains: number;
    }
  | { readonly kind: 'gang'; readonly name: string; readonly items: readonly number[] }
  | TopologyGroupRule
  | {
      readonly kind: 'keepFree';
      readonly name: string;
      readonly items: readonly number[];
      readonly domains: Domains;
      readonly weight: number;
      /** The weight is options.topology.keepFreeWeight, as given (not derived from the spans). */
      readonly given?: true;
    }
  | { readonly kind: 'moveLimit'; readonly name: string; readonly items: readonly number[]; readonly limit: number }
  | {
      readonly kind: 'preferSpread';
      readonly name: string;
      readonly items: readonly number[];
      readonly owners: readonly number[];
      readonly domains: Domains;
      readonly maxSkew: number;
      readonly weight: number;
    }
  | TermPreference<'preferApart'>
  | TermPreference<'preferTogether'>;

/**
 * topologyGroup: a group of containers over the levels of the model's topology (models/rules/topology.ts): every
 * placed member on a node with every level's label; with `required`, all in one domain of that level; with
 * `slice`, each domain of its level holds a multiple of its size; the domains spanned at levels 0..L enter the
 * topology part, each costing `spanWeights[level]` (L + 1 = spanWeights.length).
 */
export interface TopologyGroupRule {
  readonly kind: 'topologyGroup';
  readonly name: string;
  readonly items: readonly number[];
  /** The domains of every level, the same arrays as the model's TopologyTree. */
  readonly levels: readonly Domains[];
  readonly required?: number;
  readonly slice?: { readonly size: number; readonly level: number };
  readonly preferred?: number;
  readonly spanWeights: readonly number[];
  /** The most domains of each counted level its placed members can span (topologyGroup.ts mostSpans). */
  readonly mostSpans: readonly number[];
  /** Placed all or not at all (every container must be placed, or the group is exactly one gang). */
  readonly whole: boolean;
  /** It encloses other groups (its members name it in topology.within): Kueue's baseline places those inside it. */
  readonly encloses?: boolean;
}

/** A preferred pod (anti-)affinity term: `owners` carry it, it selects `selected`, over `domains`. */
interface TermPreference<K extends string> {
  readonly kind: K;
  readonly name: string;
  readonly owners: readonly number[];
  readonly selected: readonly number[];
  readonly domains: Domains;
  readonly weight: number;
}

/**
 * Each node's taints, and each item's tolerations by distinct set (most replicas share one): item j
 * tolerates `sets[setOf[j]]`.
 */
export interface TaintRules {
  readonly nodes: readonly (readonly Taint[])[];
  readonly sets: readonly (readonly Toleration[])[];
  readonly setOf: Int32Array;
}

/** Item j's tolerations. */
export const tolerationsOf = (t: TaintRules, j: number): readonly Toleration[] => t.sets[t.setOf[j]!] ?? [];

export interface PlacementRules {
  /** Why item j may not go on node i (an index into BLOCK_REASONS, 0 when it may): read it with blockOf. */
  readonly blocked: BlockTable;
  /** For the scheduler's words on taint blocks: each node's taints and each item's tolerations (absent: no taints). */
  readonly taints?: TaintRules;
  readonly groups: readonly GroupRule[];
  /**
   * When present, items may stay unplaced at this cost each (added to the objective in the model's own
   * sense: a large cost for min, a large negative one for max), so plans placing more always win.
   * Absent: every item must be placed.
   */
  readonly unplacedPenalty?: readonly number[];
  /** The node each item runs on now (-1: none); a plan that moves it pays the move cost in `cost`. */
  readonly current: Int32Array;
  /**
   * Preferences between one container and one node (preferred node affinity, PreferNoSchedule taints): for
   * each, what placing item j on node i adds to the preferences part (already weighted), by keys as costs are.
   */
  readonly nodePreferences?: readonly NodePreference[];
  /**
   * The topology part's weight, where some group counts in it: options.objective.topology, else the least power of
   * two above the range of the rest of the objective (the topology part first).
   */
  readonly topologyWeight?: number;
}

/** One kind of preference between a container and a node, as a keyed table of weighted violations. */
export interface NodePreference {
  /** What it is, for the answer ("preferred node affinity", "PreferNoSchedule taints"). */
  readonly name: string;
  /** Weighted violation of each pair (read it with keyedAt), 0 where the preference holds. */
  readonly table: KeyedTable<Float64Array>;
}

/** c_ij. */
export function costOf(model: AssignmentModel, i: number, j: number): number {
  return costAt(model.cost, i, j, model.items.length);
}

/** Why a rule forbids item j on node i (an index into BLOCK_REASONS; 0: it does not). */
export function blockOf(model: AssignmentModel, i: number, j: number): number {
  return model.rules ? blockAt(model.rules.blocked, i, j) : 0;
}

/** The objective's weight of the preferences part: options.objective's, else 1 (preferences count by default). */
export const preferenceWeightOf = (model: AssignmentModel): number =>
  model.kind === 'snapshot' ? (model.objective?.preferences ?? 1) : 0;

/** The objective's weight of the topology part (PlacementRules.topologyWeight). */
export const topologyWeightOf = (model: AssignmentModel): number => model.rules?.topologyWeight ?? 1;

/** What placing item j on node i adds to the preferences part through the node preferences (weighted). */
export function nodePreferenceAt(model: AssignmentModel, i: number, j: number): number {
  let out = 0;
  for (const p of model.rules?.nodePreferences ?? []) out += keyedAt(p.table, i, j);
  return out;
}

/** Whether item j runs where it is and stays (a pinned container: a bound pod that may not move). */
export function isPinned(model: AssignmentModel, j: number): boolean {
  return (model.rules?.blocked.pinnedTo?.[j] ?? -1) >= 0;
}

/** Whether a rule forbids item j on node i (capacity aside). */
export function isBlocked(model: AssignmentModel, i: number, j: number): boolean {
  return blockOf(model, i, j) !== 0;
}

/** Whether this machine stores the low 32 bits of an int64 first (every platform Node runs on does, today). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * 64-bit integers as doubles: exact for magnitudes up to 2^53, rounded as Number() rounds beyond. Read through
 * their two 32-bit halves, since Number(a[k]) allocates a BigInt per entry (tens of ms for 150 000 containers).
 */
export function int64Doubles(a: BigInt64Array): Float64Array {
  const out = new Float64Array(a.length);
  if (!LITTLE_ENDIAN) {
    for (let k = 0; k < a.length; k++) out[k] = Number(a[k]!);
    return out;
  }
  const words = new Int32Array(a.buffer, a.byteOffset, 2 * a.length);
  for (let k = 0; k < a.length; k++) {
    const high = words[2 * k + 1]!;
    const low = words[2 * k]! >>> 0;
    // The sum rounds once where |value| > 2^53: high * 2^32 is exact, so it is Number()'s rounding of the value.
    out[k] = high * 4294967296 + low;
  }
  return out;
}

/** Demand r_ijk of item j on node i for one resource (exact units). */
export function demandUnits(r: ResourceTable, i: number, j: number, m: number): bigint {
  return (r.perNode ? r.demand[i * m + j] : r.demand[j]) ?? 0n;
}

/** Whether item j fits on an empty node i for every resource (exact). */
export function fitsEmpty(model: AssignmentModel, i: number, j: number): boolean {
  const m = model.items.length;
  for (const r of model.resources) {
    if (demandUnits(r, i, j, m) > (r.capacity[i] ?? 0n)) return false;
  }
  return true;
}

/** Exact units → float in the resource's own unit. */
export function unitsToNumber(units: bigint, scale: number): number {
  return Number(units) / 10 ** scale;
}
