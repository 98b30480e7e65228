import { receiveMessageOnPort } from 'node:worker_threads';
import { fitsEmpty, isBlocked, type AssignmentModel, senseSign } from '../models/model.js';
import { formulate, placementPairs } from './formulate.js';
import { containerClasses } from './formulation/classes.js';
import { greedyPlan } from './greedy.js';
import { data, heuristicPlan, objective } from './heuristic.js';
import { kueuePlan, type KueueBaseline } from './kueue.js';
import { topologyBound } from './topology-bound.js';
import { freeDomains, sparingPlans } from './defragment.js';
import { gangLns } from './search/gang-lns.js';
import { orderChanges } from './changes/order.js';
import { consolidationFrontier } from './consolidate.js';
import { keepFreeRuleOf } from '../models/rules/keepFree.js';
import { topologyGroupsOf } from '../models/rules/topologyGroup.js';
import { chainSearch, chainsApply } from './search/chains.js';
import { lns } from './search/lns.js';
import { searchesApply } from './search/options.js';
import { COLGEN_MAX_ITEMS, columnGeneration } from './search/colgen.js';
import { subsetSearch, subsetSearchApplies } from './search/subsets.js';
import { pricedStart } from './search/prices.js';
import { lpStart, type LpStart } from './search/rounding.js';
import { findConflict } from './conflict.js';
import { lagrangianBound, assignmentBound, roundBound, tighterBound } from './bounds.js';
import { verifyPlan, type Verification } from './verify.js';
import type { PlanSummary } from './outcome.js';
import type { BackendResult, SolveHooks } from './backends/backend.js';
import { CAPABILITIES, ENGINE_LABELS } from './backends/capabilities.js';
import { relaxed, type EngineName, type HeldProgram } from './backends/engine.js';
import { BACKENDS, ENGINE_LIST, ENGINES, greedyResult, loadEngines } from './backends/index.js';
import { cannot, engineFor, TIME } from './strategy.js';
import { separateCovers, withRows } from './cuts.js';
import type { IntegerProgram } from './ip.js';
import type {
  ExplainResult,
  ExplainTask,
  PlanSource,
  ProgramSize,
  SolveTask,
  WorkerMessage,
  WorkerResult,
  WorkerTask,
} from './protocol.js';
import { serveTasks } from './serve.js';
import { scalePath } from './scale/aggregate.js';
import { greedyAfterBound, scaleSolve } from './scale/solve.js';
import { totalDemandReasons } from './reasons.js';

/**
 * The solver worker thread (see protocol.ts for what it posts). It loads every engine once, says it is ready,
 * then runs one task at a time: a solve (greedy, heuristic, bounds, root cuts, then its backend, and in the
 * portfolio's partner the searches) or the search for a minimal conflict. Which engine does what is strategy.ts's
 * choice, by capabilities; the time each step gets is its TIME table. No top-level await: the module graph loads
 * synchronously, and the thread may be terminated at any moment once ready.
 */

/** Bytes an exact solve of `nnz` nonzeros needs (the calibration below, shared by both estimates). */
const solverBytes = (nnz: number): number => 64 * 2 ** 20 + 5_000 * nnz;

/**
 * Rough memory an exact WebAssembly solve of this program needs (bytes). Calibrated on HiGHS, which
 * reached 1.5 GiB on a plain 100 × 1000 placement model (about 300 000 nonzeros): some 5 kB per nonzero.
 */
export function estimateSolverBytes(ip: IntegerProgram): number {
  let nnz = 0;
  for (const row of ip.rows) nnz += row.vars.length;
  return solverBytes(nnz);
}

/**
 * No more than estimateSolverBytes of the program formulate would build, counted before building it: each placement
 * variable is in its assignment row (placementPairs).
 */
function leastSolverBytes(model: AssignmentModel): number {
  return solverBytes(placementPairs(model, containerClasses(model)));
}

/** WebAssembly heaps are capped at 2 GiB; leave room for the module itself and fragmentation. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 1.75 * 2 ** 30;

const sizeOf = (ip: IntegerProgram): ProgramSize => ({
  variables: ip.varCost.length,
  constraints: ip.rows.length,
  classes: ip.classes.length,
  nodeGroups: ip.nodeGroups,
  plain: ip.plain,
});

/** Whether every engine has loaded in this thread. */
let ready = false;

