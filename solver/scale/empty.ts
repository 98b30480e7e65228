import { int64Doubles, preferenceWeightOf, type AssignmentModel } from '../../models/model.js';
import { NodeSearch } from '../node-search.js';
import { kindOf } from '../../models/rules/registry.js';
import type { Aggregate } from './aggregate.js';
import { largestShare, movesOn, NodeRules, pairsByClass, zoneRulesByClass, type Moves, type ZoneRule } from './pack.js';

/**
 * For `pack`: a plan improved by emptying nodes. The nodes in use are taken least loaded first; each one's
 * containers move, largest first, onto other nodes already in use, first fit in the group where the move costs
 * least, and the node is left empty when all of them found room and what they add to the objective is less
 * than its price. Moves stay within the groups whose domains are the node's for every zone rule of the class
 * (so the rows on domain counts hold as they did) and are checked against the rules between single nodes;
 * containers that stay pinned are not moved, nor are their nodes emptied, nor those that run now unless moves
 * cost nothing (movesFree). The caller verifies.
 * Returns the improved plan, or undefined when no node was emptied.
 */
export function emptyNodes(
  model: AssignmentModel,
  agg: Aggregate,
  start: Int32Array,
  until: number,
): { plan: Int32Array; emptied: number } | undefined {
  const w = model.objective;
  if (!w || w.pack <= 0 || w.balance > 0) return undefined;
  const state = stateOf(model, agg, start, until);
  const { moves, plan } = state;
  let emptied = 0;
  // Trades within a group first (few nodes to look at), then across groups, from where the first pass ended.
  for (const across of [false, true]) {
    state.across = across;
    const stuck = new Set<number>();
    for (const i of lightestFirst(model, agg, state)) {
      if (Date.now() >= until) break;
      if (moves.onNode[i]!.length > 0 && emptyOne(model, agg, state, i, stuck)) emptied++;
    }
  }
  return emptied > 0 ? { plan, emptied } : undefined;
}

interface State {
  readonly plan: Int32Array;
  readonly moves: Moves;
  readonly byClass: readonly (readonly Aggregate['pairs'][number][])[];
  readonly zones: readonly (readonly ZoneRule[])[];
  /** Per node: whether something on it may not move (pinned, or running where moves are not free: movesFree). */
  readonly fixed: Uint8Array;
  /** Per group: the least any class it may hold requests, per resource. */
  readonly least: readonly Float64Array[];
  /** When the search stops (epoch ms), checked between exchanges too. */
  readonly until: number;
  /** Whether trades look at nodes of other groups (else only at the group where room is wanted). */
  across: boolean;
  /** What one container of class c adds to the objective on a node of group g; undefined where it may not go. */
  readonly costAt: (g: number, c: number) => number | undefined;
}

/** The plan's packing state; nodes not in use are closed (no room), so moves only go where a node is paid for. */
function stateOf(model: AssignmentModel, agg: Aggregate, start: Int32Array, until: number): State {
  const remaining = model.resources.map((r) => int64Doubles(r.capacity));
  const rules = new NodeRules(model, agg);
  const search = new NodeSearch(remaining, rules, model.nodes.length);
  const plan = new Int32Array(model.items.length).fill(-1);
  const onNode: number[][] = model.nodes.map(() => []);
  const moves = movesOn(agg, plan, onNode, remaining, rules, search);
  const fixed = new Uint8Array(model.nodes.length);
  // Running containers move freely where moves cost nothing (no cost part) and no rule counts them.
  const current = movesFree(model) ? undefined : model.rules?.current;
  start.forEach((i, j) => {
    if (i < 0) return;
    const c = agg.classOf[j]!;
    moves.place(j, c, i);
    if (agg.classes[c]!.pinned || (current && current[j]! >= 0)) fixed[i] = 1;
  });
  for (let i = 0; i < model.nodes.length; i++) if (onNode[i]!.length === 0) close(moves, i);
  const least = agg.groups.map(() => new Float64Array(model.resources.length).fill(Infinity));
  for (const p of agg.pairs)
    agg.classes[p.c]!.demand.forEach((x, k) => (least[p.g]![k] = Math.min(least[p.g]![k]!, x)));
  const w = model.objective!;
  const soft = preferenceWeightOf(model);
  const costAt = (g: number, c: number): number | undefined => {
    const v = agg.pairAt(g, c);
    return v < 0 ? undefined : w.cost * agg.pairs[v]!.cost + soft * agg.pairs[v]!.prefer;
  };
  const byClass = pairsByClass(agg);
  return { plan, moves, byClass, zones: zoneRulesByClass(agg), fixed, least, until, across: false, costAt };
}

