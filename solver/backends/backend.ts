import type { AssignmentModel } from '../../models/model.js';
import type { BackendName } from '../../models/options.js';
import type { IntegerProgram } from '../ip.js';

/**
 * One small interface for every way of producing a plan. Outcomes are values, never exceptions:
 * - optimal: proven optimal (with mipGap 0);
 * - feasible: a complete plan, optimality not proven (time limit or mipGap);
 * - infeasible: proven that no plan places every container;
 * - unknown: no complete plan and no proof (e.g. time limit before any incumbent).
 */
export type BackendStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface BackendResult {
  readonly status: BackendStatus;
  /** Node index per container (-1 unplaced); present for optimal and feasible. */
  readonly assignment?: Int32Array;
  /**
   * Objective as the backend reports it, in the program's terms (the worker adds the offset; the verifier recomputes
   * it).
   */
  readonly objective?: number;
  /** A bound the backend itself proved, in the program's sense. */
  readonly bound?: number;
  readonly note?: string;
}

export interface SolveInput {
  readonly model: AssignmentModel;
  readonly ip: IntegerProgram;
  /** Wall-clock milliseconds this backend may use. */
  readonly timeLimitMs: number;
  /** Relative gap at which an exact backend may stop; 0 means prove optimality. */
  readonly mipGap: number;
}

/**
 * What a backend may do during its search, each optional; `Backend.hooks` says which it honours (a
 * backend ignores the rest). Plans are in model item order; bounds in the program's terms.
 */
export interface SolveHooks {
  /** Each better complete plan found during the search. */
  readonly onIncumbent?: (assignment: Int32Array) => void;
  /** Each better proven bound found during the search. */
  readonly onBound?: (bound: number) => void;
  /** Polled at the backend's checkpoints: true asks it to stop and return what it has. */
  readonly shouldStop?: () => boolean;
  /** A complete plan to start from (its objective becomes the cutoff). */
  readonly start?: Int32Array;
}

export type HookName = keyof SolveHooks;

export interface Backend {
  readonly name: BackendName;
  /** The hooks this backend honours. */
  readonly hooks: readonly HookName[];
  solve(input: SolveInput, hooks?: SolveHooks): BackendResult;
}