/** One solve: what it posts, its best bound so far, and the time left. */
class SolveRun {
  bound: number;
  readonly started = Date.now();

  constructor(
    readonly task: SolveTask,
    readonly ip: IntegerProgram,
  ) {
    this.bound = this.modelBound(assignmentBound(ip));
  }

  get model(): AssignmentModel {
    return this.task.model;
  }

  post(msg: WorkerMessage): void {
    this.task.port.postMessage(msg);
  }

  remaining(): number {
    return this.task.deadline - Date.now();
  }

  /** Program values → model values (the offset holds the unplaced penalties), rounded on the safe side. */
  modelBound(b: number): number {
    return roundBound(this.ip, b + this.ip.offset);
  }

  /** Keeps and posts a bound (in the model's terms) when it is tighter than the last. */
  offerBound(b: number | undefined, method: string): void {
    const tighter = tighterBound(this.ip.sense, this.bound, b);
    if (tighter === undefined || tighter === this.bound) return;
    this.bound = tighter;
    this.post({ kind: 'bound', bound: tighter, method });
  }

  offerPlan(assignment: Int32Array, source: PlanSource): Verification {
    return offerPlan(this.task, assignment, source);
  }
}

/** Posts a complete plan that passes the verifier here (the main thread checks it again). */
function offerPlan(task: SolveTask, assignment: Int32Array, source: PlanSource): Verification {
  const v = verifyPlan(task.model, assignment, true);
  if (v.valid) task.port.postMessage({ kind: 'incumbent', assignment, source, objective: v.objective });
  return v;
}

function solveTask(task: SolveTask): WorkerResult {
  const { model, port } = task;
  try {
    // At scale with time to spare, the greedy comes after the first bound (scaleTask).
    const later = !task.greedy && task.solver !== 'greedy' && greedyAfterBound(model, task.deadline - Date.now());
    const greedy = task.greedy ?? (later ? undefined : seedGreedy(task).assignment);
    const kueue = topologyFirst(task);
    if (!model.rules?.unplacedPenalty) {
      // Containers that fit on no node alone, and total demand over total capacity: proofs without a program.
      const unplaceable = fitsNowhere(model);
      port.postMessage({ kind: 'unplaceable', containers: unplaceable } satisfies WorkerMessage);
      if (unplaceable.length > 0)
        return { result: { status: 'infeasible', note: 'some containers fit on no node' }, solverMs: 0 };
      if (totalDemandReasons(model).length > 0)
        return { result: { status: 'infeasible', note: 'total demand exceeds total capacity' }, solverMs: 0 };
    }
    if (scalePath(model) || !greedy) return scaleTask(task, greedy);
    const budget = task.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
    // With topology-aware groups, a program that cannot fit is not built: the search has its time.
    const least = kueue ? leastSolverBytes(model) : 0;
    if (kueue && least > budget) return searchOnly(task, kueue.assignment, least);
    const ip = formulate(model, { symmetry: task.symmetry ?? true });
    port.postMessage({ kind: 'model', size: sizeOf(ip), unplaceable: ip.unplaceable } satisfies WorkerMessage);
    if (ip.unplaceable.length > 0)
      return { result: { status: 'infeasible', note: 'some containers fit on no node' }, solverMs: 0 };
    // Nothing to place: the empty plan is optimal.
    if (ip.m === 0)
      return { result: { status: 'optimal', assignment: new Int32Array(0), objective: 0, bound: 0 }, solverMs: 0 };
    const run = new SolveRun(task, ip);
    const starts = startPlans(run, greedy, kueue);
    firstBounds(run, starts.target);
    if (task.solver === 'greedy') return { result: greedyResult(greedy), solverMs: 0 };
    const solved = CAPABILITIES[task.solver].ownCuts ? ip : rootCuts(run);
    const needed = estimateSolverBytes(solved);
    if (needed > budget) return tooLarge(run, starts, needed);
    const time = run.remaining() - TIME.reserveMs;
    if (time <= 0) return { result: { status: 'unknown', note: 'no time left for the exact solver' }, solverMs: 0 };
    const outcome = runBackend(run, solved, time, starts);
    // Program terms → model terms (the unplaced penalties are in the offset), like every plan's verified objective.
    const r = outcome.result;
    const result = {
      ...r,
      ...(r.bound === undefined ? {} : { bound: run.modelBound(r.bound) }),
      ...(r.objective === undefined ? {} : { objective: r.objective + ip.offset }),
    };
    return { ...outcome, result, solverMs: Date.now() - run.started };
  } finally {
    port.close();
  }
}

