import type { AssignmentModel } from '../../models/model.js';
import type { NodeSearch, SearchRules } from '../node-search.js';
import type { NodeLimit } from '../../models/rules/kind.js';
import { scaleKindOf } from '../../models/rules/registry.js';
import type { Aggregate, ScaleRule, Topology } from './aggregate.js';

/**
 * The state of a plan being packed or improved at scale: the containers on each node, the room left, the rules
 * between single nodes, and the moves that keep them together. Shared by the packing (pack.ts), the trades
 * (trade.ts) and the emptying of nodes (empty.ts).
 */

/** Placing and taking back containers on the packing's state. */
export function movesOn(
  agg: Aggregate,
  plan: Int32Array,
  onNode: number[][],
  remaining: readonly Float64Array[],
  rules: NodeRules,
  search: NodeSearch,
): Moves {
  const shift = (c: number, i: number, sign: number): void => {
    const d = agg.classes[c]!.demand;
    for (let k = 0; k < d.length; k++) remaining[k]![i] = remaining[k]![i]! - sign * d[k]!;
    search.take(i);
  };
  return {
    place: (j, c, i) => {
      plan[j] = i;
      onNode[i]!.push(j);
      rules.place(c, i);
      shift(c, i, 1);
    },
    unplace: (j, c, i) => {
      plan[j] = -1;
      const list = onNode[i]!;
      list.splice(list.indexOf(j), 1);
      rules.unplace(c, i);
      shift(c, i, -1);
    },
    onNode,
    search,
    remaining,
    rules,
  };
}

export interface Moves {
  place(j: number, c: number, i: number): void;
  unplace(j: number, c: number, i: number): void;
  readonly onNode: readonly number[][];
  readonly search: NodeSearch;
  readonly remaining: readonly Float64Array[];
  readonly rules: NodeRules;
}

/** The largest share of a node's capacity that a demand takes over the resources (Infinity where it has none). */
export const largestShare = (demand: Float64Array, cap: Float64Array): number =>
  demand.reduce((s, d, k) => Math.max(s, cap[k]! > 0 ? d / cap[k]! : d > 0 ? Infinity : 0), 0);

export function pairsByClass(agg: Aggregate): Aggregate['pairs'][number][][] {
  const out = agg.classes.map(() => [] as Aggregate['pairs'][number][]);
  for (const p of agg.pairs) out[p.c]!.push(p);
  return out;
}

export type ZoneRule = ScaleRule & { readonly topology: Topology };

/**
 * Per class, whether a rule over single nodes (hostname) that no node check holds counts it: a preference between
 * pods on one node, whose score a move changes, which the aggregate's pair costs do not show.
 */
export function unchecked(agg: Aggregate): Uint8Array {
  const out = new Uint8Array(agg.classes.length);
  for (const r of agg.rules)
    if (r.topology && r.topology.solo.length > 0 && !scaleKindOf(r).node) for (const c of r.classes) out[c] = 1;
  return out;
}

/** The rules with domains of several nodes that each class is in. */
export function zoneRulesByClass(agg: Aggregate): ZoneRule[][] {
  const out = agg.classes.map(() => [] as ZoneRule[]);
  for (const r of agg.rules)
    if (r.topology && r.topology.zones.length > 0) for (const c of r.classes) out[c]!.push(r as ZoneRule);
  return out;
}

/**
 * The rules between single nodes, per node, each through its kind's node check (models/rules/): hostname
 * anti-affinity among replicas (at most `limit` on a node), never both sides of an anti-affinity between two
 * sets on one.
 */
export class NodeRules implements SearchRules {
  readonly partitionOf: Int32Array;
  /** Per class, its single-node rules: which nodes each holds on, and its counters per node. */
  private readonly checks: { limit: NodeLimit; solo: Uint8Array; state: Int32Array }[][];

  private readonly pinned: boolean[];

  constructor(model: AssignmentModel, agg: Aggregate) {
    const n = model.nodes.length;
    this.partitionOf = agg.groupOf;
    this.pinned = agg.classes.map((cl) => cl.pinned);
    this.checks = agg.classes.map(() => []);
    for (const rule of agg.rules) {
      const limit = rule.topology && rule.topology.solo.length > 0 ? scaleKindOf(rule).node?.(rule) : undefined;
      if (!limit) continue;
      const solo = new Uint8Array(n);
      for (const g of rule.topology!.solo) for (const i of agg.groups[g]!.nodes) solo[i] = 1;
      const check = { limit, solo, state: new Int32Array(n * limit.slots) };
      for (const c of rule.classes) this.checks[c]!.push(check);
    }
  }

  partitionAllows(): boolean {
    return true;
  }

  /** Whether a container of class c may go on node i (here j is the class); running ones that stay are not checked. */
  allows(c: number, i: number): boolean {
    if (this.pinned[c]) return true;
    for (const { limit, solo, state } of this.checks[c]!)
      if (solo[i] && limit.room(state, i * limit.slots, c) < 1) return false;
    return true;
  }

  place(c: number, i: number, by = 1): void {
    for (const { limit, solo, state } of this.checks[c]!) if (solo[i]) limit.add(state, i * limit.slots, c, by);
  }

  unplace(c: number, i: number): void {
    this.place(c, i, -1);
  }
}
