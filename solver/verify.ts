import {
  BLOCK_REASONS,
  demandUnits,
  domainIndex,
  type AssignmentModel,
  type GroupRule,
  type ObjectiveParts,
  senseSign,
} from '../models/model.js';
import { maxOf, minOf } from '../models/own.js';

/**
 * The independent plan verifier. It reads only the validated model (the caller's numbers, exact) and the
 * plan, never the formulation: each container on at most one existing node (exactly one when
 * `requireComplete`, unless the model lets containers stay out), every node's capacity held for every
 * resource in exact integer arithmetic, every placement rule held (blocked pairs, anti-affinity, affinity,
 * spread, gangs), and the objective recomputed from the costs (plus the penalty of each unplaced container).
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

export function verifyPlan(model: AssignmentModel, plan: ArrayLike<number>, requireComplete: boolean): Verification {
  const n = model.nodes.length;
  const m = model.items.length;
  const violations: string[] = [];
  const used = model.resources.map(() => new Array<bigint>(n).fill(0n));
  if (plan.length !== m) {
    return {
      valid: false,
      complete: false,
      placed: 0,
      objective: NaN,
      parts: { cost: NaN, balance: NaN, pack: NaN, weighted: NaN },
      violations: [`plan has ${plan.length} entries for ${m} containers`],
      used,
    };
  }
  let placed = 0;
  let cost = 0;
  let penalties = 0;
  const rules = model.rules;
  const penalty = rules?.unplacedPenalty;
  const mustPlace = requireComplete && penalty === undefined;
  const sign = senseSign(model.sense);
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
    cost += model.cost[i * m + j]!;
    const blocked = rules?.blocked[i * m + j] ?? 0;
    if (blocked !== 0)
      violations.push(
        `container "${model.items[j]}" may not run on node "${model.nodes[i]}" (${BLOCK_REASONS[blocked]})`,
      );
    model.resources.forEach((r, k) => {
      used[k]![i]! += demandUnits(r, i, j, m);
    });
  }
  model.resources.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      if (used[k]![i]! > r.capacity[i]!) violations.push(`node "${model.nodes[i]}" is over its ${r.name} capacity`);
    }
  });
  if (rules) for (const rule of rules.groups) violations.push(...ruleViolations(model, rule, plan));
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

/** The objective's parts, from the plan and the exact usage. */
function objectiveParts(
  model: AssignmentModel,
  plan: ArrayLike<number>,
  cost: number,
  used: readonly (readonly bigint[])[],
): ObjectiveParts {
  const w = model.objective;
  if (!w) return { cost, balance: NaN, pack: NaN, weighted: cost };
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
  return { cost, balance, pack, weighted: w.cost * cost + w.balance * balance + w.pack * pack };
}

/** How many of `items` the plan puts in each domain (unplaced ones and nodes outside every domain count nowhere). */
function perDomain(
  items: readonly number[],
  plan: ArrayLike<number>,
  domainOf: Int32Array,
  domains: number,
): Int32Array {
  const counts = new Int32Array(domains);
  for (const j of items) {
    const i = plan[j]!;
    const d = i >= 0 && i < domainOf.length ? domainOf[i]! : -1;
    if (d >= 0) counts[d]!++;
  }
  return counts;
}

/** How a plan breaks one group rule, in words (empty when it holds). Unplaced containers count nowhere. */
export function ruleViolations(model: AssignmentModel, rule: GroupRule, plan: ArrayLike<number>): string[] {
  const name = (j: number): string => `"${model.items[j]}"`;
  const n = model.nodes.length;
  const domainOf = rule.kind === 'gang' || rule.kind === 'moveLimit' ? undefined : domainIndex(rule.domains, n);
  const where = (j: number): number => (plan[j]! >= 0 && plan[j]! < n ? domainOf![plan[j]!]! : -1);
  const out: string[] = [];
  switch (rule.kind) {
    case 'atMost': {
      const counts = perDomain(rule.items, plan, domainOf!, rule.domains.length);
      counts.forEach((c, d) => {
        if (c > rule.limit)
          out.push(
            `${rule.name}: ${rule.items
              .filter((j) => where(j) === d)
              .map(name)
              .join(', ')} share a domain (at most ${rule.limit})`,
          );
      });
      break;
    }
    case 'apart': {
      const a = perDomain(rule.a, plan, domainOf!, rule.domains.length);
      const b = perDomain(rule.b, plan, domainOf!, rule.domains.length);
      a.forEach((c, d) => {
        if (c > 0 && b[d]! > 0)
          out.push(
            `${rule.name}: ${name(rule.a.find((j) => where(j) === d)!)} shares ` +
              `a domain with ${name(rule.b.find((j) => where(j) === d)!)}`,
          );
      });
      break;
    }
    case 'together': {
      const counts = perDomain(rule.with, plan, domainOf!, rule.domains.length);
      const selected = new Set(rule.with);
      for (const j of rule.items) {
        if (plan[j]! < 0) continue;
        const d = where(j);
        if (d < 0 || counts[d]! - (selected.has(j) ? 1 : 0) === 0)
          out.push(`${rule.name}: ${name(j)} has no selected container in its domain`);
      }
      break;
    }
    case 'spread': {
      const counts = perDomain(rule.items, plan, domainOf!, rule.domains.length);
      const skew = maxOf(counts) - minOf(counts);
      if (skew > rule.maxSkew)
        out.push(`${rule.name}: counts per domain ${counts.join('/')} have skew ${skew} > ${rule.maxSkew}`);
      break;
    }
    case 'moveLimit': {
      const current = model.rules?.current;
      const moved = rule.items.filter((j) => plan[j]! >= 0 && plan[j] !== current?.[j]).length;
      if (moved > rule.limit) out.push(`${rule.name}: ${moved} containers moved, at most ${rule.limit}`);
      break;
    }
    case 'gang': {
      const placed = rule.items.filter((j) => plan[j]! >= 0).length;
      if (placed > 0 && placed < rule.items.length)
        out.push(`${rule.name}: ${placed} of ${rule.items.length} containers placed (all or none)`);
      break;
    }
  }
  return out;
}
