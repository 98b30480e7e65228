import { blockAt, costAt, type BlockTable, type CostTable } from './pairs.js';
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
  readonly sense: Sense;
  /** Placement rules beyond capacity (node eligibility, pod (anti-)affinity, spread, gangs); absent = none. */
  readonly rules?: PlacementRules;
  /** What is optimised beside the cost (absent: the cost alone). */
  readonly objective?: ObjectiveWeights;
}

/**
 * The objective, a weighted sum (snapshots only; programs optimise their cost):
 *   cost · Σ c_ij x_ij  +  balance · (highest utilisation over nodes and `balanceResources`)
 *   + pack · Σ price_i [node i runs anything]  (+ the unplaced penalties, see PlacementRules)
 */
export interface ObjectiveWeights {
  readonly cost: number;
  readonly balance: number;
  readonly pack: number;
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
  readonly weighted: number;
}

/**
 * Why item j may not go on node i, one code per pair (0 = allowed). The order is the order in which the
 * Kubernetes scheduler's filters report them.
 */
export const BLOCK_REASONS = ['', 'unschedulable', 'not-ready', 'selector', 'taint', 'affinity', 'pinned'] as const;
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
 * Rules on sets of items, each written over the domains of a topology key. All are linear in the
 * placement variables (see solver/formulate.ts) and checked by the verifier on their own.
 * - atMost: in every domain, at most `limit` of `items` (anti-affinity among replicas: limit 1);
 * - apart: no domain holds both an item of `a` and one of `b` (anti-affinity between two sets; a ∩ b = ∅);
 * - together: every item of `items` must share a domain with at least one other item of `with` (required
 *   pod affinity; an item may be in both sets, and then another one of `with` must be beside it);
 * - spread: counts of `items` per domain differ by at most `maxSkew` between any two domains (topology
 *   spread with DoNotSchedule, held by the final plan);
 * - gang: all of `items` are placed or none is;
 * - moveLimit: at most `limit` of `items` are placed on a node other than their current one.
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
      readonly domains: Domains;
    }
  | {
      readonly kind: 'spread';
      readonly name: string;
      readonly items: readonly number[];
      readonly domains: Domains;
      readonly maxSkew: number;
    }
  | { readonly kind: 'gang'; readonly name: string; readonly items: readonly number[] }
  | { readonly kind: 'moveLimit'; readonly name: string; readonly items: readonly number[]; readonly limit: number };

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
}

/** c_ij. */
export function costOf(model: AssignmentModel, i: number, j: number): number {
  return costAt(model.cost, i, j, model.items.length);
}

/** Why a rule forbids item j on node i (an index into BLOCK_REASONS; 0: it does not). */
export function blockOf(model: AssignmentModel, i: number, j: number): number {
  return model.rules ? blockAt(model.rules.blocked, i, j) : 0;
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