/**
 * The per-node program does not fit this solve's memory: the heuristics' plans stand, and where the model has
 * topology-aware groups, the search over them (search/gang-lns.ts) improves the best start for the time left.
 */
function tooLarge(run: SolveRun, starts: Starts, needed: number): WorkerResult {
  const start = starts.heuristicValid && topologyGroupsOf(run.model).length > 0 ? starts.heuristic : null;
  const found = start ? groupSearch(run.task, start) : undefined;
  const note = tooLargeNote(needed, found, 'a Lagrangian bound');
  return { result: { status: 'unknown', note }, solverMs: Date.now() - run.started };
}

/**
 * With topology-aware groups, a per-node program that needs at least `least` bytes, more than the budget, is not
 * built (at 4 096 nodes on the ai suite that took 6 s and 480 MiB of each thread): the search over the groups
 * starts at once from the Kueue-style start, and the cover bound (posted by topologyFirst) certifies.
 */
function searchOnly(task: SolveTask, start: Int32Array, least: number): WorkerResult {
  const started = Date.now();
  const found = groupSearch(task, start);
  return {
    result: { status: 'unknown', note: tooLargeNote(least, found, 'the cover bound', true) },
    solverMs: Date.now() - started,
  };
}

/** Why no exact solve ran, and what answered instead (`found`: the search's better plans, where it ran). */
function tooLargeNote(needed: number, found: number | undefined, bound: string, least = false): string {
  const plans = `${found} better plan${found === 1 ? '' : 's'}`;
  const searched = found === undefined ? '' : `, the search over topology-aware groups (${plans})`;
  const mib = `${least ? 'at least' : 'about'} ${Math.round(needed / 2 ** 20)} MiB`;
  return (
    `the exact model needs ${mib}, more than the WebAssembly heap allows within this solve's memory budget; ` +
    `answered with the heuristics${searched} and ${bound}`
  );
}

/** The search over topology-aware groups from `start` for the time left: how many better plans it posted. */
function groupSearch(task: SolveTask, start: Int32Array): number {
  let found = 0;
  if (task.deadline - Date.now() > 4 * TIME.reserveMs)
    gangLns(task.model, start, {
      deadline: task.deadline - TIME.reserveMs,
      // Each racing thread its own neighbourhoods.
      seed: ENGINE_LIST.findIndex((e) => e.name === task.solver) + 1,
      ...stopHook(task),
      onImprove: (plan) => void (offerPlan(task, plan, 'lns').valid && found++),
    });
  return found;
}

/** The seed greedy plan, computed here and posted with its verification (the event loop need not redo it). */
function seedGreedy(task: SolveTask): PlanSummary {
  const greedy = greedyPlan(task.model);
  const verification = verifyPlan(task.model, greedy, false);
  task.port.postMessage({ kind: 'greedy', assignment: greedy, verification } satisfies WorkerMessage);
  return { assignment: greedy, verification };
}

/**
 * A model at cluster scale (solver/scale): bounds and plans from the aggregate program over node groups
 * and container classes, each plan verified here before it is posted. With `solver: "greedy"` only the
 * greedy plan (the seed rule) is answered.
 */
