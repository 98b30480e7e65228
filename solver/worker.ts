import type { MessagePort } from 'node:worker_threads';
import type { AssignmentModel } from '../models/model.js';
import type { SolverName } from '../models/options.js';
import { formulate } from './formulate.js';
import { greedyPlan } from './greedy.js';
import { lagrangianBound, assignmentBound, roundBound, tighterBound } from './bounds.js';
import { verifyPlan } from './verify.js';
import { glpkLp, loadGlpk } from './backends/glpk.js';
import { separateCovers, withRows } from './cuts.js';
import type { IntegerProgram } from './ip.js';
import type { BackendResult } from './backends/backend.js';
import { BACKENDS } from './backends/index.js';

/**
 * Runs in a worker thread (piscina). A solve posts what it learns as soon as it has it, so the main
 * thread can answer at the deadline with the best of it even if the exact backend never returns:
 *   {kind: 'greedy'}  the greedy plan (always first);
 *   {kind: 'model'}   size of the 0-1 program;
 *   {kind: 'bound'}   a proven bound (may come more than once, each at least as tight);
 * and resolves with the backend's result.
 */
export interface WorkerTask {
  readonly model: AssignmentModel;
  readonly solver: SolverName;
  /** Epoch ms by which the backend must have returned. */
  readonly deadline: number;
  readonly mipGap: number;
  readonly port: MessagePort;
}

export type WorkerMessage =
  | { readonly kind: 'greedy'; readonly assignment: Int32Array }
  | { readonly kind: 'model'; readonly variables: number; readonly constraints: number; readonly unplaceable: readonly number[] }
  | { readonly kind: 'bound'; readonly bound: number; readonly method: string };

export interface WorkerResult {
  readonly result: BackendResult;
  readonly solverMs: number;
}

/** Programs up to this many variables also get GLPK's LP relaxation as a bound (it is fast there). */
const LP_BOUND_MAX_VARIABLES = 20_000;
/** Cutting-plane rounds at the root, and the share of the time (and the most ms) they may take. */
const MAX_CUT_ROUNDS = 20;
const CUT_BUDGET_SHARE = 0.15;
const MAX_CUT_MS = 3000;
/** Reserve kept between the backend's own time limit and the deadline, for conversion and messaging (ms). */
const BACKEND_RESERVE_MS = 150;

await loadGlpk();

export default function solveTask(task: WorkerTask): WorkerResult {
  const { model, port, deadline } = task;
  const post = (msg: WorkerMessage): void => port.postMessage(msg);
  try {
    const greedy = greedyPlan(model);
    post({ kind: 'greedy', assignment: greedy });
    const ip = formulate(model);
    post({ kind: 'model', variables: ip.varCost.length, constraints: ip.rows.length, unplaceable: ip.unplaceable });
    if (ip.unplaceable.length > 0) return { result: { status: 'infeasible', note: 'some containers fit on no node' }, solverMs: 0 };
    // Nothing to place: the empty plan is optimal (GLPK refuses a program without columns).
    if (ip.m === 0) return { result: { status: 'optimal', assignment: new Int32Array(0), objective: 0, bound: 0 }, solverMs: 0 };

    const check = verifyPlan(model, greedy, true);
    const target = check.valid ? check.objective : undefined;
    const remaining = (): number => deadline - Date.now();
    let bound = roundBound(ip, assignmentBound(ip));
    const lagBudget = Math.min(500, remaining() * 0.1);
    bound = tighterBound(ip.sense, bound, roundBound(ip, lagrangianBound(ip, target, Date.now() + lagBudget))) ?? bound;
    post({ kind: 'bound', bound, method: 'lagrangian' });
    // Root cutting planes: LP relaxation, extended covers of the capacity rows, again, while it pays.
    let solved: IntegerProgram = ip;
    if (ip.varCost.length <= LP_BOUND_MAX_VARIABLES && task.solver !== 'greedy') {
      const cutDeadline = Date.now() + Math.min(remaining() * CUT_BUDGET_SHARE, MAX_CUT_MS);
      for (let round = 0; round < MAX_CUT_ROUNDS && Date.now() < cutDeadline && remaining() > 4 * BACKEND_RESERVE_MS; round++) {
        const lp = glpkLp(solved, Math.max(1, cutDeadline - Date.now()));
        if (lp === undefined) break;
        const tighter = tighterBound(ip.sense, bound, roundBound(ip, lp.z));
        if (tighter !== undefined && tighter !== bound) {
          bound = tighter;
          post({ kind: 'bound', bound, method: round === 0 ? 'lp' : 'lp+cuts' });
        }
        const cuts = separateCovers(solved, lp.x, solved.rows.length);
        if (cuts.length === 0) break;
        solved = withRows(solved, cuts);
      }
      if (solved !== ip) post({ kind: 'model', variables: ip.varCost.length, constraints: solved.rows.length, unplaceable: [] });
    } else if (ip.varCost.length <= LP_BOUND_MAX_VARIABLES && remaining() > 4 * BACKEND_RESERVE_MS) {
      const lp = glpkLp(ip, Math.min(remaining() * 0.2, 2000));
      const tighter = tighterBound(ip.sense, bound, lp === undefined ? undefined : roundBound(ip, lp.z));
      if (tighter !== undefined && tighter !== bound) {
        bound = tighter;
        post({ kind: 'bound', bound, method: 'lp' });
      }
    }

    const started = Date.now();
    const budget = remaining() - BACKEND_RESERVE_MS;
    if (budget <= 0) return { result: { status: 'unknown', note: 'no time left for the exact solver' }, solverMs: 0 };
    const result = BACKENDS[task.solver].solve({ model, ip: solved, timeLimitMs: budget, mipGap: task.mipGap });
    return { result, solverMs: Date.now() - started };
  } finally {
    port.close();
  }
}
