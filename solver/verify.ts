import {
  BLOCK_REASONS,
  demandUnits,
  int64Doubles,
  domainIndex,
  isPinned,
  preferenceWeightOf,
  topologyWeightOf,
  resourceNameAt,
  type AssignmentModel,
  type GroupRule,
  type ObjectiveParts,
  type ResourceTable,
  senseSign,
} from '../models/model.js';
import { blockAt, costAt, keyedAt } from '../models/pairs.js';
import type { PlanView } from '../models/rules/kind.js';
import { kindOf } from '../models/rules/registry.js';

/**
 * The independent plan verifier. It reads only the validated model (the caller's numbers, exact) and the
 * plan, never the formulation: each container on at most one existing node (exactly one when
 * `requireComplete`, unless the model lets containers stay out), every node's capacity held for every
 * resource in exact integer arithmetic, every placement rule held (blocked pairs, and each group rule by its
 * kind's own check, models/rules/), and the objective recomputed from the costs (plus the penalty of each
 * unplaced container).
 */
export interface Verification {
  readonly valid: boolean;
  readonly complete: boolean;
  readonly placed: number;
  /** The model's objective: the weighted parts plus the penalty of each unplaced container. */
  readonly objective: number;
  /** The objective's parts (cost, highest utilisation, nodes used or their price), each unweighted. */
  readonly parts: ObjectiveParts;
  readonly violations: readonly string[];
  /** used[k][i]: exact units of resource k used on node i by the plan. */
  readonly used: readonly (readonly bigint[])[];
}

/**
 * `running` (change plans): containers that still run where they ran today. As kube-scheduler never evicts a running
 * pod for a rule, they count for every rule but are not checked against each other, nor against their node's
 * selectors and taints; only the containers that arrived somewhere are.
 */
export function verifyPlan(
  model: AssignmentModel,
  plan: ArrayLike<number>,
  requireComplete: boolean,
  running?: (j: number) => boolean,
): Verification {
  const m = model.items.length;
  if (plan.length !== m) {
    const used = model.resources.map(() => new Array<bigint>(model.nodes.length).fill(0n));
    return {
      valid: false,
      complete: false,
      placed: 0,
      objective: NaN,
      parts: { cost: NaN, balance: NaN, pack: NaN, preferences: NaN, weighted: NaN },
      violations: [`plan has ${plan.length} entries for ${m} containers`],
      used,
    };
  }
  const violations: string[] = [];
  const { placed, cost, penalties } = tallyPlacements(model, plan, requireComplete, violations, running);
  const used = usage(model, plan);
  violations.push(...capacityViolations(model, used));
  if (model.rules)
    for (const rule of model.rules.groups) violations.push(...ruleViolations(model, rule, plan, running));
  const parts = objectiveParts(model, plan, cost, used);
  return {
    valid: violations.length === 0,
    complete: placed === m,
    placed,
    objective: parts.weighted + penalties,
    parts,
    violations,
    used,
  };
}

/**
 * Walks the plan once: checks each container's node exists and admits it, adds its demand to `used`,
 * and sums the placed containers' costs and the unplaced ones' penalties (in the model's sense).
 */
function tallyPlacements(
  model: AssignmentModel,
  plan: ArrayLike<number>,
  requireComplete: boolean,
  violations: string[],
  running?: (j: number) => boolean,
): { placed: number; cost: number; penalties: number } {
  const n = model.nodes.length;
  const m = model.items.length;
  const rules = model.rules;
  const penalty = rules?.unplacedPenalty;
  const mustPlace = requireComplete && penalty === undefined;
  const sign = senseSign(model.sense);
  let placed = 0;
  let cost = 0;
  let penalties = 0;
  for (let j = 0; j < m; j++) {
    const i = plan[j]!;
    if (i === -1) {
      if (mustPlace) violations.push(`container "${model.items[j]}" is not placed`);
      penalties += sign * (penalty?.[j] ?? 0);
      continue;
    }
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      violations.push(`container "${model.items[j]}" is on node index ${i}, which does not exist`);
      continue;
    }
    placed++;
    cost += costAt(model.cost, i, j, m);
    const blocked = rules && !running?.(j) ? blockAt(rules.blocked, i, j) : 0;
    if (blocked !== 0)
      violations.push(
        `container "${model.items[j]}" may not run on node "${model.nodes[i]}" (${BLOCK_REASONS[blocked]})`,
      );
  }
  return { placed, cost, penalties };
}

