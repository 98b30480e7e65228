import { demandUnits, fitsEmpty, unitsToNumber, type AssignmentModel } from '../models/model.js';
import type { IntegerProgram, Row } from './ip.js';

/**
 * Builds the 0-1 program
 *   min (or max) Σ_i Σ_j c_ij x_ij
 * with a variable x_ij only for the pairs where container j fits on empty node i.
 */
export function formulate(model: AssignmentModel): IntegerProgram {
  const n = model.nodes.length;
  const m = model.items.length;
  const nodes: number[] = [];
  const items: number[] = [];
  const costs: number[] = [];
  const varsOfItem: number[][] = Array.from({ length: m }, () => []);
  const varsOfNode: number[][] = Array.from({ length: n }, () => []);
  let integralCosts = true;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (!fitsEmpty(model, i, j)) continue;
      const v = nodes.length;
      const c = model.cost[i * m + j] ?? 0;
      nodes.push(i);
      items.push(j);
      costs.push(c);
      if (!Number.isInteger(c)) integralCosts = false;
      varsOfItem[j]?.push(v);
      varsOfNode[i]?.push(v);
    }
  }

  const rows: Row[] = [];
  const unplaceable: number[] = [];
  // each container on exactly one node: Σ_i x_ij = 1 for every j
  varsOfItem.forEach((vs, j) => {
    if (vs.length === 0) unplaceable.push(j);
    rows.push({ name: `assign_${j}`, kind: 'assign', op: 'eq', rhs: 1, vars: Int32Array.from(vs), coefs: new Float64Array(vs.length).fill(1) });
  });
  // capacity of node i for resource k: Σ_j r_ijk x_ij ≤ R_ik (rows that can never bind are left out)
  model.resources.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      const capacity = r.capacity[i] ?? 0n;
      const vs: number[] = [];
      const coefs: number[] = [];
      let total = 0n;
      for (const v of varsOfNode[i] ?? []) {
        const d = demandUnits(r, i, items[v] ?? 0, m);
        if (d === 0n) continue;
        total += d;
        vs.push(v);
        coefs.push(unitsToNumber(d, r.scale));
      }
      if (total <= capacity) continue;
      // Scale the row by a power of two near 1/R_ik: exact in floating point, and keeps coefficients O(1).
      const rhs = unitsToNumber(capacity, r.scale);
      const s = rhs > 0 ? 2 ** -Math.floor(Math.log2(rhs)) : 1;
      rows.push({ name: `cap_${k}_${i}`, kind: 'capacity', op: 'le', rhs: rhs * s, vars: Int32Array.from(vs), coefs: Float64Array.from(coefs, (c) => c * s) });
    }
  });
  return {
    sense: model.sense,
    n,
    m,
    varNode: Int32Array.from(nodes),
    varItem: Int32Array.from(items),
    varCost: Float64Array.from(costs),
    rows,
    unplaceable,
    integralCosts,
  };
}
