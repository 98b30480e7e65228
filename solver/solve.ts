import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { AssignmentModel } from '../models/model.js';
import type { BackendName, SolveOptions } from '../models/options.js';
import { relativeGap, tighterBound } from './bounds.js';
import { greedyPlan } from './greedy.js';
import { QueueFullError, type SolverPool } from './pool.js';
import { fitsNowhereReasons, totalDemandReasons, unplacedReasons, type Reason } from './reasons.js';
import { verifyPlan, type Verification } from './verify.js';
import type { BackendResult } from './backends/backend.js';
import type { PlanSource, ProgramSize, WorkerMessage, WorkerResult } from './worker.js';

/**
 * Solves one validated model under a wall-clock deadline and returns only verified plans.
 *
 * `solver: "auto"` (the default) races HiGHS and GLPK on the same model in two worker threads: the
 * first proof (optimal or infeasible) wins and the other is stopped; at the deadline every worker still
 * running is terminated and the best verified plan among their incumbents and the heuristics is returned,
 * with the tightest bound any of them proved.
 *
 * Statuses:
 * - optimal: a verified plan whose objective equals a proven bound (a solver's proof, or our own bound);
 * - feasible: a verified complete plan, with the best proven bound and the relative gap to it;
 * - infeasible: proven that no plan places every container (reasons say why);
 * - unknown: no complete verified plan within the time limit, and no proof of infeasibility.
 * The seed greedy plan is always computed and returned beside the answer.
 */
export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';
export type Source = PlanSource | 'greedy';

export interface PlanSummary {
  readonly assignment: Int32Array;
  readonly verification: Verification;
}

export interface BackendReport {
  readonly name: BackendName;
  readonly status: BackendResult['status'] | 'stopped' | 'failed';
  readonly solverMs: number | null;
  readonly note?: string;
}

export interface SolveOutcome {
  readonly status: SolveStatus;
  /** Where the returned plan came from (the greedy for infeasible/unknown answers, whose plan is partial). */
  readonly source: Source;
  readonly plan: PlanSummary;
  readonly objective: number | null;
  readonly bound: number | null;
  readonly gap: number | null;
  readonly greedy: PlanSummary;
  readonly reasons: readonly Reason[];
  readonly notes: readonly string[];
  /** Every backend that ran, and how it ended. */
  readonly backends: readonly BackendReport[];
  /** Size of the integer program solved (after aggregation and root cuts) and of the plain 0-1 model. */
  readonly program: ProgramSize | null;
  readonly timings: { readonly totalMs: number; readonly timedOut: boolean };
}

/** Relative tolerance under which an objective is taken to meet a proven bound. */
const OPTIMALITY_TOLERANCE = 1e-9;
/** The backends `auto` races, in order of preference on ties. */
const PORTFOLIO: readonly BackendName[] = ['highs', 'glpk'];
/** Share of the time GLPK has in the portfolio before its worker turns to large-neighbourhood search. */
const GLPK_SHARE_BEFORE_LNS = 0.2;
/** How often HiGHS's incumbents are relayed to the other worker (ms). */
const RELAY_INTERVAL_MS = 200;

interface Run {
  readonly backend: BackendName;
  readonly channel: MessageChannel;
  /** Messages already taken off the port (to relay them), still to be read by drain. */
  readonly buffer: WorkerMessage[];
  readonly abort: AbortController;
  readonly task: Promise<WorkerResult>;
  settled?: { readonly result?: WorkerResult; readonly error?: unknown };
}

