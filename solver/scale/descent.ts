import {
  costOf,
  int64Doubles,
  nodePreferenceAt,
  preferenceWeightOf,
  type AssignmentModel,
} from '../../models/model.js';
import { NodeSearch } from '../node-search.js';
import { kindOf } from '../../models/rules/registry.js';
import type { Aggregate } from './aggregate.js';
import { movesOn, NodeRules, pairsByClass, unchecked, zoneRulesByClass } from './moves.js';
import { leastByGroup, sameZones, target, type Trades } from './trade.js';

/**
 * For the cost objective: a plan improved by moving containers where they cost less. Containers are taken by what
 * they could save (their cost where they are, less the least in a group they may use with the same domains for
 * their zone rules), most first; each moves by first fit to a group where it costs less, or to a node of such a
 * group where a trade between two of its nodes (which costs nothing) makes room. What the packing leaves is
 * mostly such room split over two nodes: a 15 900m node holding an odd number of 250m containers and nothing
 * of 50m keeps 50m free, which no container left elsewhere can use alone. Pinned containers stay, and so do those
 * a preference between pods on one node counts (moves.ts unchecked); a running container moves only to another
 * group than its own, and not where a rule counts moves (State.leaves). Moves are checked against the rules between
 * single nodes; the caller verifies. Returns the plan, or undefined when nothing moved.
 */
export function costDescent(
  model: AssignmentModel,
  agg: Aggregate,
  start: Int32Array,
  until: number,
): { plan: Int32Array; moved: number } | undefined {
  const w = model.objective ?? { cost: 1, pack: 0, balance: 0 };
  if (w.pack > 0 || w.balance > 0) return undefined;
  const state = stateOf(model, agg, start, until);
  let moved = 0;
  // Passes until one moves nothing: the trades of a pass change which nodes the next one finds room on.
  for (let pass = -1; pass !== 0 && Date.now() < until;) {
    pass = homeward(model, agg, state) + descend(agg, state);
    moved += pass;
  }
  return moved > 0 ? { plan: state.plan, moved } : undefined;
}

/** One pass over the containers that could save something, most first; how many moved. */
function descend(agg: Aggregate, state: State): number {
  let moved = 0;
  // A class that found no room from a group is not tried from there again in the pass.
  const stuck = new Set<number>();
  for (const j of bySaving(agg, state)) {
    if (Date.now() >= state.until) break;
    const from = state.plan[j]!;
    const c = agg.classOf[j]!;
    const key = c * agg.groups.length + agg.groupOf[from]!;
    if (stuck.has(key)) continue;
    // A running container goes to another group than its own (there, a node not its own would cost a move that the
    // pair's cost does not count).
    const to = target(agg, state, c, agg.groupOf[from]!, -MIN_SAVING, agg.classes[c]!.current);
    if (!to) {
      stuck.add(key);
      continue;
    }
    state.moves.unplace(j, c, from);
    state.moves.place(j, c, to.node);
    moved++;
  }
  return moved;
}

/**
 * Running containers that the plan moved, back on the node they run on where it has their room, the rules between
 * single nodes allow it, their zone domains stay (or the class has no zone rules) and it costs less: the move cost
 * saved, less what the node they are on costs less (a move to a cheaper group may pay for itself). The aggregate
 * prices a move within a group as none, so its counts may keep a class in its group and the packing still put some
 * of them on other nodes there (the snapshot of 5 000 nodes all running, seed 42: 87 of 153 moves). How many moved.
 */
