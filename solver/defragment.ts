import { blockOf, demandUnits, domainIndex, isPinned, type AssignmentModel } from '../models/model.js';
import type { KeepFreeRule } from '../models/rules/keepFree.js';
import { topologyGroupsOf } from '../models/rules/topologyGroup.js';
import { kueuePlan } from './kueue.js';
import { verifyPlan } from './verify.js';

/**
 * Frees domains of the keepFree level (options.topology.keepFree) in a verified plan: domains with no pinned
 * container and no member of a topology-aware group are emptied one at a time, fewest containers first, each
 * container to the first node of a domain in use where it fits; a change is kept when the whole plan still
 * verifies and its objective is lower. Stops at `deadline` (epoch ms). Returns the plan (a copy when changed).
 */
export function freeDomains(
  model: AssignmentModel,
  start: Int32Array,
  rule: KeepFreeRule,
  deadline: number,
): Int32Array {
  const n = model.nodes.length;
  const m = model.items.length;
  const domainOf = domainIndex(rule.domains, n);
  const fixed = new Uint8Array(rule.domains.length);
  const grouped = new Set(topologyGroupsOf(model).flatMap((r) => r.items));
  let plan = start;
  let objective = verifyPlan(model, plan, true).objective;
  const inDomain = rule.domains.map(() => [] as number[]);
  for (let j = 0; j < m; j++) {
    const d = plan[j]! >= 0 ? domainOf[plan[j]!]! : -1;
    if (d < 0) continue;
    inDomain[d]!.push(j);
    if (isPinned(model, j) || grouped.has(j)) fixed[d] = 1;
  }
  const used = (d: number): boolean => inDomain[d]!.length > 0;
  const candidates = inDomain.flatMap((list, d) => (list.length > 0 && !fixed[d] ? [d] : []));
  candidates.sort((a, b) => inDomain[a]!.length - inDomain[b]!.length);
  for (const d of candidates) {
    if (Date.now() > deadline) break;
    const trial = emptied(
      model,
      plan,
      inDomain[d]!,
      (i) => domainOf[i]! !== d && domainOf[i]! >= 0 && used(domainOf[i]!),
    );
    if (!trial) continue;
    const v = verifyPlan(model, trial, true);
    if (!v.valid || v.objective >= objective) continue;
    for (const j of inDomain[d]!) inDomain[domainOf[trial[j]!]!]!.push(j);
    inDomain[d] = [];
    [plan, objective] = [trial, v.objective];
  }
  return plan;
}

/**
 * Kueue-style plans that keep domains of one level (`domains`: keepFree's, or the level above the hosts) free of
 * group members: the domains without a pinned container are spared, and given back one at a time, the largest
 * first; every plan that admits as many groups as the unrestricted Kueue-style plan (`admitted`) is kept. Sparing
 * changes where Kueue's BestFit descent lands, so these are also a family of starts for the fewest spans
 * (docs/topology.md). The fewest domains given back that admit as many groups come first (a binary search), then
 * the others. Stops at `deadline` (epoch ms).
 */
export function sparingPlans(
  model: AssignmentModel,
  domains: readonly (readonly number[])[],
  admitted: number,
  deadline: number,
): Int32Array[] {
  const n = model.nodes.length;
  const domainOf = domainIndex(domains, n);
  const pinnedIn = new Uint8Array(domains.length);
  const pin = model.rules?.blocked.pinnedTo;
  if (pin) for (const i of pin) if (i >= 0 && domainOf[i]! >= 0) pinnedIn[domainOf[i]!] = 1;
  const size = (d: number): number => domains[d]!.length;
  const spared = domains.flatMap((_, d) => (pinnedIn[d] ? [] : [d])).sort((a, b) => size(b) - size(a));
  const tried = new Map<number, Int32Array | undefined>();
  const admits = (given: number): Int32Array | undefined => {
    if (tried.has(given)) return tried.get(given);
    const spare = new Uint8Array(n);
    for (const d of spared.slice(given)) for (const i of domains[d]!) spare[i] = 1;
    const k = kueuePlan(model, spare);
    const plan = k && k.groups.filter((g) => g.admitted).length >= admitted ? k.plan : undefined;
    tried.set(given, plan);
    return plan;
  };
  // The fewest domains given back that admit as many groups, found first (admission grows with the domains given
  // back, as a rule): where time is short (4 096 nodes, 256 racks) that start spares the most. Then every other
  // count, upwards from there, then below it.
  let [lo, hi] = [0, spared.length];
  while (lo < hi && Date.now() < deadline) {
    const mid = (lo + hi) >> 1;
    if (admits(mid)) hi = mid;
    else lo = mid + 1;
  }
  const order = [...range(lo, spared.length), ...range(0, lo).reverse()];
  for (const given of order) {
    if (Date.now() >= deadline) break;
    admits(given);
  }
  return order.flatMap((given) => {
    const plan = tried.get(given);
    return plan ? [plan] : [];
  });
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from) }, (_, x) => from + x);

/** The plan with `movers` on the first nodes `allowed` where they fit (and no rule blocks them), else undefined. */
function emptied(
  model: AssignmentModel,
  plan: Int32Array,
  movers: readonly number[],
  allowed: (i: number) => boolean,
): Int32Array | undefined {
  const m = model.items.length;
  const n = model.nodes.length;
  const left = model.resources.map((r) => r.capacity.slice());
  for (let j = 0; j < m; j++)
    if (plan[j]! >= 0) model.resources.forEach((r, k) => (left[k]![plan[j]!]! -= demandUnits(r, plan[j]!, j, m)));
  const trial = plan.slice();
  for (const j of movers) {
    const from = plan[j]!;
    model.resources.forEach((r, k) => (left[k]![from]! += demandUnits(r, from, j, m)));
    let to = -1;
    for (let i = 0; i < n && to < 0; i++)
      if (
        allowed(i) &&
        blockOf(model, i, j) === 0 &&
        model.resources.every((r, k) => demandUnits(r, i, j, m) <= left[k]![i]!)
      )
        to = i;
    if (to < 0) return undefined;
    model.resources.forEach((r, k) => (left[k]![to]! -= demandUnits(r, to, j, m)));
    trial[j] = to;
  }
  return trial;
}
