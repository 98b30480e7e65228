import type { MessagePort } from 'node:worker_threads';
import type { AssignmentModel } from '../models/model.js';
import type { BackendName } from '../models/options.js';
import type { BackendResult } from './backends/backend.js';
import type { EngineName } from './backends/engine.js';
import type { Verification } from './verify.js';
import type { ScaleRole } from './scale/solve.js';

/**
 * What the portfolio (main thread, solve.ts) and a solver worker thread (worker.ts) say to each other.
 * Both import these types; neither imports the other.
 *
 * A task runs in a worker and resolves with its result; while it runs the worker posts on the task's
 * `port` what it learns as soon as it has it, so the main thread can answer at the deadline with the best
 * of it even if the worker never returns:
 *   {kind: 'greedy'}     the seed greedy plan (first, unless the task brought it);
 *   {kind: 'unplaceable'} the containers that fit on no node even alone (a proof of infeasibility);
 *   {kind: 'model'}      size of the integer program (again after root cuts);
 *   {kind: 'bound'}      a proven bound (each at least as tight as the last);
 *   {kind: 'incumbent'}  a complete plan, already checked by the verifier in the worker (and again on
 *                        the main thread before it is returned);
 *   {kind: 'conflict'}   (explain tasks) the smallest set of containers proven infeasible so far.
 */
export type PlanSource = BackendName | 'heuristic' | 'rounding' | 'chains' | 'lns' | 'subsets' | 'aggregate';

export interface SolveTask {
  readonly kind: 'solve';
  readonly model: AssignmentModel;
  readonly solver: BackendName;
  /** Epoch ms by which the backend must have returned. */
  readonly deadline: number;
  readonly mipGap: number;
  readonly port: MessagePort;
  /** A shared Int32Array cell: non-zero asks a running search to stop at its next checkpoint (engines that can). */
  readonly stop?: SharedArrayBuffer;
  /** Symmetry-aware formulation (default true). */
  readonly symmetry?: boolean;
  /** Largest estimated exact-solver memory (bytes) to attempt; above it only the heuristics answer. */
  readonly memoryBudgetBytes?: number;
  /** The seed greedy plan, when the main thread has it already (else the worker computes it). */
  readonly greedy?: Int32Array;
  /**
   * In the portfolio, the partner's second job: after its own engine has had `lnsAfterShare` of the time without
   * a proof, it improves the best plan by search for the rest, taking better plans the lead found (incumbents
   * the main thread relays on this port) as it goes.
   */
  readonly relay?: MessagePort;
  readonly lnsAfterShare?: number;
  /** At cluster scale, what this thread does (solver/scale/solve.ts ScaleRole; default the whole path). */
  readonly scaleRole?: ScaleRole;
}

export interface ExplainTask {
  readonly kind: 'explain';
  readonly model: AssignmentModel;
  /** Epoch ms by which the explanation must be done (what is found by then is posted as it goes). */
  readonly deadline: number;
  readonly port: MessagePort;
}

/** Orders the change from today's placement to a target into safe waves (solver/changes/order.ts). */
export interface ChangesTask {
  readonly kind: 'changes';
  readonly model: AssignmentModel;
  readonly start: Int32Array;
  readonly target: Int32Array;
  /** Epoch ms by which the order must be found (the wave program stops there). */
  readonly deadline: number;
}

/** The consolidation frontier (solver/consolidate.ts). */
export interface ConsolidateTask {
  readonly kind: 'consolidate';
  readonly model: AssignmentModel;
  /** Each node's price (1 where the input gives none). */
  readonly prices: readonly number[];
  readonly candidates: readonly number[];
  readonly maxRemoved: number;
  /** What the removal order puts first: the fewest moves, or the most price saved (then the fewest moves). */
  readonly first: 'moves' | 'price';
  readonly deadline: number;
}

export type WorkerTask = SolveTask | ExplainTask | ChangesTask | ConsolidateTask;

/** The size of the program solved, and of the plain 0-1 model it replaces. */
export interface ProgramSize {
  readonly variables: number;
  readonly constraints: number;
  readonly classes: number;
  readonly nodeGroups: number;
  readonly plain: { readonly variables: number; readonly constraints: number };
}

export type WorkerMessage =
  | {
      readonly kind: 'greedy';
      readonly assignment: Int32Array;
      /** Its verification in the worker, by the same verifier (the event loop need not walk the plan again). */
      readonly verification?: Verification;
    }
  | { readonly kind: 'model'; readonly size: ProgramSize; readonly unplaceable: readonly number[] }
  | { readonly kind: 'unplaceable'; readonly containers: readonly number[] }
  | { readonly kind: 'bound'; readonly bound: number; readonly method: string }
  | {
      readonly kind: 'incumbent';
      readonly assignment: Int32Array;
      readonly source: PlanSource;
      readonly objective: number;
    }
  | { readonly kind: 'conflict'; readonly containers: Int32Array };

export interface WorkerResult {
  readonly result: BackendResult;
  readonly solverMs: number;
  /** What produced the result's plan, when not the backend itself (a search run in its worker). */
  readonly source?: PlanSource;
  /** The engine that ran, when not the task's solver (the scale path on an engine that can hold it). */
  readonly engine?: EngineName;
}

/**
 * Why no plan places everything, as a small conflict: a set of containers that does not fit on its own,
 * while (when `minimal`) each set one smaller does, each shown by a verified plan; and the resources and
 * rules whose relaxation alone makes it fit.
 */
export interface Explanation {
  readonly containers: readonly string[];
  /** The nodes any of these containers may use (capacity and blocking rules aside). */
  readonly nodes: readonly string[];
  /** Resources and rules whose relaxation alone makes the conflict fit. */
  readonly causes: readonly string[];
  /** True when every step was decided by a proof and every one-smaller set has a verified plan. */
  readonly minimal: boolean;
  readonly message: string;
}

export interface ExplainResult {
  readonly explanation?: Explanation;
}