export async function solveModel(model: AssignmentModel, options: SolveOptions, pool: SolverPool): Promise<SolveOutcome> {
  const started = Date.now();
  const deadline = started + options.timeLimitMs;
  const notes: string[] = [];
  const stop = new SharedArrayBuffer(4);
  const backends = options.solver === 'auto' ? PORTFOLIO : [options.solver];

  // In the portfolio, HiGHS's incumbents are relayed to the GLPK worker, which turns to large-neighbourhood
  // search from them once GLPK has had its share of the time without a proof.
  const relay = options.solver === 'auto' ? new MessageChannel() : undefined;
  const runs: Run[] = backends.map((backend) => {
    const channel = new MessageChannel();
    const abort = new AbortController();
    const withRelay = relay && backend === 'glpk' ? { relay: relay.port2, lnsAfterShare: GLPK_SHARE_BEFORE_LNS } : {};
    const transfer = relay && backend === 'glpk' ? [channel.port2, relay.port2] : [channel.port2];
    const task = pool.run({ model, solver: backend, deadline, mipGap: options.mipGap, port: channel.port2, stop, symmetry: options.symmetry, ...withRelay }, abort.signal, transfer);
    task.catch(() => undefined);
    return { backend, channel, abort, task, buffer: [] };
  });
  const closeAll = (): void => {
    for (const r of runs) {
      r.channel.port1.close();
      r.channel.port2.close();
    }
    relay?.port1.close();
  };
  const highsRun = runs.find((r) => r.backend === 'highs');
  const relayTimer =
    relay && highsRun
      ? setInterval(() => {
          for (let msg = receiveMessageOnPort(highsRun.channel.port1); msg !== undefined; msg = receiveMessageOnPort(highsRun.channel.port1)) {
            const m = msg.message as WorkerMessage;
            highsRun.buffer.push(m);
            if (m.kind === 'incumbent') relay.port1.postMessage({ assignment: m.assignment });
          }
        }, RELAY_INTERVAL_MS)
      : undefined;

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  let timedOut = false;
  try {
    for (;;) {
      const pending = runs.filter((r) => !r.settled);
      if (pending.length === 0) break;
      const next = await Promise.race([
        ...pending.map((r) =>
          r.task.then(
            (result) => ({ run: r, result }),
            (error: unknown) => ({ run: r, error }),
          ),
        ),
        timeout,
      ]);
      if (next === 'timeout') {
        timedOut = true;
        notes.push(`time limit of ${options.timeLimitMs} ms reached; the solvers still running were stopped`);
        break;
      }
      next.run.settled = 'error' in next ? { error: next.error } : { result: next.result };
      if ('error' in next) {
        if (next.error instanceof QueueFullError) {
          closeAll();
          throw next.error;
        }
        // A worker that died (WebAssembly abort, out of memory) is replaced by the pool; this request still gets an answer.
        notes.push(`the ${next.run.backend} worker failed: ${next.error instanceof Error ? next.error.message : String(next.error)}`);
        continue;
      }
      const r = next.result.result;
      const proof = r.status === 'infeasible' || (r.status === 'optimal' && r.assignment !== undefined && verifyPlan(model, r.assignment, true).valid);
      if (proof) break; // the first proof wins
    }
  } finally {
    clearTimeout(timer);
    if (relayTimer) clearInterval(relayTimer);
    // Stop what is still running: HiGHS cooperatively, and every worker by termination.
    Atomics.store(new Int32Array(stop), 0, 1);
    for (const r of runs) if (!r.settled) r.abort.abort(new Error('stopped'));
  }

  const progress = drain(runs, model.sense);
  for (const r of runs) r.channel.port1.close();
  relay?.port1.close();
  if (!progress.greedy) notes.push('the greedy ran on the main thread (the solve never started in a worker)');
  const greedyAssignment = progress.greedy ?? greedyPlan(model);
  const greedy: PlanSummary = { assignment: greedyAssignment, verification: verifyPlan(model, greedyAssignment, false) };
  if (!greedy.verification.valid) throw new Error(`internal error: the greedy plan failed verification: ${greedy.verification.violations.join('; ')}`);

  const reports: BackendReport[] = runs.map((r) => {
    const res = r.settled?.result;
    if (res) return { name: r.backend, status: res.result.status, solverMs: res.solverMs, ...(res.result.note ? { note: res.result.note } : {}) };
    return { name: r.backend, status: r.settled?.error ? 'failed' : 'stopped', solverMs: null };
  });

  const reasons = [...fitsNowhereReasons(model, progress.unplaceable ?? []), ...totalDemandReasons(model)];
  const finish = (o: Omit<SolveOutcome, 'timings' | 'notes' | 'program' | 'greedy' | 'backends'>): SolveOutcome => ({
    ...o,
    greedy,
    notes,
    backends: reports,
    program: progress.program ?? null,
    timings: { totalMs: Date.now() - started, timedOut },
  });

  // Candidates, best first on ties: the backends' final plans, their incumbents and the heuristic, the greedy.
  let best: { source: Source; plan: PlanSummary } | undefined;
  let bound = progress.bound;
  const consider = (source: Source, assignment: Int32Array): boolean => {
    const verification = verifyPlan(model, assignment, true);
    if (!verification.valid) {
      notes.push(`a ${source} plan failed verification and was discarded: ${verification.violations.slice(0, 3).join('; ')}`);
      return false;
    }
    if (!best || better(model.sense, verification.objective, best.plan.verification.objective)) best = { source, plan: { assignment, verification } };
    return true;
  };
  let infeasibleProof: BackendName | undefined;
  for (const r of runs) {
    const res = r.settled?.result?.result;
    if (!res) continue;
    if (res.status === 'infeasible') infeasibleProof ??= r.backend;
    const planOk = res.assignment && res.status !== 'unknown' ? consider(r.settled?.result?.source ?? r.backend, res.assignment) : undefined;
    // A backend's bound is a proof only if its plan verified (an optimal claim on a discarded plan proves nothing).
    if (planOk !== false) bound = tighterBound(model.sense, bound, res.bound);
  }
  for (const inc of progress.incumbents) consider(inc.source, inc.assignment);
  if (greedy.verification.complete || model.rules?.unplacedPenalty) consider('greedy', greedyAssignment);

  if (!best && (infeasibleProof !== undefined || reasons.length > 0)) {
    if (reasons.length === 0) {
      reasons.push({ kind: 'solver-proof', solver: infeasibleProof ?? 'glpk', message: `${infeasibleProof} proved that no plan places every container (each fits somewhere alone, but not all together)` });
    }
    return finish({ status: 'infeasible', source: 'greedy', plan: greedy, objective: null, bound: null, gap: null, reasons });
  }
  if (!best) {
    notes.push('no complete plan was found within the time limit');
    return finish({ status: 'unknown', source: 'greedy', plan: greedy, objective: null, bound: bound ?? null, gap: null, reasons: [] });
  }
  const chosen: { source: Source; plan: PlanSummary } = best;
  const objective = chosen.plan.verification.objective;
  const gap = bound === undefined ? null : relativeGap(objective, bound) <= OPTIMALITY_TOLERANCE ? 0 : relativeGap(objective, bound);
  const left = chosen.plan.verification.complete ? [] : unplacedReasons(model, chosen.plan.assignment);
  return finish({ status: gap === 0 ? 'optimal' : 'feasible', source: chosen.source, plan: chosen.plan, objective, bound: gap === 0 ? objective : (bound ?? null), gap, reasons: left });
}