/** Whether moving a running container changes nothing but room: no cost part (moves are paid there), no move limit. */
const movesFree = (model: AssignmentModel): boolean =>
  model.objective?.cost === 0 && !(model.rules?.groups ?? []).some((r) => kindOf(r).countsMoves);

/** No room on node i (the search skips it). */
function close(moves: Moves, i: number): void {
  for (const r of moves.remaining) r[i] = -Infinity;
  moves.search.take(i);
}

/** Whether node i was closed (not in use, or being emptied). */
const closed = (moves: Moves, i: number): boolean => moves.remaining[0]![i] === -Infinity;

/** The nodes in use that may be emptied, least loaded first (the largest share of any resource), ties by index. */
function lightestFirst(model: AssignmentModel, agg: Aggregate, state: State): number[] {
  const load = new Float64Array(model.nodes.length);
  const out: number[] = [];
  model.nodes.forEach((_, i) => {
    if (state.fixed[i] || state.moves.onNode[i]!.length === 0) return;
    const cap = agg.groups[agg.groupOf[i]!]!.capacity;
    load[i] = state.moves.remaining.reduce(
      (most, r, k) => (cap[k]! > 0 ? Math.max(most, 1 - r[i]! / cap[k]!) : most),
      0,
    );
    out.push(i);
  });
  return out.sort((a, b) => load[a]! - load[b]! || a - b);
}

/**
 * Empties node i when every container on it finds room elsewhere at a cost below the node's price; else every
 * move is taken back. `stuck`: classes that found no room before, even by a trade (rooms mostly shrink as nodes
 * close, so such a class seldom finds room later in the pass): a node of the same group holding one is not tried.
 */
function emptyOne(model: AssignmentModel, agg: Aggregate, state: State, i: number, stuck: Set<number>): boolean {
  const { moves } = state;
  const on = [...moves.onNode[i]!];
  const g = agg.groupOf[i]!;
  const key = (c: number): number => c * agg.groups.length + g;
  if (on.some((j) => stuck.has(key(agg.classOf[j]!)))) return false;
  const price = model.objective!.pack * agg.groups[g]!.price;
  const saved = remainingOf(moves, i);
  close(moves, i);
  const done: { j: number; c: number }[] = [];
  let added = 0;
  const cap = agg.groups[g]!.capacity;
  const share = (j: number): number => largestShare(agg.classes[agg.classOf[j]!]!.demand, cap);
  for (const j of on.sort((a, b) => share(b) - share(a) || a - b)) {
    const c = agg.classOf[j]!;
    const to = target(agg, state, c, g);
    if (!to || added + to.delta >= price) {
      if (!to) stuck.add(key(c));
      undo(moves, state.plan, i, saved, done);
      return false;
    }
    moves.unplace(j, c, i);
    moves.place(j, c, to.node);
    done.push({ j, c });
    added += to.delta;
  }
  return true;
}

/** Node i's room as it is now, per resource (to open it again). */
const remainingOf = (moves: Moves, i: number): number[] => moves.remaining.map((r) => r[i]!);

/** Every move back onto node i, and its room as it was. */
function undo(
  moves: Moves,
  plan: Int32Array,
  i: number,
  saved: readonly number[],
  done: readonly { j: number; c: number }[],
): void {
  for (const { j, c } of done) {
    // Where it is now: an exchange may have moved it on from where it went.
    moves.unplace(j, c, plan[j]!);
    moves.place(j, c, i);
  }
  saved.forEach((x, k) => (moves.remaining[k]![i] = x));
  moves.search.take(i);
}

/**
 * The node in use for a container of class c from group `from`: first fit in the group where it adds least to
 * the objective (its cost and preferences there less where it was), among those whose domains are `from`'s
 * for the class's zone rules.
 */
