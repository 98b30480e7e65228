import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { decide, provesOptimal, type Gathered } from './choose.js';
import { senseSign, type AssignmentModel } from '../models/model.js';
import type { BackendName, SolveOptions } from '../models/options.js';
import { objectivePrecision, type ObjectivePrecision } from '../models/precision.js';
import { tighterBound } from './bounds.js';
import { greedyPlan } from './greedy.js';
import { atScale, scaleMipApplies, scalePathWithoutAggregate } from './scale/aggregate.js';
import { tinyCoefficientNotes } from './formulate.js';
import { DeadlineError, type SolverPool, type Ticket } from './pool.js';
import { unplacedReasons } from './reasons.js';
import { prepareVerification, verifyPlan } from './verify.js';
import type { PlanSummary, SolveOutcome } from './outcome.js';
import type { SolveTask, WorkerMessage, WorkerResult } from './protocol.js';
import type { ScaleRole } from './scale/solve.js';
import type { Lease } from './threads.js';
import { CAPABILITIES, ENGINE_LABELS } from './backends/capabilities.js';
import { engineFor, portfolio, TIME } from './strategy.js';

/**
 * Solves one validated model under a wall-clock deadline and returns only verified plans.
 *
 * `solver: "auto"` (the default) races the portfolio's lead and partner (strategy.ts: HiGHS and GLPK, chosen by
 * what they can do) on the same model in two worker threads (the second only when a thread is idle: under load
 * the request runs on one): the first proof (optimal or infeasible) wins and the other is stopped; at the
 * deadline every worker still running is stopped and the best verified plan among their incumbents and the
 * heuristics is returned, with the tightest bound any of them proved.
 *
 * Statuses:
 * - optimal: a verified plan whose objective meets a proven bound: on the grid of the objective's
 *   resolution when costs are decimals (models/precision.ts), else within 1e-9 of its scale;
 * - feasible: a verified complete plan, with the best proven bound and the gap to it;
 * - infeasible: proven that no plan places every container (reasons say why);
 * - unknown: no complete verified plan within the time limit, and no proof of infeasibility.
 * The seed greedy plan is always computed and returned beside the answer.
 */
export type { BackendReport, PlanSummary, SolveOutcome, Source } from './outcome.js';

export interface SolveContext {
  /** The request's place in the solver queue (default: a ticket of its own, released at the end). */
  readonly ticket?: Ticket;
  /** The seed greedy plan, already computed where the input was read (default: the lead worker computes it). */
  readonly greedy?: Int32Array;
  /** `greedy` already verified (used only when its assignment is `greedy` itself). */
  readonly greedyChecked?: PlanSummary;
  /** Epoch ms by which the answer is due (default: now + options.timeLimitMs). */
  readonly deadline?: number;
  /** Ends the solve early (the client went away, or the service is shutting down): the best plan so far is returned. */
  readonly signal?: AbortSignal;
  /** The objective's scale and resolution (default: computed from the model). */
  readonly precision?: ObjectivePrecision;
  /** Reports each better verified objective and bound as they come (for progress lines and job events). */
  readonly onProgress?: (p: Progress) => void;
}

/** A better verified objective (with whether its plan places every container), or a proven bound. */
export interface Progress {
  readonly objective?: number;
  readonly bound?: number;
  readonly placesAll?: boolean;
}

const placesAll = (assignment: ArrayLike<number>): boolean => {
  for (let j = 0; j < assignment.length; j++) if (assignment[j]! < 0) return false;
  return true;
};

/**
 * When the first proven bound, and the first plan placing every container, reached this thread (the answer's
 * timings.firstBoundMs and firstPlanMs): `watched` passes the progress on and notes them; `at` gives them at the
 * end (what came only with the solvers' results came when they ended).
 */
function progressMarks(ctx: SolveContext, started: number) {
  let bound: number | undefined;
  let plan = ctx.greedy && placesAll(ctx.greedy) ? started : undefined;
  const watched: SolveContext = {
    ...ctx,
    onProgress: (p) => {
      if (p.bound !== undefined) bound ??= Date.now();
      if (p.placesAll) plan ??= Date.now();
      ctx.onProgress?.(p);
    },
  };
  const at = (decided: { bound: number | null; plan: { assignment: Int32Array } }) => {
    const boundAt = bound ?? (decided.bound === null ? undefined : Date.now());
    const planAt = plan ?? (placesAll(decided.plan.assignment) ? Date.now() : undefined);
    return { ...(boundAt === undefined ? {} : { firstBoundAt: boundAt }), ...(planAt ? { firstPlanAt: planAt } : {}) };
  };
  return { watched, at };
}