/** Largest sum of a resource's amounts that is summed in doubles (exact integers below 2^53, with room). */
const EXACT_SUM = 2 ** 52;

/** A resource's demands as doubles, when the sum of all of them (so any partial sum) is an exact integer in doubles. */
const demandDoubles = new WeakMap<ResourceTable, Float64Array | null>();

function exactDemand(r: ResourceTable): Float64Array | undefined {
  let d = demandDoubles.get(r);
  if (d === undefined) {
    d = r.perNode ? null : int64Doubles(r.demand);
    let total = 0;
    if (d) for (const v of d) total += Math.abs(v);
    if (!(total <= EXACT_SUM)) d = null;
    demandDoubles.set(r, d);
  }
  return d ?? undefined;
}

/**
 * Converts the model's demands for the verifier ahead of its first plan (some 30 ms at 150 000 containers),
 * so that it can be done while the event loop is idle, not on the turn that verifies the answer.
 */
export function prepareVerification(model: AssignmentModel): void {
  for (const r of model.resources) exactDemand(r);
}

/**
 * used[k][i]: the exact units of resource k the plan puts on node i (nodes that do not exist skipped). In
 * doubles where every sum is an exact integer (thousands of BigInt additions allocate, and a 150 000-container
 * plan took some 75 ms), else in BigInt.
 */
function usage(model: AssignmentModel, plan: ArrayLike<number>): bigint[][] {
  const n = model.nodes.length;
  const m = model.items.length;
  return model.resources.map((r) => {
    const d = exactDemand(r);
    if (d) {
      const sum = new Float64Array(n);
      for (let j = 0; j < m; j++) {
        const i = plan[j]!;
        if (Number.isInteger(i) && i >= 0 && i < n) sum[i] = sum[i]! + d[j]!;
      }
      return Array.from(sum, (v) => BigInt(v));
    }
    const used = new Array<bigint>(n).fill(0n);
    for (let j = 0; j < m; j++) {
      const i = plan[j]!;
      if (Number.isInteger(i) && i >= 0 && i < n) used[i] = used[i]! + demandUnits(r, i, j, m);
    }
    return used;
  });
}

function capacityViolations(model: AssignmentModel, used: readonly (readonly bigint[])[]): string[] {
  const out: string[] = [];
  model.resources.forEach((r, k) => {
    for (let i = 0; i < model.nodes.length; i++) {
      if (used[k]![i]! > r.capacity[i]!)
        out.push(`node "${model.nodes[i]}" is over its ${resourceNameAt(r, i)} capacity`);
    }
  });
  return out;
}

/** The objective's parts, from the plan and the exact usage. */
function objectiveParts(
  model: AssignmentModel,
  plan: ArrayLike<number>,
  cost: number,
  used: readonly (readonly bigint[])[],
): ObjectiveParts {
  const w = model.objective;
  const preferences = preferenceTerms(model, plan).reduce((t, p) => t + p.penalty, 0);
  const spread = topologyPart(model, plan);
  const soft = preferenceWeightOf(model) * preferences + (spread === undefined ? 0 : topologyWeightOf(model) * spread);
  const topology = spread === undefined ? {} : { topology: spread };
  if (!w) return { cost, balance: NaN, pack: NaN, preferences, ...topology, weighted: cost + soft };
  let balance = 0;
  for (const k of w.balanceResources) {
    const r = model.resources[k]!;
    model.nodes.forEach((_, i) => {
      const cap = r.capacity[i] ?? 0n;
      if (cap > 0n) balance = Math.max(balance, Number(used[k]![i]!) / Number(cap));
    });
  }
  const busy = new Set<number>();
  for (let j = 0; j < plan.length; j++) if (plan[j]! >= 0) busy.add(plan[j]!);
  let pack = 0;
  for (const i of busy) pack += w.price[i] ?? 0;
  const weighted = w.cost * cost + w.balance * balance + w.pack * pack + soft;
  return { cost, balance, pack, preferences, ...topology, weighted };
}