function target(agg: Aggregate, state: State, c: number, from: number): { node: number; delta: number } | undefined {
  // A container that requests nothing fits even a closed node: its node is not emptied.
  if (agg.classes[c]!.demand.every((d) => d === 0)) return undefined;
  const base = state.costAt(from, c) ?? 0;
  let best: { node: number; delta: number } | undefined;
  const usable: { g: number; delta: number }[] = [];
  for (const p of state.byClass[c]!) {
    if (!sameZones(agg, state, c, p.g, from)) continue;
    const delta = state.costAt(p.g, c)! - base;
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
function swapRoom(agg: Aggregate, state: State, c: number, g: number): number {
  const { remaining } = state.moves;
  const d = agg.classes[c]!.demand;
  const open = (i: number): boolean => !closed(state.moves, i) && !state.fixed[i];
  const lacking = (i: number): number[] => [...d.keys()].filter((k) => remaining[k]![i]! < d[k]!);
  const least = state.least[g]!;
  // A trade can help only where what leaves Y frees what c lacks, less the least any container takes.
  const helps = (y: number, lack: readonly number[]): boolean =>
    [...byClassOn(agg, state, y)].some(([a, list]) => {
      const m = state.across ? Math.min(list.length, TRADE_MOST) : 1;
      return lack.every((k) => m * agg.classes[a]!.demand[k]! - least[k]! >= d[k]! - remaining[k]![y]!);
    });
  let tried = 0;
  for (const y of agg.groups[g]!.nodes) {
    if (!open(y)) continue;
    const lack = lacking(y);
    if (lack.length === 0 || !helps(y, lack)) continue;
    if (++tried > SWAP_NODES || Date.now() >= state.until) break;
    for (const x of richest(agg, state, { c, lack }, y, open)) if (trade(agg, state, c, x, y)) return y;
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
  state: State,
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
function byClassOn(agg: Aggregate, state: State, i: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const j of state.moves.onNode[i]!) {
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
function trade(agg: Aggregate, state: State, c: number, x: number, y: number): boolean {
  const { remaining } = state.moves;
  const dc = agg.classes[c]!.demand;
  const K = dc.length;
  const onX = byClassOn(agg, state, x);
  const gx = agg.groupOf[x]!;
  const gy = agg.groupOf[y]!;
  for (const [a, fromY] of byClassOn(agg, state, y)) {
    if (Date.now() >= state.until) return false;
    const da = agg.classes[a]!.demand;
    for (const [b, fromX] of onX) {
      if (a === b || !neutral(agg, state, a, b, gx, gy)) continue;
      const db = agg.classes[b]!.demand;
      const most = Math.min(TRADE_MOST, Math.max(fromY.length, fromX.length));
      for (let m = 1; m <= most; m++)
        for (const [na, nb] of tradeShapes(m, state.across)) {
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

/** How many leave y and how many leave x in a trade of m: within a group one for m, across groups either way. */
function tradeShapes(m: number, across: boolean): readonly (readonly [number, number])[] {
  if (m === 1) return [[1, 1]];
  return across
    ? [
        [1, m],
        [m, 1],
      ]
    : [[1, m]];
}

/** Whether groups g and h are in the same domain of each zone rule of class c (its counts per domain stay). */
function sameZones(agg: Aggregate, state: State, c: number, g: number, h: number): boolean {
  const [x, y] = [agg.groups[g]!.nodes[0]!, agg.groups[h]!.nodes[0]!];
  return state.zones[c]!.every((r) => r.topology.domainOf[x] === r.topology.domainOf[y]);
}

/** Whether a (from gy to gx) and b (from gx to gy) may trade groups at no cost and with their zone domains kept. */
function neutral(agg: Aggregate, state: State, a: number, b: number, gx: number, gy: number): boolean {
  if (gx === gy) return true;
  const cost = state.costAt;
  const [ax, ay, bx, by] = [cost(gx, a), cost(gy, a), cost(gx, b), cost(gy, b)];
  if (ax === undefined || ay === undefined || bx === undefined || by === undefined) return false;
  return ax <= ay && by <= bx && sameZones(agg, state, a, gx, gy) && sameZones(agg, state, b, gx, gy);
}

/** as (on y) go to x and bs (on x) to y, kept when the rules allow every step and c on y after; whether kept. */
function exchange(
  agg: Aggregate,
  state: State,
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