/** a strictly better than b in this sense. */
function better(sense: 'min' | 'max', a: number, b: number): boolean {
  return sense === 'min' ? a < b : a > b;
}

interface Progress {
  greedy?: Int32Array;
  bound?: number | undefined;
  unplaceable?: readonly number[];
  program?: ProgramSize;
  incumbents: { assignment: Int32Array; source: PlanSource }[];
}

/** Reads every message the workers posted, without waiting; keeps the tightest bound. */
function drain(runs: readonly Run[], sense: 'min' | 'max'): Progress {
  const progress: Progress = { incumbents: [] };
  for (const run of runs) {
    const messages: WorkerMessage[] = [...run.buffer];
    for (let msg = receiveMessageOnPort(run.channel.port1); msg !== undefined; msg = receiveMessageOnPort(run.channel.port1)) messages.push(msg.message as WorkerMessage);
    for (const m of messages) {
      switch (m.kind) {
        case 'greedy':
          progress.greedy ??= m.assignment;
          break;
        case 'model':
          if (!progress.program || m.size.constraints > progress.program.constraints) progress.program = m.size;
          progress.unplaceable ??= m.unplaceable;
          break;
        case 'bound':
          progress.bound = tighterBound(sense, progress.bound, m.bound);
          break;
        case 'incumbent':
          progress.incumbents.push({ assignment: m.assignment, source: m.source });
          break;
      }
    }
  }
  return progress;
}
