import type { AssignmentModel } from '../../models/model.js';
import { scaleKindOf } from '../../models/rules/registry.js';
import { relaxed, type Engine, type Solution } from '../backends/engine.js';
import { TIME } from '../strategy.js';
import { aggregate, scalePath, type Aggregate } from './aggregate.js';
import { costDescent } from './descent.js';
import { emptyNodes } from './empty.js';
import { foldPinned } from './fold.js';
import { knapsackBound } from './lagrange.js';
import { packMethods, packPlan } from './pack.js';
import { patternSearch, patternsApply } from './patterns.js';
import { scaleProgram, type ScaleProgram } from './program.js';
import { feedbackTrials, slackTrials, type Packed } from './slack.js';

/**
 * The scale path: the model at the size of node groups × container classes. Its LP relaxation (HiGHS)
 * is the first bound, posted at once; the LP's counts rounded and packed onto nodes are the first plan;
 * then HiGHS's branch and bound on the aggregate program, for the rest of the time, gives better counts
 * (packed again) and a dual bound at least the LP's. Every plan is verified by the caller before it counts.
 */
export interface ScaleHooks {
  /** A valid lower bound (model terms), and how it was found. */
  bound(bound: number, method: string): void;
  /** A plan (the caller verifies it, and returns its verified objective, or undefined when it fails). */
  plan(assignment: Int32Array): number | undefined;
  /** The size of the aggregate program, for the answer's `model`. */
  size(size: { variables: number; constraints: number; classes: number; nodeGroups: number }): void;
  /** Polled by the branch and bound alone (`role: "mip"`): true asks it to stop. */
  shouldStop?(): boolean;
}

/**
 * What a thread does on the scale path: the whole path (`lead`), or, on a second thread for `pack`, the aggregate
 * branch and bound alone (`mip`, see aggregate.ts scaleMipApplies).
 */
export type ScaleRole = 'lead' | 'mip';

export interface ScaleOutcome {
  readonly note: string;
  /** The aggregate's counts were proven optimal and their plan met the bound (the caller decides the status). */
  readonly proven: boolean;
}

/** LP objective values carry HiGHS's tolerances: bounds are moved down by this (relative, at least absolute). */
const LP_TOLERANCE = 1e-7;
const safeBound = (z: number): number => z - LP_TOLERANCE * Math.max(1, Math.abs(z));

/**
 * Whether a solve at scale computes the seed greedy plan after its first bound rather than before: when the
 * time left holds the greedy (some 6 µs per container) several times over, the LP bound comes first and the
 * greedy follows in the same thread, instead of delaying the bound by it.
 */
export function greedyAfterBound(model: AssignmentModel, remainingMs: number): boolean {
  return scalePath(model) && remainingMs >= TIME.scale.greedyAfterBoundMs + 0.02 * model.items.length;
}

/**
 * `fallback`: the verified plan (the greedy's) the pattern search may start from when no packing verifies,
 * asked for only then.
 */
export function scaleSolve(
  engine: Engine,
  model: AssignmentModel,
  deadline: number,
  hooks: ScaleHooks,
  fallback?: () => Int32Array | undefined,
  role: ScaleRole = 'lead',
): ScaleOutcome {
  const solve: typeof solveAggregate = role === 'mip' ? mipAlone : solveAggregate;
  const f = foldPinned(model);
  if (!f) return solve(engine, model, deadline, hooks, fallback);
  const outcome = solve(
    engine,
    f.model,
    deadline,
    {
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
      bound: (b, method) => hooks.bound(b + f.constant, method),
      plan: (assignment) => {
        const objective = hooks.plan(f.expand(assignment));
        return objective === undefined ? undefined : objective - f.constant;
      },
      size: hooks.size,
    },
    fallback &&
      (() => {
        const start = fallback();
        return start && f.restrict(start);
      }),
  );
  return {
    ...outcome,
    note: `${outcome.note} (${f.folded} running containers that no rule reads in their nodes' room)`,
  };
}