/**
 * How often the workers' messages are read (to relay HiGHS's incumbents to the other worker, and for progress) (ms).
 */
const RELAY_INTERVAL_MS = 200;
/** Largest nodes × containers for which a missing greedy plan is computed on the main thread. */
const MAIN_THREAD_GREEDY_PAIRS = 20_000;

interface Run {
  readonly backend: BackendName;
  /** The portfolio's partner: it takes the lead's incumbents through the relay, and searches from them. */
  readonly partner: boolean;
  readonly lease: Lease;
  readonly channel: MessageChannel;
  /** The relay from the lead's incumbents to the partner (shared by the runs of one solve). */
  readonly relay: MessageChannel | undefined;
  /** The shared stop cell an engine that stops gracefully checks at its checkpoints. */
  readonly stop: Int32Array;
  /** Messages already taken off the port (to relay them), still to be read by drain. */
  readonly buffer: WorkerMessage[];
  readonly task: Promise<WorkerResult>;
  settled?: { readonly result?: WorkerResult; readonly error?: unknown };
  /** It returned only because it was asked to stop (the other won, or the solve ended): reported `stopped`. */
  stopped?: boolean;
}

export async function solveModel(
  model: AssignmentModel,
  options: SolveOptions,
  pool: SolverPool,
  ctx: SolveContext = {},
): Promise<SolveOutcome> {
  const started = Date.now();
  const deadline = ctx.deadline ?? started + options.timeLimitMs;
  const seeded = greedyOnly(model, options, ctx, started);
  if (seeded) return seeded;
  const ticket = ctx.ticket ?? pool.admit({ deadline, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  try {
    const notes: string[] = [...tinyCoefficientNotes(model)];
    let lead: Lease;
    try {
      lead = await ticket.lead(deadline);
    } catch (err) {
      if (!(err instanceof DeadlineError) && !ctx.signal?.aborted) throw err;
      notes.push(
        err instanceof DeadlineError
          ? `${err.message}: answered with the greedy plan`
          : 'stopped before a solver thread was free: answered with the greedy plan',
      );
      return finishWithout(model, ctx, notes, started, true, ticket.waitedMs);
    }
    const shared: Shared = {
      model,
      options,
      pool,
      deadline,
      greedy: ctx.greedy,
      stopBuffer: new SharedArrayBuffer(4),
      relay: options.solver === 'auto' ? new MessageChannel() : undefined,
    };
    const ended = new AbortController();
    const { runs, joining } = startRuns(
      shared,
      ticket,
      lead,
      ctx.signal ? AbortSignal.any([ctx.signal, ended.signal]) : ended.signal,
    );
    const early = whileSolving(model, ctx, notes);
    const marks = progressMarks(ctx, started);
    const timedOut = await race(model, runs, joining, deadline, marks.watched, notes, options.timeLimitMs);
    ended.abort(new Error('the solve ended'));
    if (options.solver === 'auto' && runs.length === 1 && !atScale(model)) notes.push(aloneNote(pool));
    const decided = await settle(model, runs, ticket, ctx, notes, early());
    const timings = { totalMs: Date.now() - started, timedOut, queuedMs: ticket.waitedMs };
    return { ...decided, timings: { ...timings, ...marks.at(decided) } };
  } finally {
    if (!ctx.ticket) ticket.release();
  }
}

/** Why the portfolio's lead ran alone: a second thread was loading (a new or replaced one), or others held it. */
function aloneNote(pool: SolverPool): string {
  const lead = ENGINE_LABELS[portfolio().lead];
  if (pool.threads < 2) return `the portfolio ran ${lead} alone: the service has one solver thread (SOLVER_THREADS)`;
  return pool.health().starting > 0
    ? `the portfolio ran ${lead} alone: the second solver thread was still loading`
    : `the portfolio ran ${lead} alone: other requests held the other solver threads`;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * While the solvers run, not after them (tens of ms each at scale): the greedy plan known from the start
 * verified (when it was not already), and the verifier's tables made ready for the plans to come.
 */
function whileSolving(model: AssignmentModel, ctx: SolveContext, notes: string[]): () => PlanSummary | undefined {
  return later(() => {
    prepareVerification(model);
    return ctx.greedy ? greedySummary(model, ctx, undefined, notes) : undefined;
  });
}

/**
 * `work` a little later (not on the turn that sent the model to the solver threads, which has taken tens
 * of ms already), or at once when its result is asked for first (a solve shorter than the delay).
 */
function later<T>(work: () => T): () => T {
  let done: { value: T } | { error: unknown } | undefined;
  const run = (): void => {
    try {
      done = { value: work() };
    } catch (error) {
      done = { error };
    }
  };
  const timer = setTimeout(run, AFTER_SEND_MS);
  return () => {
    if (!done) {
      clearTimeout(timer);
      run();
    }
    if ('error' in done!) throw done.error;
    return done!.value;
  };
}
const AFTER_SEND_MS = 20;

/** After the race: the runs' messages read, their threads given back, the plan and status decided. */
async function settle(
  model: AssignmentModel,
  runs: readonly Run[],
  ticket: Ticket,
  ctx: SolveContext,
  notes: string[],
  early: PlanSummary | undefined,
): Promise<ReturnType<typeof decide>> {
  const progress = drain(runs, model.sense);
  for (const r of runs) r.channel.port1.close();
  // A thread whose run returned stays warm: the lead for the request's next step, the partner for anyone.
  if (!runs[0]?.settled?.result) ticket.dropLead();
  for (const r of runs.slice(1)) r.lease.release();
  // Each verification of a 150 000-container plan takes some 75 ms: the event loop gets a turn between them.
  await yieldToEventLoop();
  const fromWorker =
    progress.greedy && progress.greedyVerification?.valid
      ? { assignment: progress.greedy, verification: progress.greedyVerification }
      : undefined;
  const greedy = early ?? fromWorker ?? greedySummary(model, ctx, progress.greedy, notes);
  await yieldToEventLoop();
  const finished = runs.map((r) => ({
    backend: r.backend,
    ...(r.settled?.result ? { result: r.settled.result } : {}),
    failed: r.settled?.error !== undefined,
    stopped: r.stopped === true,
  }));
  const decided = decide(model, finished, progress, greedy, ctx.precision ?? objectivePrecision(model), notes);
  // The answer is written (and its model sent to an input thread) on a later turn.
  await yieldToEventLoop();
  return decided;
}

/** What the runs of one solve share: the model, the stop cell, and the relay from the lead to the partner. */
interface Shared {
  readonly model: AssignmentModel;
  readonly options: SolveOptions;
  readonly pool: SolverPool;
  readonly deadline: number;
  readonly greedy: Int32Array | undefined;
  readonly stopBuffer: SharedArrayBuffer;
  readonly relay: MessageChannel | undefined;
}

/** Starts one backend on a leased thread (the portfolio's partner with the relay from the lead). */
function startRun(shared: Shared, backend: BackendName, lease: Lease, partner = false, scaleRole?: ScaleRole): Run {
  const { model, options, pool } = shared;
  const relay = partner ? shared.relay : undefined;
  const channel = new MessageChannel();
  const withRelay = relay ? { relay: relay.port2, lnsAfterShare: TIME.partnerMip.share } : {};
  const task: SolveTask = {
    kind: 'solve',
    model,
    solver: backend,
    deadline: shared.deadline,
    mipGap: options.mipGap,
    port: channel.port2,
    stop: shared.stopBuffer,
    symmetry: options.symmetry,
    ...(pool.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: pool.memoryBudgetBytes }),
    ...(shared.greedy ? { greedy: shared.greedy } : {}),
    ...withRelay,
    ...(scaleRole ? { scaleRole } : {}),
  };
  const transfer = relay ? [channel.port2, relay.port2] : [channel.port2];
  const run: Run = {
    backend,
    partner,
    lease,
    channel,
    relay: shared.relay,
    stop: new Int32Array(shared.stopBuffer),
    buffer: [],
    task: lease.run<WorkerResult>(task, transfer, model.nodes.length * model.items.length),
  };
  run.task.catch(() => undefined);
  return run;
}

/**
 * The lead's backend at once and, for `auto`, the partner's on a second thread (strategy.ts's portfolio): now if
 * one is idle, else later if one frees up soon while no request waits (`joining`).
 */
function startRuns(
  shared: Shared,
  ticket: Ticket,
  lead: Lease,
  signal: AbortSignal,
): { runs: Run[]; joining?: Promise<Run | undefined> } {
  const { options } = shared;
  // At cluster scale both workers would solve the same aggregate program: one thread does it, and for pack a second
  // one, where idle, runs the aggregate branch and bound alone (scale/aggregate.ts scaleMipApplies).
  const chosen = portfolio();
  if (options.solver !== 'auto') return { runs: [startRun(shared, options.solver, lead)] };
  const runs = [startRun(shared, chosen.lead, lead)];
  if (atScale(shared.model)) {
    const second = scaleMipApplies(shared.model) ? ticket.partner() : undefined;
    return { runs: second ? [...runs, startRun(shared, engineFor('scale'), second, false, 'mip')] : runs };
  }
  const partner = chosen.partner;
  if (!partner) return { runs };
  const now = ticket.partner();
  if (now) return { runs: [...runs, startRun(shared, partner, now, true)] };
  const wait = TIME.partnerWait;
  const waitMs = Math.min(wait.maxMs, wait.share * options.timeLimitMs, shared.deadline - Date.now());
  const joining = ticket
    .partnerSoon(waitMs, signal)
    .then((lease) => (lease ? startRun(shared, partner, lease, true) : undefined));
  return { runs, joining };
}

/**
 * Waits for the first proof, every worker's end, the deadline or the signal; then stops what still runs
 * (HiGHS through the shared flag, with a short grace; the rest by terminating the thread). True when the
 * deadline (or the signal) ended it.
 */
/**
 * Reads the workers' messages as they come (every RELAY_INTERVAL_MS): the lead's incumbents go on to the
 * partner, and each better objective and bound to the progress callback.
 */
function poller(model: AssignmentModel, runs: readonly Run[], ctx: SolveContext): () => void {
  const relay = runs[0]?.relay;
  const sign = senseSign(model.sense);
  let best: number | undefined;
  let full = false;
  const take = (r: Run, m: WorkerMessage): void => {
    r.buffer.push(m);
    if (m.kind === 'bound') ctx.onProgress?.({ bound: m.bound });
    if (m.kind === 'greedy' && !full && placesAll(m.assignment)) ctx.onProgress?.({ placesAll: (full = true) });
    if (m.kind !== 'incumbent') return;
    if (relay && !r.partner) relay.port1.postMessage({ assignment: m.assignment });
    if (best !== undefined && sign * m.objective >= sign * best) return;
    best = m.objective;
    full ||= placesAll(m.assignment);
    ctx.onProgress?.({ objective: m.objective, placesAll: full });
  };
  return () => {
    for (const r of runs) {
      for (
        let msg = receiveMessageOnPort(r.channel.port1);
        msg !== undefined;
        msg = receiveMessageOnPort(r.channel.port1)
      ) {
        take(r, msg.message as WorkerMessage);
      }
    }
  };
}

/** Resolves at the deadline ('timeout') or when the signal aborts ('aborted'); `cancel` clears the timer. */
function stopper(
  deadline: number,
  signal: AbortSignal | undefined,
): { stopped: Promise<'timeout' | 'aborted'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    if (signal?.aborted) resolve('aborted');
  });
  return { stopped, cancel: () => clearTimeout(timer) };
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Whether a run's result ends the race: a proof of infeasibility, or an optimal plan that verifies. */
function isProof(model: AssignmentModel, result: WorkerResult, precision: () => ObjectivePrecision): boolean {
  const r = result.result;
  // An "optimal" whose bound is looser than the status's tolerance (GLPK's tol_obj on ratio costs) proves nothing
  // here: the partner keeps solving. The precision is decide()'s, read only when a result says optimal.
  const tight =
    r.objective === undefined || r.bound === undefined || provesOptimal(model.sense, r.objective, r.bound, precision());
  const decisive = (r.status === 'optimal' && tight) || (r.status === 'feasible' && r.withinGap === true);
  return (
    r.status === 'infeasible' || (decisive && r.assignment !== undefined && verifyPlan(model, r.assignment, true).valid)
  );
}

/**
 * Waits for the first proof, every worker's end, the deadline or the signal (a partner that joins late
 * is added as it comes); then stops what still runs. True when the deadline (or the signal) ended it.
 */
async function race(
  model: AssignmentModel,
  runs: Run[],
  joining: Promise<Run | undefined> | undefined,
  deadline: number,
  ctx: SolveContext,
  notes: string[],
  timeLimitMs: number,
): Promise<boolean> {
  const poll = poller(model, runs, ctx);
  let precision = ctx.precision;
  const precisionOf = (): ObjectivePrecision => (precision ??= objectivePrecision(model));
  const relayTimer = setInterval(poll, RELAY_INTERVAL_MS);
  const { stopped, cancel } = stopper(deadline, ctx.signal);
  let timedOut = false;
  let join = joining?.then((run) => ({ joined: run }));
  try {
    for (;;) {
      const pending = runs.filter((r) => !r.settled);
      if (pending.length === 0) break;
      const settle = (r: Run) =>
        r.task.then(
          (result) => ({ run: r, result }),
          (error: unknown) => ({ run: r, error }),
        );
      const next = await Promise.race([...pending.map(settle), stopped, ...(join ? [join] : [])]);
      if (typeof next === 'object' && 'joined' in next) {
        join = undefined;
        if (next.joined) runs.push(next.joined);
        continue;
      }
      if (next === 'timeout' || next === 'aborted') {
        timedOut = true;
        const why = next === 'timeout' ? `time limit of ${timeLimitMs} ms reached` : 'stopped early';
        notes.push(`${why}; the solvers still running were stopped`);
        break;
      }
      next.run.settled = 'error' in next ? { error: next.error } : { result: next.result };
      // A worker that died (WebAssembly abort, out of memory) is replaced by the pool; the request is still answered.
      if ('error' in next) notes.push(`the ${next.run.backend} worker failed: ${errorMessage(next.error)}`);
      // The first proof (of optimality, or of the mipGap asked) wins.
      else if (isProof(model, next.result, precisionOf)) break;
    }
  } finally {
    cancel();
    clearInterval(relayTimer);
    poll();
    runs[0]?.relay?.port1.close();
    await stopAll(runs, timedOut);
  }
  return timedOut;
}

/**
 * Stops the runs that have not returned. After a proof, an engine that stops gracefully is asked through the
 * shared cell and given TIME.stopGraceMs to return at its next checkpoint (its warm thread is kept); everything
 * else, and everything at the deadline, is terminated (its thread is replaced).
 */
async function stopAll(runs: readonly Run[], atDeadline: boolean): Promise<void> {
  const pending = runs.filter((r) => !r.settled);
  for (const r of runs) Atomics.store(r.stop, 0, 1);
  const stopsGracefully = (b: BackendName): boolean => b !== 'greedy' && CAPABILITIES[b].gracefulStop;
  const graceful = pending.filter((r) => stopsGracefully(r.backend) && !atDeadline);
  for (const r of pending) if (!graceful.includes(r)) r.lease.terminate('stopped');
  for (const r of graceful) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), TIME.stopGraceMs)));
    const ended = await Promise.race([
      r.task.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
    clearTimeout(timer);
    if (ended) {
      r.settled = ended;
      r.stopped = true;
    } else r.lease.terminate('stopped');
  }
}