function scaleTask(task: SolveTask, given: Int32Array | undefined): WorkerResult {
  const { model } = task;
  const started = Date.now();
  const post = (msg: WorkerMessage): void => task.port.postMessage(msg);
  let best: { assignment: Int32Array; objective: number } | undefined;
  // The seed greedy plan, verified once: given, or computed here once the first bound is posted.
  let seed: PlanSummary | undefined;
  const seeded = (): PlanSummary => {
    if (seed) return seed;
    seed = given ? { assignment: given, verification: verifyPlan(model, given, false) } : seedGreedy(task);
    const v = seed.verification;
    // As every plan here, with completeness required: an incomplete one counts where containers may stay out.
    if (
      v.valid &&
      (v.complete || model.rules?.unplacedPenalty !== undefined) &&
      (!best || v.objective < best.objective)
    )
      best = { assignment: seed.assignment, objective: v.objective };
    return seed;
  };
  // The branch and bound alone (a second thread) leaves the greedy, and its verification, to the lead.
  const alone = task.scaleRole === 'mip';
  if ((given && !alone) || task.solver === 'greedy' || !ready) seeded();
  if (task.solver === 'greedy' || !ready) return { result: greedyResult(seeded().assignment), solverMs: 0 };
  let bound: number | undefined;
  // The scale path needs an engine with LPs, duals and programs changed in place: the pinned one if it has them.
  const engine = engineFor('scale', task.solver);
  const outcome = scaleSolve(
    ENGINES[engine],
    model,
    task.deadline - TIME.reserveMs,
    {
      bound: (b, method) => {
        if (bound !== undefined && b <= bound) return;
        bound = b;
        post({ kind: 'bound', bound: b, method });
        if (!alone) seeded();
      },
      plan: (assignment) => {
        const v = verifyPlan(model, assignment, true);
        if (!v.valid) return undefined;
        post({ kind: 'incumbent', assignment, source: 'aggregate', objective: v.objective });
        if (!best || v.objective < best.objective) best = { assignment, objective: v.objective };
        return v.objective;
      },
      size: (size) => post({ kind: 'model', size: { ...size, plain: plainSize(model) }, unplaceable: [] }),
      ...stopHook(task),
    },
    () => {
      const { assignment, verification } = seeded();
      return verification.valid && verification.complete ? assignment : undefined;
    },
    task.scaleRole,
  );
  if (!alone) seeded();
  const moved = movedNote(engine, task.solver);
  const note = `${moved}${outcome.note}`;
  const withBound = bound === undefined ? {} : { bound };
  const result: BackendResult = best
    ? { status: 'feasible', ...best, ...withBound, note }
    : { status: 'unknown', ...withBound, note };
  return { result, solverMs: Date.now() - started, source: 'aggregate', ...(moved ? { engine } : {}) };
}

/** A pinned engine that cannot hold the scale path: the answer names the engine that ran, and says why. */
const movedNote = (engine: EngineName, pinned: SolveTask['solver']): string =>
  engine === pinned
    ? ''
    : `${cannot(pinned as EngineName, 'scale', 'the scale path')}: it ran on ${ENGINE_LABELS[engine]}; `;

/** The check of the task's stop cell (set by the main thread when the race ends), where it has one. */
function stopHook(task: SolveTask): { shouldStop?: () => boolean } {
  if (!task.stop) return {};
  const stop = new Int32Array(task.stop);
  return { shouldStop: () => Atomics.load(stop, 0) !== 0 };
}

/** The plain 0-1 model's size, counted: one binary per pair that may be used, one row per container and capacity. */
function plainSize(model: AssignmentModel): ProgramSize['plain'] {
  return {
    variables: model.nodes.length * model.items.length,
    constraints: model.items.length + model.nodes.length * model.resources.length,
  };
}

/**
 * The containers that fit on no node even alone (blocked everywhere, or too large for every node), the
 * nodes scanned once per distinct container (blocks and requests), not once per container.
 */
function fitsNowhere(model: AssignmentModel): number[] {
  const out: number[] = [];
  const known = new Map<string, boolean>();
  const blocked = model.rules?.blocked;
  const m = model.items.length;
  for (let j = 0; j < m; j++) {
    const pinned = (blocked?.pinnedTo?.[j] ?? -1) >= 0;
    const key = model.resources.some((r) => r.perNode)
      ? String(j)
      : `${pinned ? `p${j}` : (blocked?.colKey[j] ?? 0)}|${model.resources.map((r) => r.demand[j]).join(',')}`;
    let fits = known.get(key);
    if (fits === undefined) {
      fits = model.nodes.some((_, i) => !isBlocked(model, i, j) && fitsEmpty(model, i, j));
      known.set(key, fits);
    }
    if (!fits) out.push(j);
  }
  return out;
}