function solveAggregate(
  engine: Engine,
  model: AssignmentModel,
  deadline: number,
  hooks: ScaleHooks,
  fallback?: () => Int32Array | undefined,
): ScaleOutcome {
  const agg = aggregate(model);
  if ('outOfReach' in agg) return { note: `the scale path does not hold ${agg.outOfReach}`, proven: false };
  const prog = scaleProgram(model, agg);
  hooks.size({
    variables: prog.varCost.length,
    constraints: prog.rows.length,
    classes: agg.classes.length,
    nodeGroups: agg.groups.length,
  });
  let lower = -Infinity;
  const bound = (b: number, method: string): void => {
    lower = Math.max(lower, b);
    hooks.bound(b, method);
  };
  let best: { assignment: Int32Array; objective: number } | undefined;
  const offer = (assignment: Int32Array): number | undefined => {
    const objective = hooks.plan(assignment);
    if (objective !== undefined && (!best || objective < best.objective)) best = { assignment, objective };
    return objective;
  };
  /** Packs the counts by every method; returns the plan of the last (most room, as every list ends). */
  const pack = (counts: ArrayLike<number>): Int32Array => {
    const plans = packMethods(model).map((method) => packPlan(model, agg, counts, method));
    for (const plan of plans) offer(plan);
    return plans[plans.length - 1]!;
  };
  const { lp, lpMs, packMs, trials } = relaxation(engine, model, agg, prog, deadline, { bound, offer, pack });
  if (lp?.status === 'infeasible') return { note: 'the aggregate LP is infeasible', proven: false };
  if (!lp?.x) return { note: 'the aggregate LP found no solution in time', proven: false };
  const patterns = patternsApply(model, agg);
  const improve = (until: number): string => improvePhase(model, agg, best?.assignment, until, offer);
  const mipNeeds = mipNeedsMs(lpMs);
  // For cost, where the branch and bound runs, the moves first (their share): it may take the rest and find nothing.
  const early = !patterns && costOnly(model) && leftMs(deadline, packMs) >= mipNeeds;
  const first = early ? improve(descentUntil(deadline)) : '';
  const left = leftMs(deadline, packMs);
  const mipMs = patterns ? left * TIME.scale.mipBeforePatterns : left;
  const mip = mipMs < mipNeeds ? undefined : aggregateMip(engine, prog, mipMs, pack);
  if (mip?.bound !== undefined) bound(safeBound(mip.bound + prog.offset), 'aggregate branch and bound');
  const start = best?.assignment ?? fallback?.();
  const columns =
    (patterns && start && deadline - Date.now() > TIME.scale.minPatternMs
      ? patternPhase(engine, model, agg, prog, start, deadline - TIME.scale.packReserveFactor * packMs, {
          bound: (b, method) => bound(safeBound(b), method),
          plan: offer,
          lower,
        })
      : '') + improve(deadline - TIME.scale.endReserveMs);
  const mipNote = mip?.status ?? `not run (${Math.round(mipMs)} ms left, ${Math.round(mipNeeds)} needed)`;
  return { note: scaleNote(agg, lp, trials, mipNote, `${first}${columns}`), proven: mip?.status === 'optimal' };
}

/** What the scale path did, for the answer's notes. */
const scaleNote = (agg: Aggregate, lp: Solution, trials: number, mip: string, rest: string): string =>
  `the scale path: ${agg.groups.length} node groups × ${agg.classes.length} container classes, ` +
  `LP ${lp.status === 'optimal' ? 'solved' : lp.status}, ${trials} LPs with room, branch and bound ${mip}${rest}`;

/**
 * The aggregate branch and bound alone, for the time but a reserve for packing its last counts: its bounds posted
 * as HiGHS proves them, its last counts packed by most room (where the reserve is still there: a packing of 150 000
 * containers cannot be stopped, and takes 1–3 s), the plan offered. Nothing is packed while HiGHS searches: its
 * callback would hold it past its time limit.
 */
function mipAlone(engine: Engine, model: AssignmentModel, deadline: number, hooks: ScaleHooks): ScaleOutcome {
  const agg = aggregate(model);
  if ('outOfReach' in agg) return { note: `the scale path does not hold ${agg.outOfReach}`, proven: false };
  const prog = scaleProgram(model, agg);
  const left = deadline - Date.now();
  const reserve = Math.max(TIME.scale.mipAloneReserve.minMs, TIME.scale.mipAloneReserve.share * left);
  // As the lead's (mipNeedsMs): HiGHS checks its time limit only between the steps of its root node.
  const lpStart = Date.now();
  const lp = lpAlone(engine, prog, left - reserve);
  const ms = deadline - Date.now() - reserve;
  const needs = mipNeedsMs(Date.now() - lpStart);
  if (!lp || ms < needs) {
    const why = `not run (${Math.round(ms)} ms left, ${Math.round(needs)} needed)`;
    return { note: `the aggregate branch and bound alone: ${why}`, proven: false };
  }
  const held = engine.hold(prog);
  try {
    const mip = held.solve(
      { timeLimitMs: ms, mipGap: 1e-6 },
      {
        onBound: (b) => hooks.bound(safeBound(b + prog.offset), 'aggregate branch and bound'),
        ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
      },
    );
    if (mip.bound !== undefined) hooks.bound(safeBound(mip.bound + prog.offset), 'aggregate branch and bound');
    const packed = mip.x && !hooks.shouldStop?.() && deadline - Date.now() >= reserve;
    if (packed) hooks.plan(packPlan(model, agg, mip.x!, 'most-room'));
    const status = `${mip.status}${mip.x && !packed ? ' (its counts not packed: no time left)' : ''}`;
    return { note: `the aggregate branch and bound alone: ${status}`, proven: mip.status === 'optimal' };
  } finally {
    held.dispose();
  }
}

