import { domainIndex, topologyWeightOf, type AssignmentModel } from '../models/model.js';
import { keepFreeRuleOf } from '../models/rules/keepFree.js';
import { forEachCost } from '../models/pairs.js';
import { leastSpread, topologyGroupsOf } from '../models/rules/topologyGroup.js';

/**
 * A lower bound of the objective for models with topology-aware groups, cheap at any size: each whole group is
 * either placed, when its spans add at least leastSpread (the fewest domains that hold it, level by level) times
 * the topology weight, or left out, when its members' unplaced penalties are paid; every other part is at least
 * its most negative costs (0 for costs that are scores, moves or prices). With keepFree, the domains of its level
 * that hold a pinned container are in use in any plan. Valid because the topology part and
 * the penalties of distinct groups add up, and the rest (preferences, balance, pack: never negative) is bounded
 * term by term. Undefined where no group is whole.
 */
export function topologyBound(model: AssignmentModel): number | undefined {
  if (model.kind !== 'snapshot' || model.sense !== 'min') return undefined;
  const weight = topologyWeightOf(model);
  const penalty = model.rules?.unplacedPenalty;
  let bound = 0;
  let any = false;
  for (const rule of topologyGroupsOf(model)) {
    if (!rule.whole) continue;
    const spread = leastSpread(rule, model);
    const out = penalty ? rule.items.reduce((t, j) => t + penalty[j]!, 0) : Infinity;
    const placed = spread === undefined ? Infinity : weight * spread;
    if (!Number.isFinite(Math.min(out, placed))) return undefined;
    bound += Math.min(out, placed);
    any = true;
  }
  const free = keepFreeRuleOf(model);
  if (free) {
    // Domains of the keepFree level that hold a pinned container are in use in every plan.
    const domainOf = domainIndex(free.domains, model.nodes.length);
    const used = new Set<number>();
    for (let j = 0; j < model.items.length; j++) {
      const at = model.rules!.blocked.pinnedTo?.[j] ?? -1;
      if (at >= 0 && domainOf[at]! >= 0) used.add(domainOf[at]!);
    }
    bound += weight * free.weight * used.size;
    any = true;
  }
  if (!any) return undefined;
  const costWeight = model.objective?.cost ?? 1;
  let negative = 0;
  forEachCost(model.cost, model.nodes.length, model.items.length, (_j, c) => {
    if (c < 0) negative = Math.min(negative, c);
  });
  // Each container pays at most its most negative cost: m times the most negative one bounds them all.
  return bound + costWeight * negative * model.items.length;
}
