import { int64Doubles, preferenceWeightOf, type AssignmentModel } from '../../models/model.js';
import { NodeSearch } from '../node-search.js';
import { TIME } from '../strategy.js';
import type { Aggregate } from './aggregate.js';
import {
  largestShare,
  movesOn,
  NodeRules,
  pairsByClass,
  zoneRulesByClass,
  type Moves,
  type ZoneRule,
} from './moves.js';
import { leastByGroup, sameZones, swapRoom, type Trades } from './trade.js';

/**
 * From counts per (group, class) to a plan on named nodes: each group's containers, largest first, go
 * on its nodes by first fit (by the most room left for `balance`), with the rules between single nodes
 * (hostname anti-affinity) checked on each node. What does not fit in its group goes where it costs
 * least among the groups its class may use and whose domains (zones) are the same for its zone rules,
 * so the rows on domain counts still hold. Containers no node takes stay unplaced; the verifier judges.
 */
export type PackMethod = 'dot' | 'first-fit' | 'most-room';

/**
 * The packing methods worth trying for the model's objective: most room for balance; else both fills and
 * most room. Most room spreads a group's containers over its nodes (for pack, over the nodes its counts
 * need): where the counts fill a group on several resources at once, every node gets about the group's
 * average mix, which fits, while a fill node by node strands room. (A strict round-robin deal of each
 * class over the nodes measured worse than most room on every scale snapshot.)
 */
export const packMethods = (model: AssignmentModel): PackMethod[] =>
  (model.objective?.balance ?? 0) > 0 ? ['most-room'] : ['dot', 'first-fit', 'most-room'];

export function packPlan(
  model: AssignmentModel,
  agg: Aggregate,
  counts: ArrayLike<number>,
  method: PackMethod,
): Int32Array {
  const remaining = model.resources.map((r) => int64Doubles(r.capacity));
  const packing = (model.objective?.pack ?? 0) > 0;
  const rules = new NodeRules(model, agg);
  const search = new NodeSearch(remaining, rules, model.nodes.length);
  const plan = new Int32Array(model.items.length).fill(-1);
  const onNode: number[][] = model.nodes.map(() => []);
  const moves = movesOn(agg, plan, onNode, remaining, rules, search);
  const left = placeRunning(model, agg, counts, moves);
  // Each class's containers not placed yet, taken in order.
  const queue = agg.classes.map((cl) => cl.items.filter((j) => plan[j]! < 0));
  const next = new Int32Array(agg.classes.length);
  const closed = method !== 'dot' && method !== 'first-fit' && packing ? closeUnneeded(agg, counts, moves) : [];
  const leftovers: { j: number; c: number; g: number }[] = [];
  const entries = groupEntries(agg, left);
  const take = (c: number): number => queue[c]![next[c]!++]!;
  agg.groups.forEach((gr, g) => {
    const place = (c: number, i: number): void => {
      if (next[c]! < queue[c]!.length) moves.place(take(c), c, i);
    };
    const unplaced =
      method === 'dot'
        ? fillNodes(gr, entries[g]!, agg, remaining, rules, place)
        : oneByOne(agg, g, entries[g]!, method === 'most-room', search, place);
    for (const { c, count } of unplaced)
      for (let t = 0; t < count && next[c]! < queue[c]!.length; t++) leftovers.push({ j: take(c), c, g });
  });
  reopen(model, agg, closed, remaining, onNode, search);
  // Containers the counts left out (rounded away): placed like leftovers, from no group in particular.
  queue.forEach((items, c) => {
    while (next[c]! < items.length) leftovers.push({ j: items[next[c]!++]!, c, g: -1 });
  });
  // Leftovers go to the node with most room only where a node's first use costs nothing (not for pack).
  const spread = method === 'most-room' && !packing;
  const where = { search, remaining, spread, byClass: pairsByClass(agg), zones: zoneRulesByClass(agg) };
  placeLeftovers(model, agg, leftovers, where, moves);
  return plan;
}

/**
 * The running containers first, on the nodes they run on: each pinned class whose counts keep all of it (its group
 * may have many nodes, each running the same pinned mix: its count says how many, this says where), then, of each
 * class that may move, as many as its count on its own group, each on its own node where it fits and the rules
 * between single nodes allow (the aggregate counts a move within the group as none). Returns the counts left.
 */