interface Starts {
  readonly greedy: Int32Array;
  readonly greedyValid: boolean;
  readonly heuristic: Int32Array | null;
  readonly heuristicValid: boolean;
  /** The best objective of the two (model terms), for the Lagrangian step size. */
  readonly target: number | undefined;
}

/** The greedy checked and the regret + local search heuristic run (within its share of the time). */
function startPlans(run: SolveRun, greedy: Int32Array, kueuePlan: PlanSummary | undefined): Starts {
  const greedyCheck = verifyPlan(run.model, greedy, true);
  let heuristic: Int32Array | null = null;
  if (run.task.solver !== 'greedy' && run.remaining() > 4 * TIME.reserveMs) {
    heuristic = heuristicPlan(
      run.model,
      greedyCheck.valid ? greedy : null,
      Date.now() + Math.min(TIME.heuristic.maxMs, run.remaining() * TIME.heuristic.share),
    );
  }
  const first = heuristic ? run.offerPlan(heuristic, 'heuristic') : undefined;
  // The heuristic's search weighs the cost alone: Kueue's plan may be the better start where groups have topology.
  const better = kueuePlan && (!first?.valid || kueuePlan.verification.objective < first.objective);
  if (better) heuristic = kueuePlan.assignment;
  const heuristicCheck = better ? kueuePlan.verification : first;
  const target = heuristicCheck?.valid
    ? heuristicCheck.objective
    : greedyCheck.valid
      ? greedyCheck.objective
      : undefined;
  return { greedy, greedyValid: greedyCheck.valid, heuristic, heuristicValid: heuristicCheck?.valid ?? false, target };
}

/**
 * Where the model has topology-aware groups, before any program is built: the cover bound (solver/topology-bound.ts)
 * is posted, and the best verified Kueue-style plan (solver/kueue.ts, topologyStart) is offered and returned.
 */
function topologyFirst(task: SolveTask): PlanSummary | undefined {
  const { model } = task;
  if (task.solver === 'greedy' || topologyGroupsOf(model).length === 0) return undefined;
  const bound = topologyBound(model);
  if (bound !== undefined)
    task.port.postMessage({ kind: 'bound', bound, method: 'topology cover' } satisfies WorkerMessage);
  const k = kueuePlan(model);
  if (!k || !verifyPlan(model, k.plan, true).valid) return undefined;
  const until = Date.now() + Math.min(TIME.defragment.maxMs, (task.deadline - Date.now()) * TIME.defragment.share);
  const plan = topologyStart(model, k, until);
  const verification = verifyPlan(model, plan, true);
  const incumbent: WorkerMessage = {
    kind: 'incumbent',
    assignment: plan,
    source: 'heuristic',
    objective: verification.objective,
  };
  task.port.postMessage(incumbent);
  return { assignment: plan, verification };
}

/**
 * The best, by the objective, of the Kueue-style plan and those that spare domains (solver/defragment.ts) of
 * keepFree's level, else of the level above the hosts; with keepFree, each is emptied further.
 */
function topologyStart(model: AssignmentModel, k: KueueBaseline, until: number): Int32Array {
  const free = keepFreeRuleOf(model);
  const tree = model.topology!;
  const domains = free?.domains ?? (tree.labels.length > 1 ? tree.domains[tree.labels.length - 2] : undefined);
  const admitted = k.groups.filter((g) => g.admitted).length;
  // With keepFree, half of the time for the family and the rest for emptying its plans (in the family's order).
  const familyUntil = free ? Date.now() + (until - Date.now()) / 2 : until;
  const plans = [k.plan, ...(domains ? sparingPlans(model, domains, admitted, familyUntil) : [])];
  let best = { plan: k.plan, objective: verifyPlan(model, k.plan, true).objective };
  for (const p of plans) {
    const emptied = free ? freeDomains(model, p, free, until) : p;
    const v = verifyPlan(model, emptied, true);
    if (v.valid && v.objective < best.objective) best = { plan: emptied, objective: v.objective };
  }
  return best.plan;
}

