import type { HeldProgram } from '../backends/engine.js';
import type { ScaleProgram } from './program.js';

/**
 * Counts that leave room. The aggregate LP is degenerate: of its optimal vertices, the one HiGHS returns
 * often fills a group on a resource whose row has no price (the pod slots, typically) as well as on those
 * that bind, and counts full on three resources at once do not pack onto nodes. The same LP with the
 * rows of one resource that are full shrunk (to 90%, then 70%) usually keeps its value and gives counts
 * with room on that resource, which pack far better. Measured on the scale suite (seed 42, most room):
 * 5 000 × 150 000 pack 4750.59 against 4765.71 from the first counts; cost 3333.42 against 3347.95.
 * These LPs only guide the packing: nothing from them is a bound.
 */
const FACTORS = [0.9, 0.7];
/** A capacity row is full at this share of its room. */
const FULL = 0.99;

interface CapacityRow {
  readonly row: number;
  readonly resource: number;
  /** The z_g column for pack (its coefficient is −capacity), −1 where the room is the row's bound. */
  readonly used: number;
  readonly coef: number;
  readonly rhs: number;
}

/**
 * Runs the trials on the LP model `lp` (the aggregate's relaxation, solved: x and its row duals), each
 * resource's full rows shrunk in turn, cheapest rows first, until `until`; each trial's counts are given
 * to `pack`. The model is left as it was.
 */
export function slackTrials(
  lp: HeldProgram,
  prog: ScaleProgram,
  x: Float64Array,
  dual: Float64Array,
  until: number,
  pack: (x: Float64Array) => void,
): number {
  const rows = capacityRows(prog);
  const full = rows.filter((r) => isFull(prog, r, x));
  const resources = [...new Set(full.map((r) => r.resource))];
  const price = (k: number): number =>
    full.filter((r) => r.resource === k).reduce((t, r) => t + Math.abs(dual[r.row] ?? 0), 0);
  resources.sort((a, b) => price(a) - price(b) || a - b);
  let trials = 0;
  for (const k of resources)
    for (const f of FACTORS) {
      if (Date.now() >= until) return trials;
      const shrunk = full.filter((r) => r.resource === k);
      for (const r of shrunk) scale(lp, r, f);
      const solved = lp.solve({ timeLimitMs: until - Date.now() });
      const counts = solved.status === 'optimal' ? solved.x : undefined;
      for (const r of shrunk) scale(lp, r, 1);
      trials++;
      if (counts) pack(counts);
    }
  return trials;
}

/** The capacity rows (`cap<g>_<k>`) of the program. */
function capacityRows(prog: ScaleProgram): CapacityRow[] {
  const out: CapacityRow[] = [];
  prog.rows.forEach((r, row) => {
    const m = /^cap(\d+)_(\d+)$/.exec(r.name);
    if (!m) return;
    const used = prog.used[Number(m[1])] ?? -1;
    const t = used >= 0 ? r.vars.indexOf(used) : -1;
    out.push({ row, resource: Number(m[2]), used: t >= 0 ? used : -1, coef: t >= 0 ? r.coefs[t]! : 0, rhs: r.rhs });
  });
  return out;
}

/** Whether the row's containers take at least FULL of its room in the LP solution x. */
function isFull(prog: ScaleProgram, r: CapacityRow, x: Float64Array): boolean {
  const row = prog.rows[r.row]!;
  let load = 0;
  row.vars.forEach((v, t) => {
    if (v !== r.used) load += row.coefs[t]! * (x[v] ?? 0);
  });
  const room = r.used >= 0 ? -r.coef * (x[r.used] ?? 0) : r.rhs;
  return room > 0 && load >= FULL * room;
}

/** The row's room set to `f` of the real one. */
function scale(lp: HeldProgram, r: CapacityRow, f: number): void {
  if (r.used >= 0) lp.setCoefficient(r.row, r.used, r.coef * f);
  else lp.setRowBounds(r.row, -Infinity, r.rhs * f);
}
