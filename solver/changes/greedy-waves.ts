import { demandUnits, type AssignmentModel, type DisruptionBudget, type GroupRule } from '../../models/model.js';
import type { Wave } from './replay.js';
import {
  addDemand,
  hardRules,
  hardViolations,
  healthyToday,
  stillRunning,
  surgeBar,
  usageOf,
  type ChangeSet,
  type ChangeUnit,
} from './units.js';

/** Waves found by the list heuristic, and what stopped it where it stopped. */
export interface GreedyWaves {
  readonly waves: Wave[];
  /** The units no wave could take (empty when the waves reach the target). */
  readonly stuck: readonly number[];
  /** Why the last wave did not take each stuck unit: a budget (its index), no room, or a rule (the verifier says). */
  readonly why: ReadonlyMap<number, Stop>;
}

export type Stop =
  { readonly budget: number; readonly takes: number; readonly allows: number } | 'room' | 'time' | string[];

/** The state a wave builds on: the placement, each node's usage, which containers are healthy. */
interface State {
  readonly plan: Int32Array;
  readonly used: bigint[][];
  readonly healthy: Uint8Array;
}

/**
 * Waves by a list heuristic (docs/changes.md): each wave takes, in passes until none is added, every unit that its
 * budgets still allow, whose containers fit on their target nodes once the wave's evictions so far have left, and
 * (where the model has hard rules between containers) after which the running containers keep every one. A unit
 * that no wave can take stops it, as does `deadline` (epoch ms): `stuck` says which.
 */
export function greedyWaves(
  model: AssignmentModel,
  set: ChangeSet,
  budgets: readonly DisruptionBudget[],
  deadline: number,
): GreedyWaves {
  const healthy = healthyToday(budgets, set.start.length);
  const state: State = { plan: set.start.slice(), used: usageOf(model, set.start), healthy };
  const rules = hardRules(model);
  let left = set.units.map((_, u) => u);
  const waves: Wave[] = [];
  const why = new Map<number, Stop>();
  while (left.length > 0) {
    why.clear();
    if (Date.now() > deadline) {
      for (const u of left) why.set(u, 'time');
      break;
    }
    const { taken, surged } = oneWave(model, set, budgets, state, left, rules, why);
    if (taken.length === 0) break;
    const inWave = new Set(taken);
    left = left.filter((u) => !inWave.has(u));
    waves.push(
      waveOf(
        set,
        taken.map((u) => set.units[u]!),
        surged.map((u) => set.units[u]!),
      ),
    );
    for (const u of taken) for (const j of set.units[u]!.items) healthy[j] = set.target[j]! >= 0 ? 1 : 0;
  }
  return { waves, stuck: left, why };
}

/** The units one wave takes, applied to `state`, and those it moves with surge (options.surge). */
function oneWave(
  model: AssignmentModel,
  set: ChangeSet,
  budgets: readonly DisruptionBudget[],
  state: State,
  left: readonly number[],
  rules: readonly GroupRule[],
  why: Map<number, Stop>,
): { taken: number[]; surged: number[] } {
  const room = budgets.map((b) => allowedNow(b, state.healthy));
  const surge = new Surge(model, set, budgets, state, rules);
  const taken: number[] = [];
  for (let added = true; added;) {
    added = false;
    for (const u of left) {
      if (taken.includes(u)) continue;
      const unit = set.units[u]!;
      const down = disruptions(budgets, unit, state.healthy);
      const over = [...down].find(([k, d]) => d > room[k]!);
      if (over && !surge.take(u)) {
        why.set(u, { budget: over[0], takes: over[1], allows: room[over[0]]! });
        continue;
      }
      if (!over && !fits(model, set, unit, state.used)) {
        why.set(u, 'room');
        continue;
      }
      if (!over) {
        move(model, set, unit, state);
        const broken = surge.broken();
        if (broken.length > 0) {
          undo(model, set, unit, state);
          why.set(u, broken.slice(0, 2));
          continue;
        }
        for (const [k, d] of down) room[k]! -= d;
      }
      taken.push(u);
      added = true;
    }
  }
  surge.end();
  return { taken, surged: surge.units };
}

/**
 * The units a wave moves with surge (options.surge): their replacements bound on the new nodes while they run on,
 * so each new node needs room beside them, and they leave at the wave's end. Such a move disrupts no budget, but uses
 * each budget's surge (at most options.surge of its pods a wave). Every container that arrives in the wave keeps the
 * hard rules both after it and in its middle, with the surged ones still where they ran. A container does not surge
 * within one domain of a rule between containers that reads it (surgeBar).
 */
class Surge {
  readonly units: number[] = [];
  private readonly left: number[];
  private readonly sources = new Map<number, number>();
  private readonly barred: (j: number, from: number, to: number) => boolean;

  constructor(
    private readonly model: AssignmentModel,
    private readonly set: ChangeSet,
    budgets: readonly DisruptionBudget[],
    private readonly state: State,
    private readonly rules: readonly GroupRule[],
  ) {
    this.left = budgets.map(() => model.surge ?? 0);
    this.barred = (model.surge ?? 0) > 0 ? surgeBar(model) : () => true;
  }

