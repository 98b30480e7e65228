import {
  demandUnits,
  int64Doubles,
  nodePreferenceAt,
  preferenceWeightOf,
  type AssignmentModel,
} from '../models/model.js';
import { blockAt, keyedAt, keysOf } from '../models/pairs.js';
import type { GreedyState } from '../models/rules/kind.js';
import { kindOf } from '../models/rules/registry.js';
import { NodeSearch, type SearchRules } from './node-search.js';
import { ruleViolations } from './verify.js';

/**
 * The seed article's greedy heuristic (§4.2), generalised to several resources. Implemented exactly:
 * 1. Order containers by dominant share s_j = max_k r_jk / C_k, descending (C_k = total capacity of k over
 *    all nodes; resources with C_k = 0 are skipped; for node-dependent demand r_jk is the mean of r_ijk
 *    over nodes). Ties keep input order.
 * 2. Place each container on the node, among those where it fits every resource (r_ijk ≤ R_ik, R the
 *    remaining capacity), with the smallest score max_{k: r_ijk > 0} r_ijk / R_ik (0 if it requests
 *    nothing); ties go to the earliest node. Its request is subtracted from that node.
 * 3. A container that fits nowhere stays unplaced.
 * Fit tests are exact (bigint); scores and shares are floating-point ratios of the exact values.
 * With placement rules (Kubernetes constraints), the greedy acts as a scheduler would: containers that run
 * somewhere now are kept there first (if they still may and fit), and a node that breaks a hard rule for
 * a container counts as one where it does not fit: a blocked pair, anti-affinity with what is placed,
 * affinity without a selected container in the domain (unless none is placed anywhere yet and the
 * container is one of the group), and the spread skew as the scheduler checks it on each placement.
 * At the end, containers whose affinity partner never came, partial gangs, and spread skews left by them
 * are taken out again, so the plan always passes the verifier.
 * Returns the node index of each container, -1 where unplaced. Does not mutate the model.
 */
export function greedyPlan(model: AssignmentModel, options: { scan?: boolean } = {}): Int32Array {
  const rules = model.rules;
  // Running containers first, on their node: those that stay (pinned), then those that may move; then the rest,
  // each in dominant-share order.
  const pinned = rules?.blocked.pinnedTo;
  const phase = (j: number): number => ((pinned?.[j] ?? -1) >= 0 ? 0 : (rules?.current[j] ?? -1) >= 0 ? 1 : 2);
  const order = shareOrder(dominantShares(model), phase);
  const check = rules ? ruleCheck(model) : undefined;
  // Preferences break ties among the nodes of equal score, as kube-scheduler's scores would: that needs every
  // node's score, so the scan, on models small enough for it.
  const tieBreak = check?.preference !== undefined && model.nodes.length * model.items.length <= TIE_BREAK_PAIRS;
  const doubles = options.scan || tieBreak ? undefined : exactDoubles(model);
  const plan = doubles ? searchGreedy(model, order, check, doubles) : scanGreedy(model, order, check);
  if (rules) repair(model, plan);
  return plan;
}

/**
 * The containers by phase (0, 1, 2), then by share, largest first, then in input order: a counting sort over the
 * distinct shares (replicas share theirs), the same order as a comparison sort by (phase, −share, index).
 */