function placeRunning(model: AssignmentModel, agg: Aggregate, counts: ArrayLike<number>, moves: Moves): Float64Array {
  const left = Float64Array.from({ length: agg.pairs.length }, (_, v) => counts[v] ?? 0);
  const current = model.rules?.current;
  if (!current) return left;
  const fits = (c: number, i: number): boolean =>
    moves.search.scoreAt(agg.classes[c]!.demand, i) >= 0 && moves.rules.allows(c, i);
  const home = (c: number): number => (agg.classes[c]!.current >= 0 ? agg.pairAt(agg.classes[c]!.current, c) : -1);
  agg.classes.forEach((cl, c) => {
    const v = home(c);
    if (v < 0 || !cl.pinned || Math.round(left[v]!) !== cl.items.length) return;
    for (const j of cl.items) moves.place(j, c, current[j]!);
    left[v] = 0;
  });
  agg.classes.forEach((cl, c) => {
    const v = home(c);
    if (v < 0 || cl.pinned) return;
    for (const j of cl.items) {
      if (Math.round(left[v]!) <= 0) break;
      if (!fits(c, current[j]!)) continue;
      moves.place(j, c, current[j]!);
      left[v] = left[v]! - 1;
    }
  });
  return left;
}

/** Each container on the node with the most room left (the greedy's own rule, within the group), or the first. */
function oneByOne(
  agg: Aggregate,
  g: number,
  entries: readonly { c: number; count: number }[],
  mostRoom: boolean,
  search: NodeSearch,
  place: (c: number, i: number) => void,
): { c: number; count: number }[] {
  const left: { c: number; count: number }[] = [];
  for (const { c, count } of entries) {
    const d = agg.classes[c]!.demand;
    for (let t = 0; t < count; t++) {
      const i = mostRoom ? search.findIn(g, c, d) : search.firstIn(g, c, d);
      if (i >= 0) place(c, i);
      else left.push({ c, count: count - t });
      if (i < 0) break;
    }
  }
  return left;
}

/**
 * For pack: the nodes of each group beyond the fewest its counts need (the largest over resources of
 * ⌈Σ_c d_ck y_gc / cap_k⌉) are closed while the groups are filled (no room on any resource), so spreading
 * stays on the nodes the counts pay for. Returns the closed nodes.
 */
function closeUnneeded(agg: Aggregate, counts: ArrayLike<number>, moves: Moves): number[] {
  const { remaining, onNode, search } = moves;
  const load = agg.groups.map((gr) => new Float64Array(gr.capacity.length));
  agg.pairs.forEach((p, v) => {
    const y = Math.round(counts[v] ?? 0);
    agg.classes[p.c]!.demand.forEach((d, k) => (load[p.g]![k]! += d * y));
  });
  const closed: number[] = [];
  agg.groups.forEach((gr, g) => {
    let need = 0;
    gr.capacity.forEach((cap, k) => {
      if (cap > 0) need = Math.max(need, Math.ceil(load[g]![k]! / cap - 1e-9));
    });
    // Nodes with running containers put back on them stay open: they are in use whatever the rest does.
    const used = gr.nodes.filter((i) => onNode[i]!.length > 0);
    const free = gr.nodes.filter((i) => onNode[i]!.length === 0);
    for (const i of free.slice(Math.max(0, need - used.length))) {
      closed.push(i);
      for (const r of remaining) r[i] = -1;
      search.take(i);
    }
  });
  return closed;
}

/** The closed nodes' room back (capacity less what is on them: containers requesting nothing may be). */
function reopen(
  model: AssignmentModel,
  agg: Aggregate,
  closed: readonly number[],
  remaining: readonly Float64Array[],
  onNode: readonly number[][],
  search: NodeSearch,
): void {
  for (const i of closed) {
    model.resources.forEach((r, k) => {
      let left = Number(r.capacity[i]!);
      for (const j of onNode[i]!) left -= agg.classes[agg.classOf[j]!]!.demand[k]!;
      remaining[k]![i] = left;
    });
    search.take(i);
  }
}

/**
 * Each leftover in its own group if an exchange (one container moved within the group; for cost, not a running
 * one) or a trade between two of its nodes makes room, else where it costs least, else (cost) by an exchange that
 * moves a running container. A class for which neither made room in a group is not tried there again. One that
 * fits no node as they are gets a last chance (for TIME.scale.exchangeMs more in all): a container moves off a node
 * to where it costs least, making room there. For pack, the exchange alone, of any container but a pinned one.
 */