/** Whether the aggregate's LP solves within `ms` (timed by the caller, to judge the branch and bound's time). */
function lpAlone(engine: Engine, prog: ScaleProgram, ms: number): boolean {
  if (ms <= 0) return false;
  const held = engine.hold(relaxed(prog));
  try {
    return held.solve({ timeLimitMs: ms }).status === 'optimal';
  } finally {
    held.dispose();
  }
}

/**
 * The aggregate's LP relaxation: its bound posted at once, its counts rounded and packed (every method),
 * then the LPs with room on the same program, each one's counts packed by most room.
 */
function relaxation(
  engine: Engine,
  model: AssignmentModel,
  agg: Aggregate,
  prog: ScaleProgram,
  deadline: number,
  use: {
    bound(b: number, method: string): void;
    offer(a: Int32Array): number | undefined;
    pack(counts: ArrayLike<number>): Int32Array;
  },
): { lp: Solution | undefined; lpMs: number; packMs: number; trials: number } {
  const held = engine.hold(relaxed(prog));
  try {
    const lpStart = Date.now();
    const lp = held.solve({ timeLimitMs: (deadline - Date.now()) * TIME.scale.lp });
    const lpMs = Date.now() - lpStart;
    if (!lp.x) return { lp, lpMs, packMs: 0, trials: 0 };
    if (lp.status === 'optimal') use.bound(safeBound(lp.objective! + prog.offset), 'aggregate LP');
    if (lp.status === 'optimal' && lp.rowDual && costOnly(model)) {
      const k = knapsackBound(
        engine,
        agg,
        prog,
        lp.rowDual,
        Date.now() + TIME.scale.knapsacks * (deadline - Date.now()),
      );
      if (k !== undefined) use.bound(safeBound(k + prog.offset), 'knapsacks per node group');
    }
    const packStart = Date.now();
    const counts = roundCounts(agg, lp.x);
    const plan = use.pack(counts);
    const packMs = Date.now() - packStart;
    if (lp.status !== 'optimal' || !lp.rowDual) return { lp, lpMs, packMs, trials: 0 };
    const packed = (x: Float64Array): Packed => {
      const rounded = roundCounts(agg, x);
      const plan = packPlan(model, agg, rounded, 'most-room');
      return { counts: rounded, plan, objective: use.offer(plan) ?? Infinity };
    };
    const until = Date.now() + TIME.scale.slack * (deadline - Date.now());
    let trials = slackTrials(held, prog, lp.x, lp.rowDual, until, packed);
    // For pack, the patterns and the emptying of nodes follow.
    const last = costOnly(model) && !mipFollows(deadline, lpMs, packMs);
    // The moves to where containers cost less (improvePhase) keep their share.
    const end = descentStart(deadline);
    const feedbackUntil = last ? end : Date.now() + feedbackMs(deadline, packMs);
    trials += feedbackTrials(held, prog, agg, { counts, plan, objective: Infinity }, feedbackUntil, packed);
    // Then, where nothing else follows (the branch and bound may have lost its time to them): more LPs with room.
    if (last || (costOnly(model) && leftMs(deadline, packMs) < mipNeedsMs(lpMs)))
      trials += slackTrials(held, prog, lp.x, lp.rowDual, end, packed, true);
    return { lp, lpMs, packMs, trials };
  } finally {
    held.dispose();
  }
}

/**
 * Whether the aggregate branch and bound would still have its time after the LPs for stranded room take their
 * share (TIME.scale.feedback) of the time left (solveAggregate). Where it would not, those LPs and more with room
 * take all the time but TIME.scale.endReserveMs: nothing comes after them (they pack their own counts, and start
 * one only with the time of the longest so far left).
 */
const mipFollows = (deadline: number, lpMs: number, packMs: number): boolean =>
  (1 - TIME.scale.feedback) * leftMs(deadline, packMs) >= mipNeedsMs(lpMs);

/** The time the LPs for stranded room take where something follows. */
const feedbackMs = (deadline: number, packMs: number): number =>
  Math.min(TIME.scale.feedback * (deadline - Date.now()), Math.max(0, leftMs(deadline, packMs)));

/** Whether the objective is cost alone (the LPs and the moves for cost; not pack's patterns and emptying). */
const costOnly = (model: AssignmentModel): boolean => (model.objective?.pack ?? 0) === 0;

/** Where the LPs for stranded room stop, when nothing else follows them: the moves' share is kept for them. */
const descentStart = (deadline: number): number =>
  deadline - TIME.scale.endReserveMs - TIME.scale.descent * (deadline - Date.now());