/** Reads every message the workers posted, without waiting; keeps the tightest bound. */
function drain(runs: readonly Run[], sense: 'min' | 'max'): Gathered {
  const progress: Gathered = { incumbents: [] };
  for (const run of runs) {
    const messages: WorkerMessage[] = [...run.buffer];
    for (
      let msg = receiveMessageOnPort(run.channel.port1);
      msg !== undefined;
      msg = receiveMessageOnPort(run.channel.port1)
    )
      messages.push(msg.message as WorkerMessage);
    for (const m of messages) {
      switch (m.kind) {
        case 'greedy':
          if (progress.greedy) break;
          progress.greedy = m.assignment;
          if (m.verification) progress.greedyVerification = m.verification;
          break;
        case 'model':
          if (!progress.program || m.size.constraints > progress.program.constraints) progress.program = m.size;
          progress.unplaceable ??= m.unplaceable;
          break;
        case 'unplaceable':
          progress.unplaceable ??= m.containers;
          break;
        case 'bound':
          progress.bound = tighterBound(sense, progress.bound, m.bound);
          break;
        case 'incumbent':
          progress.incumbents.push({ assignment: m.assignment, source: m.source, objective: m.objective });
          break;
        case 'conflict':
          break;
      }
    }
  }
  return progress;
}