/** The assignment bound and a Lagrangian bound (capacity rows relaxed), posted at once. */
function firstBounds(run: SolveRun, target: number | undefined): void {
  const { ip } = run;
  const lagrangian = lagrangianBound(
    ip,
    target === undefined ? undefined : target - ip.offset,
    Date.now() + Math.min(TIME.lagrangian.maxMs, run.remaining() * TIME.lagrangian.share),
  );
  run.bound = tighterBound(ip.sense, run.bound, run.modelBound(lagrangian)) ?? run.bound;
  run.post({ kind: 'bound', bound: run.bound, method: 'lagrangian' });
}

/**
 * The optimum of a held LP within `ms` (its value and point), or undefined when it was not solved to optimality;
 * the program is disposed.
 */
function lpOptimum(held: HeldProgram, ms: number): { readonly z: number; readonly x: Float64Array } | undefined {
  try {
    const s = held.solve({ timeLimitMs: ms });
    return s.status === 'optimal' && s.x ? { z: s.objective!, x: s.x } : undefined;
  } finally {
    held.dispose();
  }
}

/** Root cutting planes for the engines without cuts of their own: LP (strategy.ts's rootLp), extended covers, again. */
function rootCuts(run: SolveRun): IntegerProgram {
  const { ip } = run;
  const cuts = TIME.rootCuts;
  if (ip.varCost.length > cuts.maxVariables) return ip;
  let solved = ip;
  const cutDeadline = Date.now() + Math.min(run.remaining() * cuts.share, cuts.maxMs);
  const engine = ENGINES[engineFor('rootLp', run.task.solver)];
  for (
    let round = 0;
    round < cuts.rounds && Date.now() < cutDeadline && run.remaining() > 4 * TIME.reserveMs;
    round++
  ) {
    const lp = lpOptimum(engine.hold(relaxed(solved)), Math.max(1, cutDeadline - Date.now()));
    if (lp === undefined) break;
    run.offerBound(run.modelBound(lp.z), round === 0 ? 'lp' : 'lp+cuts');
    const cuts = separateCovers(solved, lp.x, solved.rows.length);
    if (cuts.length === 0) break;
    solved = withRows(solved, cuts);
  }
  if (solved !== ip) run.post({ kind: 'model', size: sizeOf(solved), unplaceable: [] });
  return solved;
}

function runBackend(
  run: SolveRun,
  solved: IntegerProgram,
  budget: number,
  starts: Starts,
): { result: BackendResult; source?: PlanSource } {
  const { task, model } = run;
  const input = { model, ip: solved, timeLimitMs: budget, mipGap: task.mipGap };
  const hooks: SolveHooks = {
    onIncumbent: (assignment) => void run.offerPlan(assignment, task.solver),
    onBound: (bound) => run.offerBound(run.modelBound(bound), task.solver),
    ...stopHook(task),
    ...(starts.heuristicValid && starts.heuristic ? { start: starts.heuristic } : {}),
  };
  if (task.relay && task.lnsAfterShare !== undefined && searchesApply(model))
    return partnerThenSearch(run, input, budget, starts);
  return { result: BACKENDS[task.solver].solve(input, hooks) };
}

/** The best of these plans that verifies (each checked once), or undefined. */
function bestOf(model: AssignmentModel, plans: readonly (Int32Array | null | undefined)[]): Int32Array | undefined {
  const sign = senseSign(model.sense);
  let best: Int32Array | undefined;
  let value = Infinity;
  for (const p of plans) {
    if (!p) continue;
    const v = verifyPlan(model, p, true);
    if (v.valid && sign * v.objective < value) [best, value] = [p, sign * v.objective];
  }
  return best;
}

/** The Dantzig–Wolfe bound by column generation (undefined where it does not apply or its LP fails), posted. */
function dantzigWolfe(run: SolveRun, start: Int32Array, end: number): ReturnType<typeof columnGeneration> {
  if (!ready) return undefined;
  const share = TIME.columnGeneration;
  const until = Date.now() + Math.min(share.maxMs, Math.max(0, end - Date.now()) * share.share);
  let cg: ReturnType<typeof columnGeneration>;
  try {
    cg = columnGeneration(ENGINES[engineFor('columns')], run.model, start, until);
  } catch {
    return undefined; // a failed LP leaves the bounds already proven
  }
  if (cg) run.offerBound(roundBound(run.ip, cg.bound), 'dantzig-wolfe');
  return cg;
}

