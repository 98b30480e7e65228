import { demandUnits, type AssignmentModel, type GroupRule } from '../models/model.js';
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
export function greedyPlan(model: AssignmentModel): Int32Array {
  const n = model.nodes.length;
  const m = model.items.length;
  const resources = model.resources;
  const remaining = resources.map((r) => r.capacity.slice());

  const share = new Float64Array(m);
  for (const r of resources) {
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
  const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => (share[b] ?? 0) - (share[a] ?? 0) || a - b);
  const rules = model.rules;
  const plan = new Int32Array(m).fill(-1);
  const allows = rules ? ruleCheck(model, plan) : () => true;
  if (rules) {
    // Running containers first, on their node; then the rest in dominant-share order.
    const running = order.filter((j) => rules.current[j]! >= 0);
    order.splice(0, order.length, ...running, ...order.filter((j) => rules.current[j]! < 0));
  }
  // The node with the smallest score among those where j fits (and the rules allow it); -1 if none.
  const choose = (j: number, only: number): number => {
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      if ((only >= 0 && i !== only) || !allows(j, i)) continue;
      let score = 0;
      let fits = true;
      for (let k = 0; k < resources.length; k++) {
        const r = resources[k]!;
        const d = demandUnits(r, i, j, m);
        if (d === 0n) continue;
        const left = remaining[k]![i]!;
        if (d > left) {
          fits = false;
          break;
        }
        score = Math.max(score, Number(d) / Number(left));
      }
      if (fits && score < bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  };
  for (const j of order) {
    // A running container stays if it may; otherwise (drained, evicted) it is placed like a new one.
    const stay = rules?.current[j] ?? -1;
    let best = stay >= 0 ? choose(j, stay) : -1;
    if (best < 0) best = choose(j, -1);
    if (best < 0) continue;
    plan[j] = best;
    for (let k = 0; k < resources.length; k++) {
      const left = remaining[k]!;
      left[best] = left[best]! - demandUnits(resources[k]!, best, j, m);
    }
  }
  if (rules) repair(model, plan);
  return plan;
}

/** Whether placing j on node i keeps every rule, given what `plan` has placed so far (checked in scheduler order). */
function ruleCheck(model: AssignmentModel, plan: Int32Array): (j: number, i: number) => boolean {
  const rules = model.rules!;
  const m = model.items.length;
  const byItem = new Map<number, GroupRule[]>();
  const add = (j: number, r: GroupRule): void => {
    const list = byItem.get(j);
    if (list) list.push(r);
    else byItem.set(j, [r]);
  };
  for (const r of rules.groups) {
    if (r.kind === 'apart') [...r.a, ...r.b].forEach((j) => add(j, r));
    else if (r.kind === 'together') add(r.item, r);
    else if (r.kind !== 'gang') r.items.forEach((j) => add(j, r));
  }
  const count = (items: readonly number[], d: readonly number[]): number => items.filter((p) => d.includes(plan[p]!)).length;
  return (j, i) => {
    if (rules.blocked[i * m + j] !== 0) return false;
    for (const r of byItem.get(j) ?? []) {
      if (r.kind === 'gang') continue;
      const d = r.kind === 'moveLimit' ? undefined : r.domains.find((x) => x.includes(i));
      switch (r.kind) {
        case 'atMost':
          if (d && count(r.items, d) + 1 > r.limit) return false;
          break;
        case 'apart':
          if (d && count(r.a.includes(j) ? r.b : r.a, d) > 0) return false;
          break;
        case 'together': {
          if (!d) return false;
          if (count(r.with, d) > 0) break;
          // The first of a self-selecting group may go anywhere, as in the scheduler.
          const anywhere = r.with.some((p) => plan[p]! >= 0);
          const selfGroup = rules.groups.some((g) => g.kind === 'together' && g.with.includes(j) && r.with.includes(g.item));
          if (anywhere || !selfGroup) return false;
          break;
        }
        case 'moveLimit': {
          const moved = (p: number): boolean => plan[p]! >= 0 && plan[p] !== rules.current[p];
          if (i !== rules.current[j] && r.items.filter(moved).length >= r.limit) return false;
          break;
        }
        case 'spread': {
          if (!d) break;
          const counts = r.domains.map((x) => count(r.items, x));
          if (count(r.items, d) + 1 - Math.min(...counts) > r.maxSkew) return false;
          break;
        }
      }
    }
    return true;
  };
}

/** Takes containers out until every group rule holds: lone affinity partners, partial gangs, skew left behind. */
function repair(model: AssignmentModel, plan: Int32Array): void {
  const groups = model.rules!.groups;
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of groups) {
      if (ruleViolations(model, r, plan).length === 0) continue;
      changed = true;
      if (r.kind === 'together') plan[r.item] = -1;
      else if (r.kind === 'gang') for (const j of r.items) plan[j] = -1;
      else if (r.kind === 'spread') {
        const counts = r.domains.map((d) => r.items.filter((p) => d.includes(plan[p]!)));
        const fullest = counts.reduce((a, b) => (b.length > a.length ? b : a));
        plan[fullest[fullest.length - 1]!] = -1;
      } else throw new Error(`internal error: the greedy broke ${r.name}`);
    }
  }
}