  /** Moves unit u with surge where the budgets' surge, the room and the rules allow it; whether it did. */
  take(u: number): boolean {
    const { model, set, state } = this;
    const unit = set.units[u]!;
    const moving = unit.items.every(
      (j) => set.start[j]! >= 0 && set.target[j]! >= 0 && !this.barred(j, set.start[j]!, set.target[j]!),
    );
    const room = moving && [...unit.disrupts].every(([k, n]) => n <= this.left[k]!);
    if (!room || !fits(model, set, unit, state.used, false)) return false;
    const place = (sign: 1n | -1n): void => {
      for (const j of unit.items) {
        addDemand(model, state.used, j, set.target[j]!, sign);
        if (sign > 0n) this.sources.set(j, set.start[j]!);
        else this.sources.delete(j);
        state.plan[j] = sign > 0n ? set.target[j]! : set.start[j]!;
      }
    };
    place(1n);
    if (this.broken(unit.items).length > 0) {
      place(-1n);
      return false;
    }
    for (const [k, n] of unit.disrupts) this.left[k]! -= n;
    this.units.push(u);
    return true;
  }

  /**
   * How the wave so far breaks the hard rules: after it, and in its middle, the surged containers where they ran but
   * for `arriving` (a unit taken with surge: its replacements checked against every other surged one still there).
   * A replacement taken earlier was checked while the containers surged after it were still where they ran.
   */
  broken(arriving: readonly number[] = []): string[] {
    if (this.rules.length === 0) return [];
    const running = stillRunning(this.set.start, this.state.plan);
    const after = hardViolations(this.model, this.rules, this.state.plan, running);
    if (this.sources.size === 0 || after.length > 0) return after;
    // The middle: surged containers where they ran, but for `arriving`, whose replacements meet them there.
    const middle = this.state.plan.slice();
    for (const [j, i] of this.sources) if (!arriving.includes(j)) middle[j] = i;
    return hardViolations(this.model, this.rules, middle, stillRunning(this.set.start, middle));
  }

  /** The wave's end: the surged containers leave the nodes they ran on. */
  end(): void {
    for (const [j, i] of this.sources) addDemand(this.model, this.state.used, j, i, -1n);
  }
}

/** The disruptions a budget allows when a wave starts: its healthy pods less desiredHealthy (0 if it expects none). */
export function allowedNow(b: DisruptionBudget, healthy: Uint8Array): number {
  const now = b.items.reduce((t, j) => t + healthy[j]!, 0);
  return b.expected <= 0 ? 0 : Math.max(0, now - b.desiredHealthy);
}

/** Per budget, the disruptions a unit's evictions count (healthy pods; unhealthy ones the API does not bypass). */
export function disruptions(
  budgets: readonly DisruptionBudget[],
  unit: ChangeUnit,
  healthy: Uint8Array,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const k of unit.disrupts.keys()) {
    const b = budgets[k]!;
    const now = b.items.reduce((t, j) => t + healthy[j]!, 0);
    const bypass = b.alwaysAllowUnhealthy || (now >= b.desiredHealthy && b.desiredHealthy > 0);
    const set = new Set(b.items);
    const d = unit.items.filter((j) => set.has(j) && (healthy[j] || !bypass)).length;
    if (d > 0) out.set(k, d);
  }
  return out;
}

/**
 * Whether the unit's containers fit on their target nodes. `leaving`: the nodes they leave free their room first
 * (evictions come before bindings); without it (surge) they still hold it.
 */
function fits(model: AssignmentModel, set: ChangeSet, unit: ChangeUnit, used: bigint[][], leaving = true): boolean {
  const m = model.items.length;
  const extra = model.resources.map(() => new Map<number, bigint>());
  for (const j of unit.items) {
    const i = set.target[j]!;
    if (i < 0) continue;
    model.resources.forEach((r, k) => {
      const from = set.start[j] === i ? 0n : demandUnits(r, i, j, m);
      extra[k]!.set(i, (extra[k]!.get(i) ?? 0n) + from);
    });
  }
  for (const j of unit.items) {
    const i = set.start[j]!;
    if (leaving && i >= 0)
      model.resources.forEach((r, k) => extra[k]!.set(i, (extra[k]!.get(i) ?? 0n) - demandUnits(r, i, j, m)));
  }
  return model.resources.every((r, k) =>
    [...extra[k]!].every(([i, d]) => d <= 0n || used[k]![i]! + d <= (r.capacity[i] ?? 0n)),
  );
}

function move(model: AssignmentModel, set: ChangeSet, unit: ChangeUnit, state: State): void {
  shift(model, unit, state, set.start, set.target);
}

function undo(model: AssignmentModel, set: ChangeSet, unit: ChangeUnit, state: State): void {
  shift(model, unit, state, set.target, set.start);
}

/** Moves the unit's containers from their node in `from` to their node in `to`, usage and all. */
function shift(model: AssignmentModel, unit: ChangeUnit, state: State, from: Int32Array, to: Int32Array): void {
  for (const j of unit.items) {
    if (from[j]! >= 0) addDemand(model, state.used, j, from[j]!, -1n);
    if (to[j]! >= 0) addDemand(model, state.used, j, to[j]!, 1n);
    state.plan[j] = to[j]!;
  }
}

/** The wave that changes these units: their running containers evicted (or surged), their placed ones bound. */
export function waveOf(set: ChangeSet, units: readonly ChangeUnit[], surged: readonly ChangeUnit[] = []): Wave {
  const items = units.flatMap((u) => u.items);
  const surge = new Set(surged.flatMap((u) => u.items));
  return {
    evict: items.filter((j) => set.start[j]! >= 0 && !surge.has(j)),
    bind: items.flatMap((j) => (set.target[j]! >= 0 ? [[j, set.target[j]!] as const] : [])),
    ...(surge.size > 0 ? { surge: [...surge] } : {}),
  };
}
