import { unitsToNumber, resourceNameAt, type AssignmentModel, type TopologyTree } from '../models/model.js';
import { spans, topologyGroupsOf, type TopologyRule } from '../models/rules/topologyGroup.js';
import { relativeGap } from '../solver/bounds.js';
import { kueuePlan } from '../solver/kueue.js';
import type { PlanSummary } from '../solver/outcome.js';
import { verifyPlan } from '../solver/verify.js';
import type { PlanJson, TopologyAnswer } from './schemas.js';

/**
 * The topology part of an answer (docs/topology.md), where the input names topology levels: for the plan, the
 * seed greedy's and the Kueue-style baseline's, each group's span per level and the fragmentation per level (the
 * domains left free of any container, and the most of each resource free within one domain).
 */
export function topologyJson(
  model: AssignmentModel,
  plan: PlanSummary,
  greedy: PlanSummary,
  best: { readonly objective: number | null; readonly bound: number | null },
  planJson: (p: PlanSummary) => PlanJson,
): TopologyAnswer | undefined {
  const tree = model.topology;
  if (!tree) return undefined;
  const rules = topologyGroupsOf(model);
  const kueue = kueueSide(model, best, planJson);
  const span = (rule: TopologyRule, p: ArrayLike<number>) => groupSpan(model, tree, rule, p);
  const frag = (u: readonly (readonly bigint[])[]) => fragmentation(model, tree, u);
  return {
    levels: [...tree.labels],
    groups: rules.map((rule) => ({
      group: rule.name.replace(/^topology /, ''),
      members: rule.items.length,
      plan: span(rule, plan.assignment),
      greedy: span(rule, greedy.assignment),
      ...(kueue ? { kueue: span(rule, kueue.plan) } : {}),
    })),
    fragmentation: {
      plan: frag(plan.verification.used),
      greedy: frag(greedy.verification.used),
      ...(kueue ? { kueue: frag(kueue.used) } : {}),
    },
    ...(kueue ? { kueue: kueue.answer } : {}),
  };
}

/** A group's members placed and the domains it spans at each level. */
function groupSpan(model: AssignmentModel, tree: TopologyTree, rule: TopologyRule, plan: ArrayLike<number>) {
  const placed = rule.items.filter((j) => plan[j]! >= 0).length;
  const all = { ...rule, levels: tree.domains };
  const counts = spans(all, plan, model.nodes.length);
  return { placed, spans: Object.fromEntries(tree.labels.map((l, k) => [l, counts[k]!])) };
}

/** Per level: its domains, those no container uses, and the most of each resource free in one domain. */
function fragmentation(model: AssignmentModel, tree: TopologyTree, used: readonly (readonly bigint[])[]) {
  const n = model.nodes.length;
  const busy = new Uint8Array(n);
  for (let i = 0; i < n; i++) busy[i] = model.resources.some((_, k) => used[k]![i]! > 0n) ? 1 : 0;
  return tree.labels.map((level, l) => {
    const domains = tree.domains[l]!;
    // A Map: resource names may be Object.prototype's own keys ("constructor"), which a plain object already holds.
    const largest = new Map<string, number>();
    for (const d of domains)
      model.resources.forEach((r, k) => {
        if (r.name === 'pods') return;
        let free = 0n;
        for (const i of d) free += r.capacity[i]! - used[k]![i]!;
        const name = resourceNameAt(r, d[0]!);
        largest.set(name, Math.max(largest.get(name) ?? 0, unitsToNumber(free, r.scale)));
      });
    return {
      level,
      domains: domains.length,
      free: domains.filter((d) => d.every((i) => !busy[i])).length,
      largestFree: Object.fromEntries(largest),
    };
  });
}

/** The Kueue-style baseline, verified, with its objective and its gaps to the best plan and to the bound. */
function kueueSide(
  model: AssignmentModel,
  best: { readonly objective: number | null; readonly bound: number | null },
  planJson: (p: PlanSummary) => PlanJson,
) {
  const k = kueuePlan(model);
  if (!k) return undefined;
  const verification = verifyPlan(model, k.plan, false);
  // Never expected: its plan is the seed greedy's with Kueue's nodes kept first. Said, not hidden.
  if (!verification.valid)
    return { plan: k.plan, used: verification.used, answer: { invalid: verification.violations.slice(0, 10) } };
  const objective = verification.complete || model.rules?.unplacedPenalty ? verification.objective : null;
  const gap = (other: number | null): number | null =>
    objective === null || other === null ? null : relativeGap(objective, other);
  const answer = {
    objective,
    parts: verification.parts,
    placed: verification.placed,
    gapToBest: gap(best.objective),
    gapToBound: gap(best.bound),
    notAdmitted: k.groups.flatMap((g) =>
      g.admitted ? [] : [{ group: g.name.replace(/^topology /, ''), reason: g.reason! }],
    ),
    ...planJson({ assignment: k.plan, verification }),
  };
  return { plan: k.plan, used: verification.used, answer };
}
