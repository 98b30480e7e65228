import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { AssignmentModel } from '../models/model.js';
import type { SolveOptions, SolverName } from '../models/options.js';
import { relativeGap, tighterBound } from './bounds.js';
import { greedyPlan } from './greedy.js';
import type { SolverPool } from './pool.js';
import { fitsNowhereReasons, totalDemandReasons, type Reason } from './reasons.js';
import { verifyPlan, type Verification } from './verify.js';
import type { BackendResult } from './backends/backend.js';
import type { WorkerMessage, WorkerResult } from './worker.js';

/**
 * Solves one validated model under a wall-clock deadline and returns only verified plans.
 *
 * Statuses:
 * - optimal: a verified plan whose objective equals a proven bound (the solver's proof, or our own bound);
 * - feasible: a verified complete plan, with the best proven bound and the relative gap to it;
 * - infeasible: proven that no plan places every container (reasons say why);
 * - unknown: no complete verified plan within the time limit, and no proof of infeasibility.
 * The greedy plan is always computed and returned beside the answer.
 */
export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface PlanSummary {
  readonly assignment: Int32Array;
  readonly verification: Verification;
}

export interface SolveOutcome {
  readonly status: SolveStatus;
  /** Backend whose plan is returned (the greedy for infeasible/unknown answers, whose plan is partial). */
  readonly source: SolverName;
  readonly plan: PlanSummary;
  readonly objective: number | null;
  readonly bound: number | null;
  readonly gap: number | null;
  readonly greedy: PlanSummary;
  readonly reasons: readonly Reason[];
  readonly notes: readonly string[];
  readonly program: { readonly variables: number; readonly constraints: number } | null;
  readonly timings: { readonly totalMs: number; readonly solverMs: number | null; readonly timedOut: boolean };
}

/** Relative tolerance under which an objective is taken to meet a proven bound. */
const OPTIMALITY_TOLERANCE = 1e-9;

export async function solveModel(model: AssignmentModel, options: SolveOptions, pool: SolverPool): Promise<SolveOutcome> {
  const started = Date.now();
  const deadline = started + options.timeLimitMs;
  const channel = new MessageChannel();
  const abort = new AbortController();
  const notes: string[] = [];

  const task = pool.run({ model, solver: options.solver, deadline, mipGap: options.mipGap, port: channel.port2 }, abort.signal, [channel.port2]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  let worker: WorkerResult | undefined;
  let timedOut = false;
  try {
    const first = await Promise.race([task, timeout]);
    if (first === 'timeout') {
      timedOut = true;
      abort.abort(new Error('time limit reached'));
      task.catch(() => undefined);
      notes.push(`time limit of ${options.timeLimitMs} ms reached; the solver was stopped`);
    } else {
      worker = first;
    }
  } catch (err) {
    // A worker that died (WebAssembly abort, out of memory) is replaced by the pool; this request still gets an answer.
    if (err instanceof Error && err.name === 'QueueFullError') {
      channel.port1.close();
      channel.port2.close();
      throw err;
    }
    notes.push(`the solver worker failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }

  const progress = drain(channel.port1);
  channel.port1.close();
  if (!progress.greedy) notes.push('the greedy ran on the main thread (the solve never started in a worker)');
  const greedyAssignment = progress.greedy ?? greedyPlan(model);
  const greedy: PlanSummary = { assignment: greedyAssignment, verification: verifyPlan(model, greedyAssignment, false) };
  if (!greedy.verification.valid) throw new Error(`internal error: the greedy plan failed verification: ${greedy.verification.violations.join('; ')}`);

  const result: BackendResult | undefined = worker?.result;
  if (result?.note) notes.push(result.note);
  const reasons = [...fitsNowhereReasons(model, progress.unplaceable ?? []), ...totalDemandReasons(model)];
  const timings = { totalMs: 0, solverMs: worker?.solverMs ?? null, timedOut };
  const finish = (o: Omit<SolveOutcome, 'timings' | 'notes' | 'program' | 'greedy'>): SolveOutcome => ({
    ...o,
    greedy,
    notes,
    program: progress.program ?? null,
    timings: { ...timings, totalMs: Date.now() - started },
  });

  if (result?.status === 'infeasible' || reasons.length > 0) {
    if (reasons.length === 0) {
      reasons.push({ kind: 'solver-proof', solver: options.solver, message: `${options.solver} proved that no plan places every container (each fits somewhere alone, but not all together)` });
    }
    return finish({ status: 'infeasible', source: 'greedy', plan: greedy, objective: null, bound: null, gap: null, reasons });
  }

  let best: { source: SolverName; plan: PlanSummary } | undefined;
  if (greedy.verification.complete) best = { source: 'greedy', plan: greedy };
  if (result?.assignment && result.status !== 'unknown') {
    const verification = verifyPlan(model, result.assignment, true);
    if (!verification.valid) {
      notes.push(`the ${options.solver} plan failed verification and was discarded: ${verification.violations.slice(0, 5).join('; ')}`);
    } else if (!best || better(model.sense, verification.objective, best.plan.verification.objective, true)) {
      best = { source: options.solver, plan: { assignment: result.assignment, verification } };
    }
  }
  // The backend's bound is a proof only if its plan verified (an optimal claim on a discarded plan proves nothing).
  const backendBound = best?.source === options.solver ? result?.bound : undefined;
  const bound = tighterBound(model.sense, progress.bound, backendBound) ?? null;

  if (!best) {
    notes.push('no complete plan was found within the time limit');
    return finish({ status: 'unknown', source: 'greedy', plan: greedy, objective: null, bound, gap: null, reasons: [] });
  }
  const objective = best.plan.verification.objective;
  const gap = bound === null ? null : relativeGap(objective, bound) <= OPTIMALITY_TOLERANCE ? 0 : relativeGap(objective, bound);
  return finish({ status: gap === 0 ? 'optimal' : 'feasible', source: best.source, plan: best.plan, objective, bound: gap === 0 ? objective : bound, gap, reasons: [] });
}

/** a better than b in this sense (ties go to a when `tieWins`). */
function better(sense: 'min' | 'max', a: number, b: number, tieWins: boolean): boolean {
  if (a === b) return tieWins;
  return sense === 'min' ? a < b : a > b;
}

interface Progress {
  greedy?: Int32Array;
  bound?: number;
  unplaceable?: readonly number[];
  program?: { variables: number; constraints: number };
}

/** Reads every message the worker posted, in order, without waiting. */
function drain(port: MessagePort): Progress {
  const progress: Progress = {};
  for (let msg = receiveMessageOnPort(port); msg !== undefined; msg = receiveMessageOnPort(port)) {
    const m = msg.message as WorkerMessage;
    switch (m.kind) {
      case 'greedy':
        progress.greedy = m.assignment;
        break;
      case 'model':
        progress.program = { variables: m.variables, constraints: m.constraints };
        progress.unplaceable ??= m.unplaceable;
        break;
      case 'bound':
        progress.bound = m.bound;
        break;
    }
  }
  return progress;
}