/**
 * The LP start (search/rounding.ts) where the subset search applies without column generation's multipliers, on
 * models above column generation's size (COLGEN_MAX_ITEMS containers) of at most TIME.lpStart.maxPairs pairs; its
 * plan is posted. Undefined where it does not run or its LP fails.
 */
function lpFirst(run: SolveRun, start: Int32Array, end: number, searches: string[]): LpStart | undefined {
  const { model } = run;
  const share = TIME.lpStart;
  const size = model.nodes.length * model.items.length;
  if (!ready || model.items.length <= COLGEN_MAX_ITEMS || size > share.maxPairs) return undefined;
  const until = Date.now() + Math.min(share.maxMs, Math.max(0, end - Date.now()) * share.share);
  let found: LpStart | undefined;
  try {
    const upper = objective(data(model), start);
    found = lpStart(ENGINES[engineFor('rounding')], model, upper, until, share.completionMaxMs);
  } catch {
    return undefined; // a failed LP leaves the plans already found
  }
  if (!found) return undefined;
  searches.push('the LP start');
  if (found.plan) void run.offerPlan(found.plan, 'rounding');
  return found;
}

/**
 * The searches from `start` until `end`: the LP start, the ejection chains, then the exact node-subset search
 * (driven by column generation's multipliers where it converged, else by the LP's duals or the capacity prices
 * of prices.ts), or LNS where neither applies. The plan the subset search proved optimal, if it did; and the
 * searches run, for the note.
 */
function searchFrom(
  run: SolveRun,
  start: Int32Array,
  cg: ReturnType<typeof columnGeneration>,
  end: number,
  poll: () => Int32Array | undefined,
): { proved?: Int32Array; searches: string[] } {
  const { model } = run;
  const searches: string[] = [];
  const report =
    (source: PlanSource) =>
    (plan: Int32Array): void =>
      void run.offerPlan(plan, source);
  const converged = cg?.converged === true;
  const chains = chainsApply(model);
  const subsets = converged || subsetSearchApplies(model);
  const priced =
    !converged && (chains || subsets)
      ? pricedStart(model, start, Date.now() + Math.min(TIME.prices.maxMs, (end - Date.now()) * TIME.prices.share))
      : undefined;
  const lp = !converged && subsets ? lpFirst(run, start, end, searches) : undefined;
  let from = bestOf(model, [lp?.plan, start]) ?? start;
  if (chains) {
    const share = subsets ? TIME.chains.beforeSubsets : TIME.chains.share;
    const chainEnd = Date.now() + Math.max(0, end - Date.now()) * share;
    const found = chainSearch(model, cheaper(model, priced?.chainStart, from), {
      deadline: chainEnd,
      poll,
      onImprove: report('chains'),
    });
    from = bestOf(model, [found, from]) ?? from;
    searches.push('ejection-chain search');
  }
  const multipliers = converged ? cg!.multipliers : subsets ? (lp?.multipliers ?? priced?.multipliers) : undefined;
  if (multipliers) {
    const on = converged ? '' : lp ? ' (on LP duals)' : ' (on capacity prices)';
    searches.push(`the Lagrangian node-subset search${on}`);
    const found = subsetSearch(model, from, multipliers, {
      deadline: end,
      poll,
      onImprove: report('subsets'),
      ...(lp && { lpWhole: lp.whole }),
    });
    return found?.optimal ? { proved: found.plan, searches } : { searches };
  }
  searches.push('large-neighbourhood search');
  lns(model, from, { deadline: end, poll, onImprove: report('lns') });
  return { searches };
}

/** Of a complete plan that may not fit (the priced start) and one that does, the one costing less. */
function cheaper(model: AssignmentModel, maybe: Int32Array | undefined, fits: Int32Array): Int32Array {
  if (!maybe) return fits;
  const d = data(model);
  return objective(d, maybe) < objective(d, fits) ? maybe : fits;
}

/**
 * The portfolio's partner (strategy.ts): its own engine for its share of the time; without a proof by then,
 * the Dantzig–Wolfe bound and the searches from the best plan so far, taking the plans the lead finds
 * (relayed by the main thread) as they come.
 */