function placeLeftovers(
  model: AssignmentModel,
  agg: Aggregate,
  leftovers: readonly { j: number; c: number; g: number }[],
  where: Where,
  moves: Moves,
): void {
  // Exchanges within a bounded time: at scale a full group has hundreds of nodes of tens of containers each.
  const trades = tradesWithin(model, agg, moves, Date.now() + TIME.scale.exchangeMs);
  // Trades and the last chance not for pack: the emptying of nodes follows with its own, and the first plans come
  // first (with every node running containers, the first packings of 150 000 took 1.2 s longer with them, and
  // the service's answer at 30 s had only the greedy's plan).
  const more = (model.objective?.pack ?? 0) === 0;
  // For cost, a running container moves within its group to make room (paying its move) only where the leftover
  // has no node elsewhere; for pack, as before, any container but a pinned one.
  const notPinned = (a: number): boolean => !agg.classes[agg.classOf[a]!]!.pinned;
  let lastChance: number | undefined;
  const stuck = new Set<number>();
  for (const { j, c, g } of leftovers) {
    const key = c * agg.groups.length + g;
    if (g >= 0 && Date.now() < trades.until && !stuck.has(key)) {
      if (makeRoom(agg, moves, j, c, g, more ? trades.movable : notPinned)) continue;
      const y = more ? swapRoom(agg, trades, c, g) : -1;
      if (y >= 0) {
        moves.place(j, c, y);
        continue;
      }
      if (more) stuck.add(key);
    }
    const i = cheapestNode(model, agg, where, c, g);
    if (i >= 0) moves.place(j, c, i);
    else if (more && !(g >= 0 && Date.now() < trades.until && makeRoom(agg, moves, j, c, g, notPinned)))
      evict(model, agg, { where, moves, trades, until: (lastChance ??= Date.now() + TIME.scale.exchangeMs) }, j, g);
  }
}

/**
 * Room for leftover j (from group `from`) on a node of a group its class may use (with `from`'s domains for its
 * zone rules, cheapest first): a container that may move leaves the node for where it costs least (with its own
 * group's domains), if that makes room. Whether j was placed.
 */
function evict(
  model: AssignmentModel,
  agg: Aggregate,
  { where, moves, trades, until }: { where: Where; moves: Moves; trades: Trades; until: number },
  j: number,
  from: number,
): boolean {
  const c = agg.classOf[j]!;
  const d = agg.classes[c]!.demand;
  const groups = where.byClass[c]!.filter((p) => from < 0 || sameZones(agg, where, c, p.g, from));
  for (const { g } of groups.sort((a, b) => trades.costAt(a.g, c)! - trades.costAt(b.g, c)! || a.g - b.g)) {
    let tried = 0;
    for (const y of agg.groups[g]!.nodes) {
      if (!moves.rules.allows(c, y) || !trades.open(y)) continue;
      if (++tried > EXCHANGE_NODES || Date.now() >= until) break;
      for (const a of [...moves.onNode[y]!]) {
        const ca = agg.classOf[a]!;
        if (
          ca === c ||
          !trades.movable(a) ||
          d.some((x, k) => x > moves.remaining[k]![y]! + agg.classes[ca]!.demand[k]!)
        )
          continue;
        if (displace(moves, [j, c], [a, ca], y, () => cheapestNode(model, agg, where, ca, g))) return true;
      }
    }
  }
  return false;
}

/**
 * Trades between two nodes of one group (so at no cost), either way, of containers that may move: not pinned, not
 * running now (the aggregate counts a move within the group as none; the plan would pay it). For pack, only
 * between nodes in use.
 */
function tradesWithin(model: AssignmentModel, agg: Aggregate, moves: Moves, until: number): Trades {
  const w = model.objective ?? { cost: 1, pack: 0 };
  const soft = preferenceWeightOf(model);
  const current = model.rules?.current;
  return {
    moves,
    byClass: pairsByClass(agg),
    zones: zoneRulesByClass(agg),
    least: leastByGroup(model, agg),
    until,
    across: false,
    eitherWay: true,
    costAt: (g, c) => {
      const v = agg.pairAt(g, c);
      return v < 0 ? undefined : w.cost * agg.pairs[v]!.cost + soft * agg.pairs[v]!.prefer;
    },
    open: w.pack > 0 ? (i) => moves.onNode[i]!.length > 0 : () => true,
    movable: (j) => !agg.classes[agg.classOf[j]!]!.pinned && (current?.[j] ?? -1) < 0,
    cursor: new Int32Array(agg.groups.length),
  };
}

/**
 * Fills the group's nodes one at a time: on each, the class whose requests best match the room left
 * (largest Σ_k (d_k/cap_k)(r_k/cap_k), the dot-product rule for vector packing) among those that still fit,
 * until none does. What is left over is returned.
 */
