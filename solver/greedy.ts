import { demandUnits, type AssignmentModel } from '../models/model.js';

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

  const plan = new Int32Array(m).fill(-1);
  for (const j of order) {
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
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
    if (best < 0) continue;
    plan[j] = best;
    for (let k = 0; k < resources.length; k++) {
      const left = remaining[k]!;
      left[best] = left[best]! - demandUnits(resources[k]!, best, j, m);
    }
  }
  return plan;
}
