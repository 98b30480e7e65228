import type { AssignmentModel, DisruptionBudget } from '../../models/model.js';
import { exactWaves } from './exact-waves.js';
import { greedyWaves, type GreedyWaves } from './greedy-waves.js';
import { replayWaves, type Wave } from './replay.js';
import { throughTemporary } from './temporary.js';
import { changeSet, stillRunning, type ChangeSet, type ChangeUnit } from './units.js';
import { verifyPlan } from '../verify.js';

/** Most x_{u,t} columns the wave program is built with (past it, the bound is the budgets' count alone). */
export const MAX_WAVE_COLUMNS = 200_000;

/**
 * A change plan (docs/changes.md): ordered waves from today's placement to the target, each passed by the replay
 * verifier. `optimal`: no safe order has fewer waves (proven); `feasible`: `bound` waves at least; `blocked`: no
 * safe order was found, and `blocked` says what stops it.
 */
export interface ChangePlan {
  readonly status: 'optimal' | 'feasible' | 'blocked';
  readonly waves: readonly Wave[];
  /** The fewest waves any safe order needs, proven. */
  readonly bound: number;
  readonly blocked: readonly string[];
  /** Blocked, and proven: no order of waves is safe (without surge), whatever the search. */
  readonly proven: boolean;
  /** The nodes that hold containers today and none in the target: cordoned first, empty at the end. */
  readonly emptied: readonly number[];
  /** The temporary nodes (options.temporaryNodes) the waves park pods on: up before the first wave, empty after. */
  readonly temporary: readonly number[];
}

/**
 * The change plan from `start` to `target` within `deadline` (epoch ms). Where it is stuck for room, it parks pods on
 * the `temporary` nodes (the model's options.temporaryNodes) on the way.
 */
export function orderChanges(
  model: AssignmentModel,
  start: Int32Array,
  target: Int32Array,
  deadline: number,
  temporary: readonly number[] = model.temporary ?? [],
  staged = false,
): ChangePlan {
  const budgets = model.budgets ?? [];
  const set = changeSet(model, start, target, budgets);
  const base = { emptied: set.emptied, temporary: [] };
  const onTemporary = temporary.find((i) => target.includes(i));
  if (onTemporary !== undefined) {
    const j = target.indexOf(onTemporary);
    const what = `the target puts ${model.items[j]} on temporary node ${model.nodes[onTemporary]}`;
    return blocked(base, [`${what}, which the plan must leave empty`], true);
  }
  // Running containers are not checked against each other: only an overfull node stops every order.
  const now = verifyPlan(model, start, false, stillRunning(start, start));
  if (!now.valid)
    return blocked(base, [`today's placement breaks: ${now.violations[0]}; no order of waves starts from it`], true);
  // A staged target (pods parked on temporary nodes, the rest where they run) is checked where pods arrive only.
  const end = verifyPlan(model, target, false, staged ? stillRunning(start, target) : undefined);
  if (!end.valid) return blocked(base, [`the target breaks: ${end.violations[0]}`], true);
  if (set.units.length === 0) return finished(base, [], 0);
  const refused = evictionRefused(model, set, budgets);
  // With surge a pod may leave without the Eviction API: no proof.
  if (refused.length > 0) return blocked(base, refused, (model.surge ?? 0) === 0);
  const g = greedyWaves(model, set, budgets, deadline);
  const safe = (waves: readonly Wave[]): boolean => replayWaves(model, start, target, waves, budgets).length === 0;
  // With surge, a move need not use its budgets, and the wave program knows no surge: its bounds and proofs are
  // for orders without it.
  const surging = (model.surge ?? 0) > 0;
  const lower = (b: number): number => (surging ? 1 : Math.max(1, b));
  if (g.stuck.length > 0) {
    // The wave program with as many waves as units: what no wave order can do, it proves.
    const e = fitsProgram(set, set.units.length)
      ? exactWaves(model, set, budgets, set.units.length, deadline)
      : undefined;
    if (e?.waves && safe(e.waves)) return finished(base, e.waves, lower(e.bound));
    const why = whyStuck(model, set, budgets, g);
    if (temporary.length === 0) return blocked(base, why, !surging && e !== undefined && e.proven && !e.waves);
    const stage = (a: Int32Array, b: Int32Array) => {
      const c = orderChanges(model, a, b, deadline, [], b !== set.target);
      return c.status === 'blocked' ? undefined : c.waves;
    };
    const t = throughTemporary(model, set, budgets, g.stuck, stage);
    if (t) return finished({ ...base, temporary: t.used }, t.waves, lower(budgetBound(set, budgets)));
    const names = temporary.map((i) => model.nodes[i]).join(', ');
    return blocked(base, [...why, `the temporary nodes (${names}) found no safe order either`], false);
  }
  if (!safe(g.waves)) throw new Error('internal error: the list heuristic made waves the replay verifier refuses');
  let waves: readonly Wave[] = g.waves;
  let bound = lower(budgetBound(set, budgets));
  const most = g.waves.length - 1;
  if (most >= bound && fitsProgram(set, most) && Date.now() < deadline) {
    const e = exactWaves(model, set, budgets, most, deadline);
    if (e && !surging) bound = Math.max(bound, e.bound);
    if (e?.waves && e.waves.length < waves.length && safe(e.waves)) waves = e.waves;
  }
  return finished(base, waves, bound);
}

