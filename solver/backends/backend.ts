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
  /** Objective as the backend reports it (the verifier recomputes it). */
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

export interface Backend {
  readonly name: BackendName;
  solve(input: SolveInput): BackendResult;
}
