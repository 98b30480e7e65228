import { domainIndex, topologyWeightOf, type AssignmentModel, type Domains } from '../models/model.js';
import { keepFreeRuleOf } from '../models/rules/keepFree.js';
import { forEachCost } from '../models/pairs.js';
import { leastSpread, topologyGroupsOf } from '../models/rules/topologyGroup.js';

/**
 * A lower bound of the objective for models with topology-aware groups, cheap at any size. A plan either places
 * every container, or leaves one out and pays at least the least unplaced penalty. One that places every container
 * places each group whole, whose spans add at least leastSpread (the fewest domains that hold it, level by level,
 * beside the pinned containers) times the topology weight; with keepFree, the domains of its level that hold a
 * pinned container are in use. Every other part is at least its most negative costs (0 for costs that are scores,
 * moves or prices; preferences, balance and pack are never negative). The bound is the lesser of the two cases.
 */
export function topologyBound(model: AssignmentModel): number | undefined {
  if (model.kind !== 'snapshot' || model.sense !== 'min') return undefined;
  const rules = topologyGroupsOf(model);
  const free = keepFreeRuleOf(model);
  if (rules.length === 0 && !free) return undefined;
  const weight = topologyWeightOf(model);
  let complete = 0;
  for (const rule of rules) {
    const spread = leastSpread(rule, model);
    complete += spread === undefined ? Infinity : weight * spread;
  }
  if (free) complete += weight * free.weight * pinnedDomains(model, free.domains);
  const penalty = model.rules?.unplacedPenalty;
  const incomplete = penalty ? penalty.reduce((x, p) => Math.min(x, p), Infinity) : Infinity;
  const bound = Math.min(complete, incomplete);
  if (!Number.isFinite(bound)) return undefined;
  const costWeight = model.objective?.cost ?? 1;
  let negative = 0;
  forEachCost(model.cost, model.nodes.length, model.items.length, (_j, c) => {
    if (c < 0) negative = Math.min(negative, c);
  });
  // Each container pays at most its most negative cost: m times the most negative one bounds them all.
  return bound + costWeight * negative * model.items.length;
}

/** The domains that hold a pinned container. */
function pinnedDomains(model: AssignmentModel, domains: Domains): number {
  const domainOf = domainIndex(domains, model.nodes.length);
  const used = new Set<number>();
  const pin = model.rules?.blocked.pinnedTo;
  if (pin) for (const at of pin) if (at >= 0 && domainOf[at]! >= 0) used.add(domainOf[at]!);
  return used.size;
}
