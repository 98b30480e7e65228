import {
  demandUnits,
  domainIndex,
  type AssignmentModel,
  type DisruptionBudget,
  type GroupRule,
} from '../../models/model.js';
import { gangsOf } from '../../models/rules/gang.js';
import { kindOf } from '../../models/rules/registry.js';
import { ruleViolations } from '../verify.js';

/**
 * What a change from today's placement to a target asks, in units that move as one (docs/changes.md):
 * - a running container that the target puts on another node: evicted, then bound there;
 * - a running container the target leaves out: evicted, for good;
 * - a pending container the target places: bound;
 * - the members of one gang that change, together.
 */
export interface ChangeUnit {
  /** The containers (model item indices). */
  readonly items: readonly number[];
  /** Whether the unit's containers run now (its wave evicts them). */
  readonly evicts: boolean;
  /** Per budget index, how many of the unit's running containers it counts (0 for most). */
  readonly disrupts: ReadonlyMap<number, number>;
}

export interface ChangeSet {
  readonly start: Int32Array;
  readonly target: Int32Array;
  readonly units: readonly ChangeUnit[];
  /** The nodes the target leaves empty that hold a container now (cordoned, then removable). */
  readonly emptied: readonly number[];
}

/** The units of change from `start` (today's placement, -1 for pending) to `target`. */
export function changeSet(
  model: AssignmentModel,
  start: Int32Array,
  target: Int32Array,
  budgets: readonly DisruptionBudget[],
): ChangeSet {
  const budgetsOf = new Map<number, number[]>();
  budgets.forEach((b, k) => b.items.forEach((j) => budgetsOf.set(j, [...(budgetsOf.get(j) ?? []), k])));
  const gangOf = new Map<number, number>();
  gangsOf(model).forEach((g, k) => g.items.forEach((j) => gangOf.set(j, k)));
  const byGang = new Map<number, number[]>();
  const units: number[][] = [];
  for (let j = 0; j < start.length; j++) {
    if (start[j] === target[j]) continue;
    const gang = gangOf.get(j);
    if (gang === undefined) units.push([j]);
    else byGang.set(gang, [...(byGang.get(gang) ?? []), j]);
  }
  units.push(...byGang.values());
  const out = units.map((items): ChangeUnit => {
    const disrupts = new Map<number, number>();
    for (const j of items)
      if (start[j]! >= 0) for (const k of budgetsOf.get(j) ?? []) disrupts.set(k, (disrupts.get(k) ?? 0) + 1);
    return { items, evicts: items.some((j) => start[j]! >= 0), disrupts };
  });
  const holds = (plan: Int32Array, i: number): boolean => plan.some((x) => x === i);
  const emptied = model.nodes.flatMap((_, i) => (holds(start, i) && !holds(target, i) ? [i] : []));
  return { start, target, units: out, emptied };
}

/** Exact units of each resource used on each node by `plan`. */
export function usageOf(model: AssignmentModel, plan: ArrayLike<number>): bigint[][] {
  const used = model.resources.map(() => new Array<bigint>(model.nodes.length).fill(0n));
  for (let j = 0; j < model.items.length; j++) if (plan[j]! >= 0) addDemand(model, used, j, plan[j]!, 1n);
  return used;
}

/** Adds `sign` times container j's demand on node i to `used` (a usageOf table). */
export function addDemand(model: AssignmentModel, used: bigint[][], j: number, i: number, sign: 1n | -1n): void {
  const m = model.items.length;
  model.resources.forEach((r, k) => (used[k]![i]! += sign * demandUnits(r, i, j, m)));
}

/**
 * The model's group rules with a hard part (preferences are soft: a change plan need not keep them). A topology-aware
 * group is both (`hardToo`): its spans are a preference, its required level and slices are hard.
 */
export const hardRules = (model: AssignmentModel): GroupRule[] =>
  (model.rules?.groups ?? []).filter((r) => kindOf(r).preference === undefined || kindOf(r).hardToo === true);

/**
 * How `plan` breaks the hard rules, in the verifier's words (its blocked pairs and capacity are checked apart);
 * `running`: containers still where they ran today, counted but not checked (verifyPlan).
 */
export const hardViolations = (
  model: AssignmentModel,
  rules: readonly GroupRule[],
  plan: Int32Array,
  running?: (j: number) => boolean,
): string[] => rules.flatMap((r) => ruleViolations(model, r, plan, running));

/**
 * Whether container j may not move from node `from` to node `to` with surge (options.surge). Its replacement beside it
 * in the wave's middle is a second copy, which the model's one copy per container cannot check everywhere:
 * - j has pod affinity, anti-affinity or spread terms of its own: the replacement meets them against j itself, and
 *   a rule may not even hold them where j is the only container they select;
 * - a hard rule between containers over a topology's domains counts or constrains j and both nodes are in one of its
 *   domains: the two would count there together.
 * Elsewhere, checking the middle with j where it ran and the end with j where it goes keeps every rule
 * (docs/changes.md).
 */
export function surgeBar(model: AssignmentModel): (j: number, from: number, to: number) => boolean {
  const domainsOf = new Map<number, Int32Array[]>();
  const n = model.nodes.length;
  for (const r of hardRules(model)) {
    const kind = kindOf(r);
    const indices = kind.topologies(r).map((d) => domainIndex(d, n));
    if (indices.length === 0) continue;
    for (const j of new Set([...kind.counted(r), ...kind.constrained(r)]))
      domainsOf.set(j, [...(domainsOf.get(j) ?? []), ...indices]);
  }
  const own = new Set(model.ownTerms ?? []);
  return (j, from, to) => own.has(j) || (domainsOf.get(j) ?? []).some((d) => d[from]! >= 0 && d[from] === d[to]);
}

/** Containers of `plan` still running where they ran in `start` (a change plan's state). */
export const stillRunning =
  (start: ArrayLike<number>, plan: ArrayLike<number>) =>
  (j: number): boolean =>
    start[j]! >= 0 && plan[j] === start[j];

/** Per container, 1 where a budget counts it healthy today (Ready, running, not terminating). */
export function healthyToday(budgets: readonly DisruptionBudget[], containers: number): Uint8Array {
  const healthy = new Uint8Array(containers);
  for (const b of budgets) for (const j of b.healthy) healthy[j] = 1;
  return healthy;
}