/** Most reasons an answer lists; the rest are counted. */
const MAX_REASONS = 10;

const firstOf = (list: readonly string[]): string[] =>
  list.length <= MAX_REASONS
    ? [...list]
    : [...list.slice(0, MAX_REASONS), `and ${list.length - MAX_REASONS} more units for the same reasons`];

const fitsProgram = (set: ChangeSet, most: number): boolean => set.units.length * most <= MAX_WAVE_COLUMNS;

/** No order: the reasons (the first MAX_REASONS, and a count of the rest), and whether none can exist. */
type Base = Pick<ChangePlan, 'emptied' | 'temporary'>;

function blocked(base: Base, reasons: readonly string[], proven: boolean): ChangePlan {
  return { ...base, status: 'blocked', waves: [], bound: 1, blocked: firstOf(reasons), proven };
}

function finished(base: Base, waves: readonly Wave[], bound: number): ChangePlan {
  return { ...base, status: waves.length <= bound ? 'optimal' : 'feasible', waves, bound, blocked: [], proven: false };
}

/** The fewest waves the budgets alone ask: each budget's healthy pods to evict over what it allows per wave. */
function budgetBound(set: ChangeSet, budgets: readonly DisruptionBudget[]): number {
  let most = 1;
  budgets.forEach((b, k) => {
    const counted = new Set(b.items);
    const healthy = new Set(b.healthy);
    // Where pods join its healthy ones or leave them for good, its allowance moves: no bound from it.
    const moves = (j: number): boolean => counted.has(j) && (!healthy.has(j) || set.target[j]! < 0);
    if (set.units.some((u) => u.items.some(moves))) return;
    const total = set.units.reduce(
      (t, u) => t + (u.disrupts.has(k) ? u.items.filter((j) => healthy.has(j)).length : 0),
      0,
    );
    if (total > 0 && b.allowed > 0) most = Math.max(most, Math.ceil(total / b.allowed));
  });
  return most;
}

/** Containers to evict that more than one budget selects: the Eviction API refuses them (HTTP 500). */
function evictionRefused(model: AssignmentModel, set: ChangeSet, budgets: readonly DisruptionBudget[]): string[] {
  const names = new Map<number, string[]>();
  for (const b of budgets) for (const j of b.items) names.set(j, [...(names.get(j) ?? []), b.name]);
  return set.units.flatMap((u) =>
    u.items.flatMap((j) => {
      const list = names.get(j) ?? [];
      if (set.start[j]! < 0 || list.length < 2) return [];
      return [
        `${model.items[j]} is selected by budgets ${list.join(' and ')}: the Eviction API refuses to evict a pod ` +
          'that more than one PodDisruptionBudget selects',
      ];
    }),
  );
}

/** Why the list heuristic stopped, for each unit it could not take. */
function whyStuck(model: AssignmentModel, set: ChangeSet, budgets: readonly DisruptionBudget[], g: GreedyWaves) {
  return g.stuck.map((u) => {
    const unit = set.units[u]!;
    const what = unitName(model, unit);
    const stop = g.why.get(u) ?? 'room';
    if (stop === 'time') return `${what} was not ordered: the time limit ran out first`;
    if (Array.isArray(stop)) return `${what} cannot move in any wave found: it would break ${stop.join('; ')}`;
    if (stop !== 'room') {
      const b = budgets[stop.budget]!;
      const why =
        b.expected <= 0
          ? 'it expects no pods (their controllers are unknown), so it allows no disruption'
          : `it allows ${stop.allows} disruption(s) in the wave (${b.currentHealthy} healthy now, desiredHealthy ` +
            `${b.desiredHealthy})`;
      return `PDB ${b.name} blocks ${what}: ${why}, and ${what} takes ${stop.takes}`;
    }
    const at = model.nodes[set.target[unit.items.find((j) => set.target[j]! >= 0) ?? 0]!] ?? 'its node';
    return (
      `${what} waits for room on ${at} that only moves waiting on it would free: needs one extra node like ` +
      `${at} to stand in while they move (surge; options.temporaryNodes names one)`
    );
  });
}

const unitName = (model: AssignmentModel, unit: ChangeUnit): string =>
  unit.items.length === 1 ? (model.items[unit.items[0]!] ?? '') : `the ${unit.items.length} pods of its gang`;
