import { demandUnits, type AssignmentModel, type GroupRule, senseSign } from '../../models/model.js';
import { itemsOf } from '../../models/rules/registry.js';
import { restrictItems } from '../../models/restrict.js';
import { BACKENDS } from '../backends/index.js';
import { engineFor, TIME } from '../strategy.js';
import { formulate } from '../formulate.js';
import { verifyPlan } from '../verify.js';
import { searchesApply, seededRandom, type SearchOptions } from './options.js';

/**
 * Large-neighbourhood search with exact sub-problems (MIP-based LNS): free some containers, keep the rest
 * where they are, and solve the freed ones exactly (the sub-program engine, strategy.ts) against the capacity the
 * others leave. The
 * neighbourhoods alternate between every container of a few random nodes and random containers across
 * all nodes, about `size` containers each. A sub-plan is taken when the whole plan, checked by the
 * verifier, costs no more (equal moves let the search drift across plateaus). On instances whose LP
 * bound is tight but whose branch and bound finds good plans slowly (OR-Library gapd, Yagiura type D)
 * this closes most of the remaining gap within seconds.
 *
 * Only for plain cost objectives without group rules or unplaced containers: there, a sub-problem over
 * the freed containers with residual capacities is exactly the original problem restricted.
 */
/** Where LNS applies: the plain cost models every search takes (options.ts). */
export const lnsApplies = searchesApply;

export interface LnsOptions extends SearchOptions {
  /** Containers freed per step (default 60). */
  readonly size?: number;
  /** Most ms per sub-problem (default 2000). */
  readonly stepMs?: number;
}

export function lns(model: AssignmentModel, start: Int32Array, options: LnsOptions): Int32Array {
  const m = model.items.length;
  const sign = senseSign(model.sense);
  const size = Math.min(m, options.size ?? 60);
  const shuffled = shuffler(seededRandom(options.seed ?? 12345));
  let plan: Int32Array = start.slice();
  let best = sign * verifyPlan(model, plan, true).objective;
  for (let step = 0; Date.now() < options.deadline - 20; step++) {
    const other = options.poll?.();
    if (other) {
      const v = verifyPlan(model, other, true);
      if (v.valid && sign * v.objective < best - 1e-9) {
        plan = other.slice();
        best = sign * v.objective;
      }
    }
    const free = neighbourhood(step, plan, model.nodes.length, size, shuffled);
    if (free.length === 0) continue;
    const timeLimitMs = Math.min(options.stepMs ?? TIME.lnsStepMs, options.deadline - Date.now() - 10);
    if (timeLimitMs <= 0) break;
    const result = solveFreed(model, plan, free, timeLimitMs);
    const taken = freedPlan(model, plan, free, result.assignment, best + 1e-9);
    if (!taken) continue;
    const better = taken.value < best - 1e-9;
    ({ plan, value: best } = taken);
    if (better) options.onImprove?.(plan.slice(), taken.objective);
    // Every container was free and the sub-problem was solved to optimality: nothing is left to improve.
    if (free.length === m && result.status === 'optimal') break;
  }
  return plan;
}

/** A random permutation of 0..count-1 (Fisher-Yates) from the search's seeded generator. */
function shuffler(rand: () => number): (count: number) => number[] {
  return (count) => {
    const a = Array.from({ length: count }, (_, x) => x);
    for (let x = count - 1; x > 0; x--) {
      const y = Math.floor(rand() * (x + 1));
      [a[x], a[y]] = [a[y]!, a[x]!];
    }
    return a;
  };
}

/** The containers to free, sorted: on even steps every container of a few random nodes, else random ones. */
function neighbourhood(
  step: number,
  plan: Int32Array,
  n: number,
  size: number,
  shuffled: (count: number) => number[],
): number[] {
  let free: number[];
  if (step % 2 === 0) {
    free = [];
    for (const i of shuffled(n)) {
      if (free.length >= size) break;
      for (let j = 0; j < plan.length; j++) if (plan[j] === i) free.push(j);
    }
    free = free.slice(0, size);
  } else {
    free = shuffled(plan.length).slice(0, size);
  }
  return free.sort((a, b) => a - b);
}

/**
 * A rule that is not wholly freed, as the sub-program may hold it exactly with the fixed containers where they are
 * (`rule` the model's, `mapped` restricted to the freed ones); undefined: left out.
 */
export type AroundFixed = (rule: GroupRule, mapped: GroupRule) => GroupRule | undefined;

/** What a sub-program may hold beyond the freed containers' own rules, and where they may go. */
export interface FreedOptions {
  readonly around?: AroundFixed;
  /** The nodes they may go to (1), where not every node: the others have no room in the sub-program. */
  readonly within?: Uint8Array;
}

/**
 * Solves the freed containers exactly (the sub-program engine) against the capacity the fixed ones leave. Of the
 * group rules, those whose every member is freed are kept (the others would be read on part of their members),
 * and those `around` gives: where the freed set is closed under the rules (gang-lns.ts), those are every rule a
 * freed container is in.
 */
export function solveFreed(
  model: AssignmentModel,
  plan: Int32Array,
  free: readonly number[],
  timeLimitMs: number,
  { around, within }: FreedOptions = {},
) {
  const n = model.nodes.length;
  const m = model.items.length;
  const freed = new Set(free);
  const restricted = restrictItems(model, free);
  const sub = restricted.rules
    ? { ...restricted, rules: { ...restricted.rules, groups: kept(model, freed, restricted.rules.groups, around) } }
    : restricted;
  const resources = sub.resources.map((r, k) => {
    const full = model.resources[k]!;
    const used = new Array<bigint>(n).fill(0n);
    for (let j = 0; j < m; j++)
      if (!freed.has(j) && plan[j]! >= 0) used[plan[j]!]! += demandUnits(full, plan[j]!, j, m);
    return { ...r, capacity: full.capacity.map((c, i) => (within && !within[i] ? 0n : c - used[i]!)) };
  });
  const subModel: AssignmentModel = { ...sub, resources };
  return BACKENDS[engineFor('subprogram')].solve(
    { model: subModel, ip: formulate(subModel, { symmetry: true }), timeLimitMs, mipGap: 0 },
    { start: Int32Array.from(free, (j) => plan[j]!) },
  );
}

/**
 * The plan with the freed containers where the sub-program put them (`assignment`, in `free`'s order), its
 * objective and its value in the minimising sign; undefined unless it places every one, verifies and its value is
 * at most `most`.
 */
export function freedPlan(
  model: AssignmentModel,
  plan: Int32Array,
  free: readonly number[],
  assignment: Int32Array | undefined,
  most: number,
): { plan: Int32Array; objective: number; value: number } | undefined {
  if (!assignment || assignment.includes(-1)) return undefined;
  const next = plan.slice();
  free.forEach((j, t) => (next[j] = assignment[t]!));
  const v = verifyPlan(model, next, true);
  const value = senseSign(model.sense) * v.objective;
  return v.valid && value <= most ? { plan: next, objective: v.objective, value } : undefined;
}

/** The restricted rules (in the model's order) whose members, all of them, are freed, and those `around` gives. */
function kept(
  model: AssignmentModel,
  freed: ReadonlySet<number>,
  mapped: readonly GroupRule[],
  around: AroundFixed | undefined,
): GroupRule[] {
  return mapped.flatMap((r, g) => {
    const rule = model.rules!.groups[g]!;
    const items = itemsOf(rule);
    if (items.length > 0 && items.every((j) => freed.has(j))) return [r];
    const held = around?.(rule, r);
    return held ? [held] : [];
  });
}
