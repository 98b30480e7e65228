import { int64Doubles, preferenceWeightOf, type AssignmentModel } from '../../models/model.js';
import { NodeSearch } from '../node-search.js';
import { movesFree } from '../formulation/classes.js';
import type { Aggregate } from './aggregate.js';
import { largestShare, movesOn, NodeRules, pairsByClass, zoneRulesByClass, type Moves } from './moves.js';
import { leastByGroup, target, type Trades } from './trade.js';

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
    state.eitherWay = across;
    const stuck = new Set<number>();
    for (const i of lightestFirst(model, agg, state)) {
      if (Date.now() >= until) break;
      if (moves.onNode[i]!.length > 0 && emptyOne(model, agg, state, i, stuck)) emptied++;
    }
  }
  return emptied > 0 ? { plan, emptied } : undefined;
}

interface State extends Trades {
  readonly plan: Int32Array;
  /** Per node: whether something on it may not move (pinned, or running where moves are not free: movesFree). */
  readonly fixed: Uint8Array;
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
  const w = model.objective!;
  const soft = preferenceWeightOf(model);
  const costAt = (g: number, c: number): number | undefined => {
    const v = agg.pairAt(g, c);
    return v < 0 ? undefined : w.cost * agg.pairs[v]!.cost + soft * agg.pairs[v]!.prefer;
  };
  const byClass = pairsByClass(agg);
  return {
    ...{ plan, moves, byClass, zones: zoneRulesByClass(agg), fixed, least: leastByGroup(model, agg), until, costAt },
    across: false,
    eitherWay: false,
    open: (i) => !closed(moves, i) && !fixed[i],
    movable: () => true,
  };
}

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
    const to = target(agg, state, c, g, Infinity);
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