function partnerThenSearch(
  run: SolveRun,
  input: Parameters<(typeof BACKENDS)[EngineName]['solve']>[0],
  budget: number,
  starts: Starts,
): { result: BackendResult; source?: PlanSource } {
  const { task, model, ip } = run;
  const share = task.lnsAfterShare!;
  const result = BACKENDS[task.solver].solve({ ...input, timeLimitMs: Math.max(1, Math.floor(budget * share)) });
  if (result.status !== 'feasible' && result.status !== 'unknown') return { result };
  const relay = task.relay!;
  const latest = (): Int32Array | undefined => {
    let plan: Int32Array | undefined;
    for (let msg = receiveMessageOnPort(relay); msg !== undefined; msg = receiveMessageOnPort(relay)) {
      plan = (msg.message as { assignment: Int32Array }).assignment;
    }
    return plan;
  };
  const start = bestOf(model, [
    result.assignment,
    starts.heuristicValid ? starts.heuristic : null,
    starts.greedyValid ? starts.greedy : null,
    latest(),
  ]);
  if (!start) return { result };
  const end = task.deadline - TIME.reserveMs;
  const { proved, searches } = searchFrom(run, start, dantzigWolfe(run, start, end), end, latest);
  const name = ENGINE_LABELS[task.solver as EngineName];
  const ownNote = (what: string): string => `${name} found no proof in ${Math.round(budget * share)} ms; ${what}`;
  if (!proved) return { result: { ...result, note: ownNote(`${searches.join(', then ')} used the rest`) } };
  // The bound is the plan's own objective, in program terms like the other results'.
  const objective = verifyPlan(model, proved, true).objective - ip.offset;
  const note = ownNote(
    `${searches.join(', then ')} proved the plan optimal (Lagrangian branch and bound over every node)`,
  );
  return { result: { status: 'optimal', assignment: proved, objective, bound: objective, note }, source: 'subsets' };
}

/** The minimal-conflict search, posting each smaller conflict as it is proven. */
function explainTask(task: ExplainTask): ExplainResult {
  try {
    const explanation = findConflict(task.model, task.deadline, (keep) =>
      task.port.postMessage({ kind: 'conflict', containers: Int32Array.from(keep) } satisfies WorkerMessage),
    );
    return { explanation };
  } finally {
    task.port.close();
  }
}

/**
 * Idle this long, the thread warms the engines up (those that compile code on first use), one small LP per turn
 * (never under load, when threads come and go).
 */
const WARM_UP_AFTER_IDLE_MS = 1000;
const WARM_UP_ROUNDS = 5;

/** The first LP of a large snapshot is what its first bound waits for: compiled while nothing else runs. */
function idleWarmUp(): { pause(): void; resume(): void } {
  let rounds = 0;
  let timer: NodeJS.Timeout | undefined;
  const step = (): void => {
    if (!ready || rounds >= WARM_UP_ROUNDS) return;
    for (const engine of ENGINE_LIST) engine.warmUp?.();
    rounds++;
    timer = setTimeout(step, 0);
  };
  const resume = (): void => {
    clearTimeout(timer);
    if (rounds < WARM_UP_ROUNDS) timer = setTimeout(step, WARM_UP_AFTER_IDLE_MS);
  };
  return { pause: () => clearTimeout(timer), resume };
}

const warming = idleWarmUp();

serveTasks(
  (task: WorkerTask) => {
    warming.pause();
    try {
      if (task.kind === 'changes') return orderChanges(task.model, task.start, task.target, task.deadline);
      if (task.kind === 'consolidate') return consolidationFrontier(task.model, task.prices, task, task.deadline);
      return task.kind === 'explain' ? explainTask(task) : solveTask(task);
    } finally {
      warming.resume();
    }
  },
  loadEngines().then(() => {
    ready = true;
    warming.resume();
  }),
  // The heaps the engines report (HiGHS's; GLPK's is not visible and is bounded by the memory gate before each solve).
  () => {
    const bytes = ENGINE_LIST.map((e) => e.memoryBytes?.()).filter((b): b is number => b !== undefined);
    return bytes.length === 0 ? undefined : bytes.reduce((t, b) => t + b, 0);
  },
);