/** Whether the model has a topology part: a group with a preferred level. */
export const hasTopologyPart = (model: AssignmentModel): boolean =>
  (model.rules?.groups ?? []).some((g) => {
    const part = kindOf(g).preference;
    return part?.part === 'topology' && part.most(g) > 0;
  });

/** The topology part (models/rules/topology.ts), where some group has a preferred level; else undefined. */
export function topologyPart(model: AssignmentModel, plan: ArrayLike<number>): number | undefined {
  let out: number | undefined;
  for (const rule of model.rules?.groups ?? []) {
    const part = kindOf(rule).preference;
    if (part?.part !== 'topology' || part.most(rule) === 0) continue;
    out = (out ?? 0) + part.weight(rule) * part.violations(rule, planView(model, plan));
  }
  return out;
}

/** Whether the model has preferences: node preferences, or preference rules. */
export function hasPreferences(model: AssignmentModel): boolean {
  return (
    (model.rules?.nodePreferences?.length ?? 0) > 0 ||
    (model.rules?.groups ?? []).some((g) => {
      const part = kindOf(g).preference;
      return part !== undefined && part.part !== 'topology';
    })
  );
}

/** One preference a plan does not meet in full: how often, what one violation costs, and what they cost. */
export interface PreferenceTerm {
  readonly name: string;
  readonly violations: number;
  readonly weight: number;
  readonly penalty: number;
}

/**
 * The preferences a plan leaves unmet, each with its violations and their weighted cost: the node preferences
 * (preferred node affinity, PreferNoSchedule taints; their weight is folded in), then each preference rule.
 */
export function preferenceTerms(model: AssignmentModel, plan: ArrayLike<number>): PreferenceTerm[] {
  const out: PreferenceTerm[] = [];
  for (const pref of model.rules?.nodePreferences ?? []) {
    let penalty = 0;
    let violations = 0;
    for (let j = 0; j < plan.length; j++) {
      const i = plan[j]!;
      const p = i >= 0 && i < model.nodes.length ? keyedAt(pref.table, i, j) : 0;
      if (p > 0) [penalty, violations] = [penalty + p, violations + 1];
    }
    if (penalty > 0) out.push({ name: pref.name, violations, weight: penalty / violations, penalty });
  }
  for (const rule of model.rules?.groups ?? []) {
    const kind = kindOf(rule);
    if (!kind.preference || kind.preference.part === 'topology') continue;
    const violations = kind.preference.violations(rule, planView(model, plan));
    const weight = kind.preference.weight(rule);
    if (violations > 0) out.push({ name: rule.name, violations, weight, penalty: violations * weight });
  }
  return out;
}

/** The view of a plan the rule kinds' checks read (models/rules/kind.ts). */
function planView(model: AssignmentModel, plan: ArrayLike<number>, running?: (j: number) => boolean): PlanView {
  const n = model.nodes.length;
  return {
    model,
    plan,
    domainOf: (domains) => domainIndex(domains, n),
    at: (j, domainOf) => (plan[j]! >= 0 && plan[j]! < n ? domainOf[plan[j]!]! : -1),
    pinned: running ? (j) => isPinned(model, j) || running(j) : (j) => isPinned(model, j),
    name: (j) => `"${model.items[j]}"`,
  };
}

/** How a plan breaks one group rule, in words (empty when it holds). Unplaced containers count nowhere. */
export function ruleViolations(
  model: AssignmentModel,
  rule: GroupRule,
  plan: ArrayLike<number>,
  running?: (j: number) => boolean,
): string[] {
  return kindOf(rule).check(rule, planView(model, plan, running));
}
