import { demandUnits, unitsToNumber, type AssignmentModel } from '../models/model.js';

/** Why no plan can place every container: each reason is a proof on its own. */
export type Reason =
  | { readonly kind: 'fits-nowhere'; readonly container: string; readonly message: string }
  | { readonly kind: 'total-demand'; readonly resource: string; readonly demand: number; readonly capacity: number; readonly message: string }
  | { readonly kind: 'solver-proof'; readonly solver: string; readonly message: string };

/** Resources whose total demand exceeds total capacity (uniform demand only: node-dependent demand has no single total). */
export function totalDemandReasons(model: AssignmentModel): Reason[] {
  const reasons: Reason[] = [];
  for (const r of model.resources) {
    if (r.perNode) continue;
    let demand = 0n;
    let capacity = 0n;
    for (const d of r.demand) demand += d;
    for (const c of r.capacity) capacity += c;
    if (demand > capacity) {
      const d = unitsToNumber(demand, r.scale);
      const c = unitsToNumber(capacity, r.scale);
      reasons.push({ kind: 'total-demand', resource: r.name, demand: d, capacity: c, message: `total ${r.name} requested (${d}) exceeds total ${r.name} capacity (${c})` });
    }
  }
  return reasons;
}

/** For containers that fit on no empty node: which resources are short, counted over nodes. */
export function fitsNowhereReasons(model: AssignmentModel, containers: readonly number[]): Reason[] {
  const n = model.nodes.length;
  const m = model.items.length;
  return containers.map((j) => {
    const short = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      for (const r of model.resources) {
        if (demandUnits(r, i, j, m) > (r.capacity[i] ?? 0n)) short.set(r.name, (short.get(r.name) ?? 0) + 1);
      }
    }
    const detail = [...short].map(([name, count]) => `${count} insufficient ${name}`).join(', ');
    const container = model.items[j] ?? String(j);
    return { kind: 'fits-nowhere', container, message: `container "${container}" fits on none of the ${n} nodes (${detail})` };
  });
}