function fillNodes(
  gr: Aggregate['groups'][number],
  entries: readonly { c: number; count: number }[],
  agg: Aggregate,
  remaining: readonly Float64Array[],
  rules: NodeRules,
  place: (c: number, i: number) => void,
): { c: number; count: number }[] {
  const todo = entries.map((e) => ({ ...e }));
  const cap = gr.capacity;
  const K = cap.length;
  const score = (c: number, i: number): number => {
    const d = agg.classes[c]!.demand;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      if (d[k]! > remaining[k]![i]!) return -1;
      if (cap[k]! > 0) sum += (d[k]! / cap[k]!) * (remaining[k]![i]! / cap[k]!);
    }
    return rules.allows(c, i) ? sum : -1;
  };
  for (const i of gr.nodes) {
    // Room only shrinks on a node: a class that does not fit now never will, so the list shrinks as it fills.
    let open = todo.filter((e) => e.count > 0);
    for (;;) {
      let best: (typeof todo)[number] | undefined;
      let bestScore = -1;
      open = open.filter((e) => {
        const s = e.count > 0 ? score(e.c, i) : -1;
        if (s > bestScore) [best, bestScore] = [e, s];
        return s >= 0;
      });
      if (!best) break;
      best.count--;
      place(best.c, i);
    }
  }
  return todo.filter((e) => e.count > 0);
}

/** The nodes one leftover tries (the exchanges' time is TIME.scale.exchangeMs). */
const EXCHANGE_NODES = 64;

/**
 * Container j (class c) takes the place of a (class ca) on node y, where the rules allow it there and `elsewhere`
 * then finds a's class a node; else everything stays as it was. Whether it did.
 */
function displace(
  moves: Moves,
  [j, c]: readonly [number, number],
  [a, ca]: readonly [number, number],
  y: number,
  elsewhere: () => number,
): boolean {
  moves.unplace(a, ca, y);
  if (moves.rules.allows(c, y)) {
    moves.place(j, c, y);
    const to = elsewhere();
    if (to >= 0) {
      moves.place(a, ca, to);
      return true;
    }
    moves.unplace(j, c, y);
  }
  moves.place(a, ca, y);
  return false;
}

/**
 * A leftover of class c placed in its own group g after all, by one exchange: a container of another class that
 * `movable` allows moves off a node of g to another node of g (same cost, same zones), making room for it there. A
 * running one pays its move there (the aggregate counts a move within the group as none).
 */
function makeRoom(agg: Aggregate, m: Moves, j: number, c: number, g: number, movable: (j: number) => boolean): boolean {
  const d = agg.classes[c]!.demand;
  let tried = 0;
  for (const i of agg.groups[g]!.nodes) {
    if (!m.rules.allows(c, i)) continue;
    if (++tried > EXCHANGE_NODES) return false;
    for (const j2 of [...m.onNode[i]!]) {
      const c2 = agg.classOf[j2]!;
      if (c2 === c || !movable(j2)) continue;
      const d2 = agg.classes[c2]!.demand;
      // Only a container that frees enough of every resource c lacks on i.
      if (d.some((x, k) => x - m.remaining[k]![i]! > d2[k]!)) continue;
      if (displace(m, [j, c], [j2, c2], i, () => m.search.firstIn(g, c2, d2))) return true;
    }
  }
  return false;
}

/** Per group, the classes it takes and how many, largest share of the group's node first (ties by class). */
function groupEntries(agg: Aggregate, counts: ArrayLike<number>): { c: number; count: number }[][] {
  const out = agg.groups.map(() => [] as { c: number; count: number; share: number }[]);
  agg.pairs.forEach((p, v) => {
    const count = Math.round(counts[v] ?? 0);
    if (count <= 0) return;
    out[p.g]!.push({ c: p.c, count, share: largestShare(agg.classes[p.c]!.demand, agg.groups[p.g]!.capacity) });
  });
  return out.map((list) => list.sort((a, b) => b.share - a.share || a.c - b.c));
}

interface Where {
  readonly search: NodeSearch;
  readonly remaining: readonly Float64Array[];
  readonly spread: boolean;
  readonly byClass: readonly (readonly Aggregate['pairs'][number][])[];
  readonly zones: readonly (readonly ZoneRule[])[];
}

/**
 * The node for a leftover of class c (from group `from`, −1: none) with the least added objective: its
 * cost, plus the price of a node not yet in use for pack. Only groups whose domains match `from`'s for the
 * class's zone rules.
 */
function cheapestNode(model: AssignmentModel, agg: Aggregate, where: Where, c: number, from: number): number {
  const { search, remaining, spread } = where;
  const w = model.objective ?? { cost: 1, pack: 0 };
  let best = -1;
  let bestCost = Infinity;
  for (const p of where.byClass[c]!) {
    if (from >= 0 && !sameZones(agg, where, c, p.g, from)) continue;
    const cl = agg.classes[c]!;
    const i = spread ? search.findIn(p.g, c, cl.demand) : search.firstIn(p.g, c, cl.demand);
    if (i < 0) continue;
    const fresh = remaining.every((r, k) => r[i] === agg.groups[p.g]!.capacity[k]);
    const cost = w.cost * p.cost + preferenceWeightOf(model) * p.prefer + (fresh ? w.pack * agg.groups[p.g]!.price : 0);
    if (cost < bestCost) [best, bestCost] = [i, cost];
  }
  return best;
}