export function shareOrder(share: Float64Array, phase: (j: number) => number): Int32Array {
  const m = share.length;
  const values = Float64Array.from(new Set(share)).sort().reverse();
  const rank = new Map<number, number>();
  values.forEach((v, r) => rank.set(v, r));
  const buckets = 3 * values.length;
  const start = new Int32Array(buckets + 1);
  const key = new Int32Array(m);
  for (let j = 0; j < m; j++) start[(key[j] = phase(j) * values.length + rank.get(share[j]!)!) + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const order = new Int32Array(m);
  for (let j = 0; j < m; j++) order[start[key[j]!]!++] = j;
  return order;
}

/** Most nodes × containers for which the greedy breaks ties by preferences (it scans every node then). */
export const TIE_BREAK_PAIRS = 4_000_000;

/** Capacities and demands as doubles, when no demand is node-dependent and every one is an integer a double holds. */
interface Doubles {
  readonly capacity: Float64Array[];
  readonly demand: Float64Array[];
}

function exactDoubles(model: AssignmentModel): Doubles | undefined {
  if (model.resources.some((r) => r.perNode)) return undefined;
  const capacity = model.resources.map((r) => int64Doubles(r.capacity));
  const demand = model.resources.map((r) => int64Doubles(r.demand));
  // Rounding is monotone: a value beyond 2^53 − 1 becomes a double beyond it.
  const exact = (a: Float64Array): boolean => a.every((v) => Math.abs(v) <= Number.MAX_SAFE_INTEGER);
  return capacity.every(exact) && demand.every(exact) ? { capacity, demand } : undefined;
}

/** The rule applied by scanning every node for every container (node-dependent demand, huge values). */
function scanGreedy(
  model: AssignmentModel,
  order: ArrayLike<number> & Iterable<number>,
  check: RuleCheck | undefined,
): Int32Array {
  const m = model.items.length;
  const plan = new Int32Array(m).fill(-1);
  const remaining = model.resources.map((r) => r.capacity.slice());
  for (const j of order) {
    // A running container stays if it may; otherwise (drained, evicted) it is placed like a new one.
    const stay = model.rules?.current[j] ?? -1;
    let best = stay >= 0 ? bestNode(model, remaining, check, j, stay) : -1;
    if (best < 0) best = bestNode(model, remaining, check, j, -1);
    if (best < 0) continue;
    plan[j] = best;
    check?.place(j, best);
    model.resources.forEach((r, k) => (remaining[k]![best] = remaining[k]![best]! - demandUnits(r, best, j, m)));
  }
  return plan;
}

/** The same rule, the node found by NodeSearch (partitioned segment trees) instead of a scan. */
function searchGreedy(
  model: AssignmentModel,
  order: ArrayLike<number> & Iterable<number>,
  check: RuleCheck | undefined,
  doubles: Doubles,
): Int32Array {
  const plan = new Int32Array(model.items.length).fill(-1);
  const remaining = doubles.capacity;
  const demand = doubles.demand;
  const search = new NodeSearch(remaining, check, model.nodes.length);
  const d = new Float64Array(model.resources.length);
  const fits = (j: number, i: number): boolean => i >= 0 && search.scoreAt(d, i) >= 0 && (!check || check.allows(j, i));
  for (const j of order) {
    for (let k = 0; k < d.length; k++) d[k] = demand[k]![j]!;
    const stay = model.rules?.current[j] ?? -1;
    let best = fits(j, stay) ? stay : -1;
    if (best < 0) {
      const only = check?.only(j) ?? ANY_NODE;
      best = only === ANY_NODE ? search.find(j, d) : fits(j, only) ? only : -1;
    }
    if (best < 0) continue;
    plan[j] = best;
    check?.place(j, best);
    for (let k = 0; k < d.length; k++) remaining[k]![best] = remaining[k]![best]! - d[k]!;
    search.take(best);
  }
  return plan;
}

/**
 * s_j = max_k r_jk / C_k (C_k the total capacity of k; resources with none skipped; node-dependent
 * demand at its mean over nodes).
 */
function dominantShares(model: AssignmentModel): Float64Array {
  const n = model.nodes.length;
  const m = model.items.length;
  const share = new Float64Array(m);
  for (const r of model.resources) {
    let total = 0n;
    for (const c of r.capacity) total += c;
    if (total === 0n) continue;
    const totalF = Number(total);
    for (let j = 0; j < m; j++) {
      let demand: number;
      if (r.perNode) {
        let sum = 0n;
        for (let i = 0; i < n; i++) sum += demandUnits(r, i, j, m);
        demand = Number(sum) / n;
      } else {
        demand = Number(r.demand[j] ?? 0n);
      }
      share[j] = Math.max(share[j] ?? 0, demand / totalF);
    }
  }
  return share;
}

/**
 * The node with the smallest score max_k r_ijk / R_ik among those where j fits (and the rules allow it),
 * only `only` when it is not −1; ties to the earliest node; −1 if none.
 */
function bestNode(
  model: AssignmentModel,
  remaining: readonly BigInt64Array[],
  check: RuleCheck | undefined,
  j: number,
  only: number,
): number {
  const m = model.items.length;
  let best = -1;
  let bestScore = Infinity;
  let bestPreference = Infinity;
  for (let i = 0; i < model.nodes.length; i++) {
    if ((only >= 0 && i !== only) || (check && !check.allows(j, i))) continue;
    let score = 0;
    let fits = true;
    for (let k = 0; k < model.resources.length; k++) {
      const d = demandUnits(model.resources[k]!, i, j, m);
      if (d === 0n) continue;
      const left = remaining[k]![i]!;
      if (d > left) {
        fits = false;
        break;
      }
      score = Math.max(score, Number(d) / Number(left));
    }
    if (!fits || score > bestScore) continue;
    // Ties (the seed rule's earliest node otherwise) go to the node that adds least to the preferences part.
    const preference = check?.preference?.(j, i) ?? 0;
    if (score < bestScore || preference < bestPreference) [best, bestScore, bestPreference] = [i, score, preference];
  }
  return best;
}

/** The rules of a container in none (never pushed to: `add` replaces it). */
const NO_STATES: GreedyState[] = [];

/** No rule leaves a container a single node: search them all. */
const ANY_NODE = -2;

/**
 * The rules as the greedy checks them: `allows` (j on node i keeps every rule, given what is placed so
 * far, in scheduler order), `place` to record each placement, and for NodeSearch, partitions of nodes that
 * the blocked pairs and the zone-like rules treat alike.
 */
interface RuleCheck extends SearchRules {
  place(j: number, i: number): void;
  /** The one node j may go on (pinned, or its move budget spent; −1: none), ANY_NODE when unrestricted. */
  only(j: number): number;
  /** What j on node i adds to the preferences part (present when the model has preferences and weighs them). */
  preference?(j: number, i: number): number;
}

/**
 * Counts per domain are kept up to date, so a check costs a few lookups per rule of j, not a scan of the
 * rule's containers.
 */
function ruleCheck(model: AssignmentModel): RuleCheck {
  const rules = model.rules!;
  // Most containers are in no rule: they share one empty list (150 000 lists of their own are garbage to collect).
  const checks: GreedyState[][] = new Array<GreedyState[]>(model.items.length).fill(NO_STATES);
  const updates: GreedyState[][] = new Array<GreedyState[]>(model.items.length).fill(NO_STATES);
  const add = (lists: GreedyState[][], j: number, state: GreedyState): void => {
    if (lists[j] === NO_STATES) lists[j] = [state];
    else lists[j]!.push(state);
  };
  for (const r of rules.groups) {
    const kind = kindOf(r);
    const state = kind.greedy.state?.(r, model, rules.groups);
    if (!state) continue;
    for (const j of kind.constrained(r)) add(checks, j, state);
    for (const j of kind.counted(r)) add(updates, j, state);
  }
  const { blocked } = rules;
  const { partitionOf, keyed } = partitions(model, checks.flat());
  const perPartition = checks.map((list) =>
    list === NO_STATES ? list : list.filter((r) => r.domainOf && keyed.has(r.domainOf)),
  );
  const pinned = blocked.pinnedTo;
  const preference = preferenceOf(model, checks);
  return {
    // A running container that stays is not checked against the rules (it only counts), as kube-scheduler does.
    allows: (j, i) =>
      blockAt(blocked, i, j) === 0 && ((pinned?.[j] ?? -1) >= 0 || checks[j]!.every((r) => r.allows(j, i))),
    ...(preference ? { preference } : {}),
    place: (j, i) => updates[j]!.forEach((r) => r.place(j, i)),
    partitionOf,
    partitionAllows: (j, rep) => keyedAt(blocked, rep, j) === 0 && perPartition[j]!.every((r) => r.allows(j, rep)),
    only: (j) => {
      const pin = blocked.pinnedTo?.[j] ?? -1;
      if (pin >= 0) return pin;
      for (const r of checks[j]!) {
        const node = r.only?.(j);
        if (node !== undefined) return node;
      }
      return ANY_NODE;
    },
  };
}

/** What j on node i adds to the preferences part: its node preferences and its preference rules' increments. */
function preferenceOf(
  model: AssignmentModel,
  checks: readonly (readonly GreedyState[])[],
): ((j: number, i: number) => number) | undefined {
  const nodePrefs = model.rules?.nodePreferences ?? [];
  const soft = checks.some((list) => list.some((r) => r.cost));
  if (preferenceWeightOf(model) === 0 || (nodePrefs.length === 0 && !soft)) return undefined;
  return (j, i) => {
    let p = nodePreferenceAt(model, i, j);
    for (const r of checks[j]!) p += r.cost?.(j, i) ?? 0;
    return p;
  };
}

/** Most topologies whose domains split the partitions (zones, regions; hostname never does). */
const MAX_PARTITION_TOPOLOGIES = 8;

/**
 * Nodes with the same blocked-pair row and the same domain in each zone-like topology of the rules: every
 * rule but the per-node ones (hostname, moveLimit) judges them alike. The topologies used are `keyed`.
 */
function partitions(
  model: AssignmentModel,
  states: readonly GreedyState[],
): { partitionOf: Int32Array; keyed: Set<Int32Array> } {
  const keyed = new Set<Int32Array>();
  const topologies: Int32Array[] = [];
  const byContent = new Map<string, Int32Array>();
  for (const d of new Set(states.map((r) => r.domainOf))) {
    if (!d || !zoneLike(d)) continue;
    const content = contentKey(d);
    const same = byContent.get(content);
    if (same && sameContent(same, d)) keyed.add(d);
    else if (!same && topologies.length < MAX_PARTITION_TOPOLOGIES) {
      byContent.set(content, d);
      topologies.push(d);
      keyed.add(d);
    }
  }
  const rowKey = model.rules!.blocked.rowKey;
  const { key } = keysOf(model.nodes.length, (i) => `${rowKey[i]}|${topologies.map((d) => d[i]).join(',')}`);
  return { partitionOf: key, keyed };
}

/** Some domain holds two nodes or more (not hostname). */
function zoneLike(domainOf: Int32Array): boolean {
  const seen = new Set<number>();
  for (const k of domainOf) {
    if (k < 0) continue;
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** A hash of the domain of every node (FNV-1a), with the length. */
function contentKey(domainOf: Int32Array): string {
  let h = 0x811c9dc5;
  for (const k of domainOf) h = Math.imul(h ^ (k + 1), 0x01000193) >>> 0;
  return `${domainOf.length}:${h}`;
}

function sameContent(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Takes containers out until every group rule holds: lone affinity partners, partial gangs, skew left behind. */
function repair(model: AssignmentModel, plan: Int32Array): void {
  const groups = model.rules!.groups;
  for (let changed = true; changed;) {
    changed = false;
    for (const r of groups) {
      if (ruleViolations(model, r, plan).length === 0) continue;
      changed = true;
      const fix = kindOf(r).greedy.repair;
      if (!fix) throw new Error(`internal error: the greedy broke ${r.name}`);
      fix(r, model, plan);
    }
  }
}
