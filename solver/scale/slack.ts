import type { HeldProgram } from '../backends/engine.js';
import type { Aggregate } from './aggregate.js';
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
/**
 * Where nothing comes after the LPs for stranded room (the cost objective, when the branch and bound would not
 * have its time), the trials go on at these factors until the time is up: the LP's optimal vertices pack
 * differently (seed 1, 25 s in-process: from 3 315.2 to 3 326.5 among the first four trials), and more of them is
 * more chances.
 */
const MORE_FACTORS = [0.8, 0.95, 0.6, 0.85, 0.75, 0.5, 0.65, 0.55];
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
 * Runs the trials on the LP model `lp` (the aggregate's relaxation, solved: x and its row duals): each resource's
 * full rows shrunk in turn (cheapest rows first) by each factor (MORE_FACTORS where `more`), until `until` (where
 * `more`, a trial starts only with the time of the longest one so far left: its packing cannot be stopped); each
 * trial's counts are given to `pack`. The model is left as it was.
 */
export function slackTrials(
  lp: HeldProgram,
  prog: ScaleProgram,
  x: Float64Array,
  dual: Float64Array,
  until: number,
  pack: (x: Float64Array) => void,
  more = false,
): number {
  const rows = capacityRows(prog);
  const full = rows.filter((r) => isFull(prog, r, x));
  const resources = [...new Set(full.map((r) => r.resource))];
  const price = (k: number): number =>
    full.filter((r) => r.resource === k).reduce((t, r) => t + Math.abs(dual[r.row] ?? 0), 0);
  resources.sort((a, b) => price(a) - price(b) || a - b);
  let trials = 0;
  let longest = 0;
  // Each resource at both factors first; the factors of MORE_FACTORS each over every resource in turn.
  const order = more
    ? MORE_FACTORS.flatMap((f) => resources.map((k) => [k, f] as const))
    : resources.flatMap((k) => FACTORS.map((f) => [k, f] as const));
  for (const [k, f] of order) {
    const t = Date.now();
    // The first trials run while `until` is not past, as they always did (pack's patterns and emptying follow, and
    // with fewer trials live pack lost 0.42 → 0.70%); the later ones only with the longest one's time left.
    if (t + (more ? longest : 0) >= until) return trials;
    const shrunk = full.filter((r) => r.resource === k);
    for (const r of shrunk) scale(lp, r, f);
    const solved = lp.solve({ timeLimitMs: until - Date.now() });
    const counts = solved.status === 'optimal' ? solved.x : undefined;
    for (const r of shrunk) scale(lp, r, 1);
    trials++;
    if (counts) pack(counts);
    longest = Math.max(longest, Date.now() - t);
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

/** What the row's containers take of its resource under the values x (its z_g term left out). */
function rowLoad(prog: ScaleProgram, r: CapacityRow, x: ArrayLike<number>): number {
  const row = prog.rows[r.row]!;
  let load = 0;
  row.vars.forEach((v, t) => {
    if (v !== r.used) load += row.coefs[t]! * (x[v] ?? 0);
  });
  return load;
}

/** Whether the row's containers take at least FULL of its room in the LP solution x. */
function isFull(prog: ScaleProgram, r: CapacityRow, x: Float64Array): boolean {
  const room = r.used >= 0 ? -r.coef * (x[r.used] ?? 0) : r.rhs;
  return room > 0 && rowLoad(prog, r, x) >= FULL * room;
}

/** The row's room set to `f` of the real one. */
function scale(lp: HeldProgram, r: CapacityRow, f: number): void {
  if (r.used >= 0) lp.setCoefficient(r.row, r.used, r.coef * f);
  else lp.setRowBounds(r.row, -Infinity, r.rhs * f);
}

/**
 * Counts that pack, by the packing's own measure. A group's counts fill it on two or three resources at once (cpu
 * and pod slots, typically), and the packing strands room on every node: what the counts asked of a group and its
 * nodes did not take goes elsewhere at whatever the packing finds. Here each group's capacity rows are shrunk by
 * that deficit (times each of FEEDBACK_FACTORS) and the LP solved again, so that the LP, at least cost, chooses
 * what goes elsewhere; its counts are packed. Measured through the service on the scale suite at 5 000 x 150 000,
 * 30 s, the cost objective, seeds 42, 1, 2, 3 and 4: gaps 0.132, 0.172, 0.207, 0.120 and 0.112% against 0.132,
 * 0.174, 0.207, 0.158 and 0.112% without (in-process seed 2 reached 0.177%: which of the LP's optimal vertices
 * HiGHS returns, and so the counts, varies with the run). Of the factors tried in-process, 1 was best and 1.5
 * next; 0.5 and 0.75 strand more again, 2 and 3 move too much. The pack objective's rooms are z_g x
 * capacity (left to the patterns): nothing changes there, and no LP is solved. Returns the LPs solved.
 */
const FEEDBACK_FACTORS = [1, 1.5];
/**
 * Then a search from the best packing so far: what it stranded is taken off as well, times each of these in turn,
 * and a packing that verifies better becomes the best. Taking it off cumulatively from the last packing (as before,
 * six rounds) made every round after the second worse (seed 1, 25 s in-process: 3 316.4, then 3 318.0 rising to
 * 3 324.8).
 */
const SEARCH_STEPS = [1, 0.5, 2, 0.25];

/** A packing of counts: the counts, the plan, and its verified objective (Infinity where it did not verify). */
export interface Packed {
  readonly counts: ArrayLike<number>;
  readonly plan: Int32Array;
  readonly objective: number;
}

export function feedbackTrials(
  lp: HeldProgram,
  prog: ScaleProgram,
  agg: Aggregate,
  start: Packed,
  until: number,
  pack: (x: Float64Array) => Packed,
): number {
  const rows = capacityRows(prog).filter((r) => r.used < 0);
  const deficit = deficits(prog, agg, rows, start.counts, start.plan);
  if (!deficit.some((d) => d > 0)) return 0;
  let solves = 0;
  let cycle = 0;
  const solveWith = (taken: readonly number[]): Packed | undefined => {
    const t = Date.now();
    rows.forEach((r, i) => lp.setRowBounds(r.row, -Infinity, r.rhs - taken[i]!));
    const solved = lp.solve({ timeLimitMs: until - Date.now() });
    solves++;
    const got = solved.status === 'optimal' && solved.x ? pack(solved.x) : undefined;
    cycle = Math.max(cycle, Date.now() - t);
    return got;
  };
  try {
    let best: { taken: number[]; got: Packed } | undefined;
    for (const f of FEEDBACK_FACTORS) {
      if (Date.now() >= until) break;
      const taken = deficit.map((d) => f * d);
      const got = solveWith(taken);
      if (got && (!best || got.objective < best.got.objective)) best = { taken, got };
    }
    // A packing cannot be stopped: a round starts only with a round's time left.
    for (let step = 0, stale = 0; best && stale < SEARCH_STEPS.length && Date.now() + cycle < until; step++) {
      const more = deficits(prog, agg, rows, best.got.counts, best.got.plan);
      if (!more.some((d) => d > 0)) break;
      const f = SEARCH_STEPS[step % SEARCH_STEPS.length]!;
      const taken = best.taken.map((d, i) => d + f * more[i]!);
      const got = solveWith(taken);
      stale++;
      if (got && got.objective < best.got.objective) [best, stale] = [{ taken, got }, 0];
    }
  } finally {
    for (const r of rows) lp.setRowBounds(r.row, -Infinity, r.rhs);
  }
  return solves;
}

/** Per capacity row: what the counts ask of its group's resource and the plan does not put on the group's nodes. */
function deficits(
  prog: ScaleProgram,
  agg: Aggregate,
  rows: readonly CapacityRow[],
  counts: ArrayLike<number>,
  plan: Int32Array,
): number[] {
  const placed = new Float64Array(agg.pairs.length);
  for (let j = 0; j < plan.length; j++) {
    const i = plan[j]!;
    const v = i < 0 ? -1 : agg.pairAt(agg.groupOf[i]!, agg.classOf[j]!);
    if (v >= 0) placed[v]!++;
  }
  // The variables of pairs come first: `placed` is indexed as the program's variables.
  return rows.map((r) => Math.max(0, rowLoad(prog, r, counts) - rowLoad(prog, r, placed)));
}
