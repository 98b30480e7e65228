import type { BackendName } from '../models/options.js';
import type { BackendStatus } from './backends/backend.js';
import type { PlanSource, ProgramSize } from './protocol.js';
import type { Reason } from './reasons.js';
import type { Verification } from './verify.js';

/** What a solve answers with (solve.ts decides it in choose.ts); the use cases turn it into JSON. */
export type Source = PlanSource | 'greedy';

export interface PlanSummary {
  readonly assignment: Int32Array;
  readonly verification: Verification;
}

export interface BackendReport {
  readonly name: BackendName;
  readonly status: BackendStatus | 'stopped' | 'failed';
  readonly solverMs: number | null;
  readonly note?: string;
}

export interface SolveOutcome {
  readonly status: BackendStatus;
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
  readonly timings: {
    readonly totalMs: number;
    readonly timedOut: boolean;
    readonly queuedMs?: number;
    /** When (epoch ms) the first proven bound reached the service's main thread. */
    readonly firstBoundAt?: number;
    /** Epoch ms: when the first plan placing every container was known (absent: none). */
    readonly firstPlanAt?: number;
  };
}
