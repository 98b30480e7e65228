import type { AssignmentModel } from '../../models/model.js';
import type { Aggregate } from './aggregate.js';
import type { Moves, ZoneRule } from './moves.js';

/**
 * Room made by one trade between two nodes: containers on a node Y that lacks what a container of class c needs
 * and on a node X trade places (one for up to TRADE_MOST of one class), so that Y holds c after. A trade costs
 * nothing: each container may go in the other's group at no more cost, with the same domains for its zone rules;
 * every step is checked against the rules between single nodes. Used by the packing for what its counts left
 * over (pack.ts) and by the emptying of nodes (empty.ts).
 */
export interface Trades {
  readonly moves: Moves;
  readonly zones: readonly (readonly ZoneRule[])[];
  /** Per group: the least any class it may hold requests, per resource. */
  readonly least: readonly Float64Array[];
  /** When the search stops (epoch ms), checked between exchanges too. */
  readonly until: number;
  /** Whether trades look at nodes of other groups (else only at the group where room is wanted). */
  across: boolean;
  /** Whether many may leave Y for one from X, as well as one from Y for many. */
  eitherWay: boolean;
  /** Each class's usable (group, class) pairs. */
  readonly byClass: readonly (readonly Aggregate['pairs'][number][])[];
  /** What one container of class c adds to the objective on a node of group g; undefined where it may not go. */
  costAt(g: number, c: number): number | undefined;
  /** Whether node i may take part in a trade. */
  open(i: number): boolean;
  /** Whether container j may move. */
  movable(j: number): boolean;
  /**
   * Per group, the node the next search for Y starts from (absent: the group's first): it stays on the Y of the last
   * trade, which often has more to trade, and moves past the nodes that had none, so repeated searches try new ones.
   */
  readonly cursor?: Int32Array;
}

/** Per group: the least any class it may hold requests, per resource. */
export function leastByGroup(model: AssignmentModel, agg: Aggregate): Float64Array[] {
  const least = agg.groups.map(() => new Float64Array(model.resources.length).fill(Infinity));
  for (const p of agg.pairs)
    agg.classes[p.c]!.demand.forEach((x, k) => (least[p.g]![k] = Math.min(least[p.g]![k]!, x)));
  return least;
}

/**
 * The node for a container of class c from group `from`: first fit in the group where it adds least to the
 * objective (its cost and preferences there less where it was, below `below`), among those whose domains are
 * `from`'s for the class's zone rules (and not `avoid`); else room made by a trade, in those groups, least added
 * first.
 */
export function target(
  agg: Aggregate,
  state: Trades,
  c: number,
  from: number,
  below: number,
  avoid = -1,
): { node: number; delta: number } | undefined {
  // A container that requests nothing fits even a closed node: its node is not emptied.
  if (agg.classes[c]!.demand.every((d) => d === 0)) return undefined;
  const base = state.costAt(from, c) ?? 0;
  let best: { node: number; delta: number } | undefined;
  const usable: { g: number; delta: number }[] = [];
  for (const p of state.byClass[c]!) {
    if (p.g === avoid || !sameZones(agg, state, c, p.g, from)) continue;
    const delta = state.costAt(p.g, c)! - base;
    if (delta >= below) continue;
    usable.push({ g: p.g, delta });
    if (best && delta >= best.delta) continue;
    const node = state.moves.search.firstIn(p.g, c, agg.classes[c]!.demand);
    if (node >= 0) best = { node, delta };
  }
  if (best) return best;
  // No room as the nodes are: room made by a trade, cheapest group first.
  for (const { g, delta } of usable.sort((a, b) => a.delta - b.delta || a.g - b.g)) {
    const node = swapRoom(agg, state, c, g);
    if (node >= 0) return { node, delta };
  }
  return undefined;
}

/** The nodes the exchanges look at, on each side. */
const SWAP_NODES = 16;

/**
 * Room for a container of class c on a node Y of group g, made by one exchange that costs nothing: containers
 * on Y and on another node X trade places (one for up to TRADE_MOST of one class, either way), so that Y holds c
 * after. The Y are nodes of g in use where c lacks some resources; the X, in any group, those with the most of
 * those resources left. Returns Y, or −1 when no exchange among them does it.
 */