/**
 * Where the moves that run before the branch and bound stop (cost): their share of the time left. The branch and
 * bound may take all the rest and find no counts (every node of 5 000 running: HiGHS on 163 190 pairs, 30 s); its
 * own counts are packed and offered, and the moves go on from the best plan after it.
 */
const descentUntil = (deadline: number): number =>
  Math.min(deadline - TIME.scale.endReserveMs, Date.now() + TIME.scale.descent * (deadline - Date.now()));

/** The time left for searching, less the reserve for packing the last counts (TIME.scale.packReserveFactor). */
const leftMs = (deadline: number, packMs: number): number =>
  deadline - Date.now() - TIME.scale.packReserveFactor * packMs - 100;

/** The time the aggregate branch and bound needs to run at all (TIME.scale.mipPerLp). */
const mipNeedsMs = (lpMs: number): number => Math.max(TIME.scale.minMipMs, TIME.scale.mipPerLp * lpMs);

/** The pattern search from the best plan so far (`lower`: the best bound so far); what it did, for the note. */
function patternPhase(
  engine: Engine,
  model: AssignmentModel,
  agg: Aggregate,
  prog: ScaleProgram,
  start: Int32Array,
  until: number,
  hooks: { bound(b: number, method: string): void; plan(a: Int32Array): number | undefined; lower: number },
): string {
  try {
    const lower = Number.isFinite(hooks.lower) ? hooks.lower : undefined;
    const cg = patternSearch(engine, model, agg, prog, start, until, hooks, lower);
    return `, ${cg.columns} patterns${cg.converged ? ' (Dantzig–Wolfe bound reached)' : ''}`;
  } catch (err) {
    // What was posted stands; the engine's validation errors are reported, not thrown.
    return `, the pattern search stopped: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The best plan improved in the time left: for pack with nodes emptied (empty.ts), for cost by moves where
 * containers cost less (descent.ts); what it did, for the note.
 */
function improvePhase(
  model: AssignmentModel,
  agg: Aggregate,
  start: Int32Array | undefined,
  until: number,
  offer: (a: Int32Array) => number | undefined,
): string {
  const t = Date.now();
  const e = start && emptyNodes(model, agg, start, until);
  const d = !e && start ? costDescent(model, agg, start, until) : undefined;
  const done = e
    ? { plan: e.plan, what: `${e.emptied} nodes emptied` }
    : d && { plan: d.plan, what: `${d.moved} containers moved where they cost less` };
  if (!done) return '';
  const verified = offer(done.plan) !== undefined;
  return `, ${done.what}${verified ? '' : ' (the plan did not verify)'} in ${Date.now() - t} ms`;
}

/**
 * The engine's branch and bound on the aggregate program: the first counts it finds are packed at once, the last
 * when it stops. Its C++ exceptions abort the WebAssembly instance: the caller learns of it as a RuntimeError.
 */
function aggregateMip(
  engine: Engine,
  prog: ScaleProgram,
  ms: number,
  pack: (counts: ArrayLike<number>) => void,
): Solution | undefined {
  if (ms <= 0) return undefined;
  let packed = false;
  const held = engine.hold(prog);
  try {
    const mip = held.solve(
      { timeLimitMs: ms, mipGap: 1e-6 },
      {
        onSolution: (x) => {
          if (packed) return;
          packed = true;
          pack(x);
        },
      },
    );
    if (mip.x) pack(mip.x);
    return mip;
  } finally {
    held.dispose();
  }
}

/**
 * Integer counts from LP values: each class's counts floored, and what that leaves out given to its pairs
 * with the largest fractional parts (then the cheapest): the class total is kept.
 */
export function roundCounts(agg: Aggregate, x: ArrayLike<number>): Int32Array {
  const counts = new Int32Array(agg.pairs.length);
  const byClass = agg.classes.map(() => [] as number[]);
  agg.pairs.forEach((p, v) => byClass[p.c]!.push(v));
  agg.classes.forEach((cl, c) => {
    const vs = byClass[c]!;
    let total = 0;
    for (const v of vs) total += x[v] ?? 0;
    const target = Math.min(cl.items.length, Math.round(total));
    let placed = 0;
    for (const v of vs) placed += counts[v] = Math.floor((x[v] ?? 0) + 1e-9);
    const frac = (v: number): number => (x[v] ?? 0) - counts[v]!;
    const order = [...vs].sort((a, b) => frac(b) - frac(a) || agg.pairs[a]!.cost - agg.pairs[b]!.cost);
    for (let t = 0; placed < target && order.length > 0; t++, placed++) counts[order[t % order.length]!]!++;
  });
  for (const r of agg.rules) scaleKindOf(r).repair?.(r, agg, counts);
  return counts;
}