function homeward(model: AssignmentModel, agg: Aggregate, state: State): number {
  const current = model.rules?.current;
  if (!current) return 0;
  const weight = model.objective?.cost ?? 1;
  const soft = preferenceWeightOf(model);
  const at = (i: number, j: number): number => weight * costOf(model, i, j) + soft * nodePreferenceAt(model, i, j);
  let moved = 0;
  state.plan.forEach((i, j) => {
    const home = current[j] ?? -1;
    if (home < 0 || i < 0 || i === home || !state.leaves(j) || Date.now() >= state.until) return;
    const c = agg.classOf[j]!;
    const [g, h] = [agg.groupOf[i]!, agg.groupOf[home]!];
    if (agg.pairAt(h, c) < 0 || !sameZones(agg, state, c, g, h) || at(home, j) - at(i, j) > -MIN_SAVING) return;
    state.moves.unplace(j, c, i);
    const fits = state.moves.search.scoreAt(agg.classes[c]!.demand, home) >= 0 && state.moves.rules.allows(c, home);
    state.moves.place(j, c, fits ? home : i);
    if (fits) moved++;
  });
  return moved;
}

/**
 * The descent's state: trades move only containers that may move within a group (not running ones: the aggregate
 * does not see such a move, the plan pays it); `leaves` says which containers may themselves move to another group.
 */
type State = Trades & { readonly plan: Int32Array; leaves(j: number): boolean };

/** A move saves at least this much (below it, rounding). */
const MIN_SAVING = 1e-9;

/** The plan's packing state, for trades within a group (either way) of containers that may move. */
function stateOf(model: AssignmentModel, agg: Aggregate, start: Int32Array, until: number): State {
  const remaining = model.resources.map((r) => int64Doubles(r.capacity));
  const rules = new NodeRules(model, agg);
  const search = new NodeSearch(remaining, rules, model.nodes.length);
  const plan = new Int32Array(model.items.length).fill(-1);
  const moves = movesOn(
    agg,
    plan,
    model.nodes.map(() => []),
    remaining,
    rules,
    search,
  );
  start.forEach((i, j) => {
    if (i >= 0) moves.place(j, agg.classOf[j]!, i);
  });
  const weight = model.objective?.cost ?? 1;
  const soft = preferenceWeightOf(model);
  const current = model.rules?.current;
  const held = unchecked(agg);
  // A running container may leave for another group (its pair there counts the move, as the plan does) unless a
  // rule counts moves (a move limit).
  const counted = (model.rules?.groups ?? []).some((r) => kindOf(r).countsMoves);
  return {
    ...{ plan, moves, byClass: pairsByClass(agg), zones: zoneRulesByClass(agg), least: leastByGroup(model, agg) },
    until,
    across: false,
    eitherWay: true,
    costAt: (g, c) => {
      const v = agg.pairAt(g, c);
      return v < 0 ? undefined : weight * agg.pairs[v]!.cost + soft * agg.pairs[v]!.prefer;
    },
    open: () => true,
    movable: (j) => !agg.classes[agg.classOf[j]!]!.pinned && (current?.[j] ?? -1) < 0 && !held[agg.classOf[j]!],
    leaves: (j) =>
      !agg.classes[agg.classOf[j]!]!.pinned && !held[agg.classOf[j]!] && ((current?.[j] ?? -1) < 0 || !counted),
    cursor: new Int32Array(agg.groups.length),
  };
}

/** The containers that may move and could save something, most first (ties by index). */
function bySaving(agg: Aggregate, state: State): number[] {
  const start = state.plan;
  const least = agg.classes.map(() => new Float64Array(agg.groups.length).fill(NaN));
  const saving = new Float64Array(start.length);
  const out: number[] = [];
  start.forEach((i, j) => {
    if (i < 0 || !state.leaves(j)) return;
    const c = agg.classOf[j]!;
    const g = agg.groupOf[i]!;
    if (Number.isNaN(least[c]![g]!)) {
      let most = state.costAt(g, c) ?? Infinity;
      for (const p of state.byClass[c]!)
        if (p.g !== agg.classes[c]!.current && sameZones(agg, state, c, p.g, g))
          most = Math.min(most, state.costAt(p.g, c)!);
      least[c]![g] = most;
    }
    saving[j] = (state.costAt(g, c) ?? 0) - least[c]![g]!;
    if (saving[j]! > MIN_SAVING) out.push(j);
  });
  return out.sort((a, b) => saving[b]! - saving[a]! || a - b);
}