/**
 * The greedy plan, verified: from the context or the workers. When neither has it (no worker ran), it is
 * computed here for small models; for large ones the plan is empty, so the event loop is never held.
 */
function greedySummary(
  model: AssignmentModel,
  ctx: SolveContext,
  fromWorkers: Int32Array | undefined,
  notes: string[],
): PlanSummary {
  const checked = ctx.greedyChecked;
  if (checked && ctx.greedy && checked.assignment === ctx.greedy && checked.verification.valid) return checked;
  let assignment = ctx.greedy ?? fromWorkers;
  if (!assignment) {
    const small = model.nodes.length * model.items.length <= MAIN_THREAD_GREEDY_PAIRS;
    assignment = small ? greedyPlan(model) : new Int32Array(model.items.length).fill(-1);
    notes.push(
      small
        ? 'the greedy ran on the main thread (no solver thread computed it)'
        : 'no solver thread computed the greedy plan (the thread never ran, or stopped before it): it is left out',
    );
  }
  const verification = verifyPlan(model, assignment, false);
  if (!verification.valid)
    throw new Error(`internal error: the greedy plan failed verification: ${verification.violations.join('; ')}`);
  return { assignment, verification };
}

/**
 * The outcome of `solver: "greedy"` where no solver thread has anything to add (greedyAtScale), else undefined: a
 * pure function of the model and its verified greedy plan, so it is decided wherever the input was read.
 */
