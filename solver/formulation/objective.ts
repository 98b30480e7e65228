import { demandUnits, unitsToNumber, type ResourceTable } from '../../models/model.js';
import type { ProgramBuilder, Terms } from './builder.js';
import { rowScale } from '../ip.js';

/**
 * The rows of the balance and pack objectives:
 * - balance: a continuous U in [0, 1] with Σ_c (r_ck / R_ik) y_ic ≤ U for every node i and levelled
 *   resource k; U costs the balance weight;
 * - pack: a binary u_i per node, costing pack weight × price_i, with Σ_c y_ic ≤ (Σ upper) u_i and every
 *   capacity row repeated as Σ_c r_ick y_ic ≤ R_ik u_i (the bin-packing linking, whose LP bound is the
 *   total demand over capacity).
 */
export function objectiveRows(b: ProgramBuilder): void {
  const w = b.model.objective;
  if (!w) return;
  if (w.balance > 0) balanceRows(b, w.balance, w.balanceResources);
  if (w.pack > 0) packRows(b, w.pack, w.price);
}

/** Node i's demand of resource r as (variable, units) terms, the variables that demand nothing left out. */
function demandTerms(b: ProgramBuilder, r: ResourceTable, i: number): [number, number][] {
  const m = b.model.items.length;
  const terms: [number, number][] = [];
  for (const v of b.varsOfNode[i]!) {
    const d = demandUnits(r, i, b.memberOf(v), m);
    if (d !== 0n) terms.push([v, unitsToNumber(d, r.scale)]);
  }
  return terms;
}

function balanceRows(b: ProgramBuilder, weight: number, resources: readonly number[]): void {
  const u = b.newAux(1, (v) => ({ v, kind: 'utilisation' }), weight, true);
  for (const k of resources) {
    const r = b.model.resources[k]!;
    b.model.nodes.forEach((_, i) => {
      const cap = unitsToNumber(r.capacity[i] ?? 0n, r.scale);
      if (cap <= 0) return;
      const terms = demandTerms(b, r, i);
      if (terms.length === 0) return;
      const scaled: Terms = [...terms.map(([v, c]): [number, number] => [v, c / cap]), [u, -1]];
      b.row(`bal_${k}_${i}`, 'balance', 'le', 0, scaled);
    });
  }
}

function packRows(b: ProgramBuilder, weight: number, price: readonly number[]): void {
  b.model.nodes.forEach((_, i) => {
    const vs = b.varsOfNode[i]!;
    if (vs.length === 0) return;
    const used = b.newAux(1, (v) => ({ v, kind: 'used', node: i }), weight * (price[i] ?? 1));
    const most = vs.reduce((t, v) => t + b.varUpper[v]!, 0);
    b.row(`used_${i}`, 'pack', 'le', 0, [...vs.map((v): [number, number] => [v, 1]), [used, -most]]);
    b.model.resources.forEach((r, k) => {
      const terms = demandTerms(b, r, i);
      if (terms.length === 0) return;
      const cap = unitsToNumber(r.capacity[i] ?? 0n, r.scale);
      // Scaled as a capacity row: exact in floating point, and keeps coefficients O(1).
      const s = rowScale(cap);
      b.row(`link_${k}_${i}`, 'pack', 'le', 0, [
        ...terms.map(([v, c]): [number, number] => [v, c * s]),
        [used, -cap * s],
      ]);
    });
  });
}