export function swapRoom(agg: Aggregate, state: Trades, c: number, g: number): number {
  const { remaining } = state.moves;
  const d = agg.classes[c]!.demand;
  const open = (i: number): boolean => state.open(i);
  const lacking = (i: number): number[] => [...d.keys()].filter((k) => remaining[k]![i]! < d[k]!);
  const least = state.least[g]!;
  // A trade can help only where what leaves Y frees what c lacks, less the least any container takes.
  const helps = (y: number, lack: readonly number[]): boolean =>
    [...byClassOn(agg, state, y)].some(([a, list]) => {
      const m = state.eitherWay ? Math.min(list.length, TRADE_MOST) : 1;
      return lack.every((k) => m * agg.classes[a]!.demand[k]! - least[k]! >= d[k]! - remaining[k]![y]!);
    });
  const nodes = agg.groups[g]!.nodes;
  const from = state.cursor?.[g] ?? 0;
  let tried = 0;
  for (let t = 0; t < nodes.length; t++) {
    const at = (from + t) % nodes.length;
    const y = nodes[at]!;
    if (!open(y)) continue;
    const lack = lacking(y);
    if (lack.length === 0 || !helps(y, lack)) continue;
    if (++tried > SWAP_NODES || Date.now() >= state.until) break;
    if (state.cursor) state.cursor[g] = at;
    for (const x of richest(agg, state, { c, lack }, y, open)) if (trade(agg, state, c, x, y)) return y;
    if (state.cursor) state.cursor[g] = (at + 1) % nodes.length;
  }
  return -1;
}

/**
 * The SWAP_NODES nodes (open, not y) with the most left of the resources c lacks, as shares of their capacity:
 * in y's group, or (across) in the groups where c itself may go (the others seldom take what c's neighbours
 * are: tainted GPU nodes).
 */
function richest(
  agg: Aggregate,
  state: Trades,
  { c, lack: resources }: { c: number; lack: readonly number[] },
  y: number,
  open: (i: number) => boolean,
): number[] {
  const { remaining } = state.moves;
  const best: { i: number; s: number }[] = [];
  agg.groups.forEach((gr, g) => {
    if (state.across ? state.costAt(g, c) === undefined : g !== agg.groupOf[y]) return;
    for (const i of gr.nodes) {
      if (i === y || !open(i)) continue;
      const s = resources.reduce((t, k) => t + (gr.capacity[k]! > 0 ? remaining[k]![i]! / gr.capacity[k]! : 0), 0);
      if (s <= 0 || (best.length === SWAP_NODES && s <= best[best.length - 1]!.s)) continue;
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s || a.i - b.i);
      if (best.length > SWAP_NODES) best.pop();
    }
  });
  return best.map((b) => b.i);
}

/** The containers on node i by class, in the order they came. */
function byClassOn(agg: Aggregate, state: Trades, i: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const j of state.moves.onNode[i]!) {
    if (!state.movable(j)) continue;
    const c = agg.classOf[j]!;
    const list = out.get(c);
    if (list) list.push(j);
    else out.set(c, [j]);
  }
  return out;
}

/** The most containers of one class that a trade gives for one. */
const TRADE_MOST = 16;

/**
 * A trade between y and x after which c fits on y: one container of a class on y for up to TRADE_MOST of one
 * class on x, or up to TRADE_MOST of a class on y for one on x. Done when it costs nothing (each class may go in
 * the other's group, with the same domains for its zone rules, at no more cost) and the rules allow it.
 */
function trade(agg: Aggregate, state: Trades, c: number, x: number, y: number): boolean {
  const { remaining } = state.moves;
  const dc = agg.classes[c]!.demand;
  const K = dc.length;
  const onX = byClassOn(agg, state, x);
  const gx = agg.groupOf[x]!;
  const gy = agg.groupOf[y]!;
  for (const [a, fromY] of byClassOn(agg, state, y)) {
    if (Date.now() >= state.until) return false;
    const da = agg.classes[a]!.demand;
    // What a's leaving frees on y at most: one of them, or as many as may trade.
    const most = state.eitherWay ? Math.min(fromY.length, TRADE_MOST) : 1;
    if (dc.some((d, k) => most * da[k]! < d - remaining[k]![y]!)) continue;
    for (const [b, fromX] of onX) {
      if (a === b || !neutral(agg, state, a, b, gx, gy)) continue;
      const db = agg.classes[b]!.demand;
      const [from, to] = tradeSizes(state, { da, db, dc }, x, y);
      const largest = Math.min(TRADE_MOST, Math.max(fromY.length, fromX.length), to);
      for (let m = Math.max(1, from); m <= largest; m++)
        for (const [na, nb] of tradeShapes(m, state.eitherWay)) {
          if (na > fromY.length || nb > fromX.length) continue;
          let fits = true;
          for (let k = 0; k < K && fits; k++) {
            const shift = na * da[k]! - nb * db[k]!;
            fits = remaining[k]![y]! + shift >= dc[k]! && remaining[k]![x]! - shift >= 0;
          }
          if (fits && exchange(agg, state, c, fromY.slice(0, na), fromX.slice(0, nb), x, y)) return true;
        }
    }
  }
  return false;
}