export function greedyOnly(
  model: AssignmentModel,
  options: SolveOptions,
  ctx: SolveContext,
  started = Date.now(),
): SolveOutcome | undefined {
  return options.solver === 'greedy' ? greedyAtScale(model, ctx, started) : undefined;
}

/**
 * `solver: "greedy"` on the scale path, with the greedy plan already verified where the input was read and placing
 * every container: the answer a solver thread would give (it proves no bound there), without sending it the model
 * (some 300 ms at 150 000 containers). An incomplete plan still goes to a solver thread, for the proofs that
 * containers fit nowhere.
 */
function greedyAtScale(model: AssignmentModel, ctx: SolveContext, started: number): SolveOutcome | undefined {
  const checked = ctx.greedyChecked;
  if (!checked || checked.assignment !== ctx.greedy || !checked.verification.valid) return undefined;
  if (!checked.verification.complete || scalePathWithoutAggregate(model) !== true) return undefined;
  ctx.onProgress?.({ objective: checked.verification.objective, placesAll: true });
  const outcome = finishWithout(model, ctx, tinyCoefficientNotes(model), started, false, 0);
  return { ...outcome, backends: [{ name: 'greedy', status: 'feasible', solverMs: 0 }] };
}

/** The answer when no solver thread was free in time: the greedy plan (feasible if complete). */
function finishWithout(
  model: AssignmentModel,
  ctx: SolveContext,
  notes: string[],
  started: number,
  timedOut: boolean,
  queuedMs: number,
): SolveOutcome {
  const greedy = greedySummary(model, ctx, undefined, notes);
  const at = placesAll(greedy.assignment) ? { firstPlanAt: Date.now() } : {};
  const timings = { totalMs: Date.now() - started, timedOut, queuedMs, ...at };
  const base = { source: 'greedy' as const, plan: greedy, greedy, notes, backends: [], program: null, timings };
  const complete = greedy.verification.complete || model.rules?.unplacedPenalty !== undefined;
  if (!complete) return { ...base, status: 'unknown', objective: null, bound: null, gap: null, reasons: [] };
  return {
    ...base,
    status: 'feasible',
    objective: greedy.verification.objective,
    bound: null,
    gap: null,
    reasons: greedy.verification.complete ? [] : unplacedReasons(model, greedy.assignment),
  };
}