/**
 * The sizes m of trade (one a for m b, or m a for one b) outside of which none fits on y and x, widened by one for
 * rounding (each is checked exactly): each resource's room bounds m·d_b (or m·d_a) on both sides.
 */
function tradeSizes(
  state: Trades,
  { da, db, dc }: { da: Float64Array; db: Float64Array; dc: Float64Array },
  x: number,
  y: number,
): [number, number] {
  const r = state.moves.remaining;
  // One a for m b: da − r_x ≤ m·db ≤ r_y + da − dc; m a for one b: dc + db − r_y ≤ m·da ≤ r_x + db.
  let [oneLo, oneHi, manyLo, manyHi] = [
    -Infinity,
    Infinity,
    state.eitherWay ? -Infinity : 1,
    state.eitherWay ? Infinity : 0,
  ];
  for (let k = 0; k < dc.length; k++) {
    const [rx, ry] = [r[k]![x]!, r[k]![y]!];
    [oneLo, oneHi] = narrow(oneLo, oneHi, db[k]!, da[k]! - rx, ry + da[k]! - dc[k]!);
    if (state.eitherWay) [manyLo, manyHi] = narrow(manyLo, manyHi, da[k]!, dc[k]! + db[k]! - ry, rx + db[k]!);
  }
  return [
    Math.min(Math.ceil(oneLo) - 1, Math.ceil(manyLo) - 1),
    Math.max(Math.floor(oneHi) + 1, Math.floor(manyHi) + 1),
  ];
}

/** [lo, hi] narrowed to the m with low ≤ m·d ≤ high (empty, as lo > hi, where none). */
function narrow(lo: number, hi: number, d: number, low: number, high: number): [number, number] {
  if (d > 0) return [Math.max(lo, low / d), Math.min(hi, high / d)];
  return low > 0 || high < 0 ? [Infinity, -Infinity] : [lo, hi];
}

/** How many leave y and how many leave x in a trade of m: one for m, or either way. */
function tradeShapes(m: number, eitherWay: boolean): readonly (readonly [number, number])[] {
  if (m === 1) return [[1, 1]];
  return eitherWay
    ? [
        [1, m],
        [m, 1],
      ]
    : [[1, m]];
}

/** Whether groups g and h are in the same domain of each zone rule of class c (its counts per domain stay). */
export function sameZones(agg: Aggregate, state: Pick<Trades, 'zones'>, c: number, g: number, h: number): boolean {
  const [x, y] = [agg.groups[g]!.nodes[0]!, agg.groups[h]!.nodes[0]!];
  return state.zones[c]!.every((r) => r.topology.domainOf[x] === r.topology.domainOf[y]);
}

/** Whether a (from gy to gx) and b (from gx to gy) may trade groups at no cost and with their zone domains kept. */
function neutral(agg: Aggregate, state: Trades, a: number, b: number, gx: number, gy: number): boolean {
  if (gx === gy) return true;
  const cost = state.costAt;
  const [ax, ay, bx, by] = [cost(gx, a), cost(gy, a), cost(gx, b), cost(gy, b)];
  if (ax === undefined || ay === undefined || bx === undefined || by === undefined) return false;
  return ax <= ay && by <= bx && sameZones(agg, state, a, gx, gy) && sameZones(agg, state, b, gx, gy);
}

/** as (on y) go to x and bs (on x) to y, kept when the rules allow every step and c on y after; whether kept. */
function exchange(
  agg: Aggregate,
  state: Trades,
  c: number,
  as: readonly number[],
  bs: readonly number[],
  x: number,
  y: number,
): boolean {
  const { moves } = state;
  const a = agg.classOf[as[0]!]!;
  const b = agg.classOf[bs[0]!]!;
  for (const j of as) moves.unplace(j, a, y);
  for (const j of bs) moves.unplace(j, b, x);
  const done: [number, number, number][] = [];
  const put = (j: number, cl: number, i: number): boolean => {
    if (!moves.rules.allows(cl, i)) return false;
    moves.place(j, cl, i);
    done.push([j, cl, i]);
    return true;
  };
  if (as.every((j) => put(j, a, x)) && bs.every((j) => put(j, b, y)) && moves.rules.allows(c, y)) return true;
  for (const [j, cl, i] of done) moves.unplace(j, cl, i);
  for (const j of as) moves.place(j, a, y);
  for (const j of bs) moves.place(j, b, x);
  return false;
}
