import type { AssignmentModel } from '../models/model.js';
import type { ProblemLimits } from '../models/validate.js';
import { explainInfeasible } from '../solver/explain.js';
import type { ChangePlan } from '../solver/changes/order.js';
import { changesInThread, consolidationInThread } from '../solver/changes.js';
import type { ConsolidationPoint } from '../solver/consolidate.js';
import type { SolverPool, Ticket } from '../solver/pool.js';
import type { ConsolidateTask, Explanation } from '../solver/protocol.js';
import { solveModel, type SolveOutcome } from '../solver/solve.js';
import type { Built, Seeded } from './accept.js';
import type { PrepareRequest, Prepared } from './prepare.js';
import { solvedFacts, type SolvedFacts } from './solved.js';

/**
 * What a use case needs from its surroundings, for one request: reading the input (in an input thread
 * for the service, in-process for the CLI), solving and explaining on the request's solver thread, and
 * progress for whoever watches. One place in the solver queue for the whole request: a capacity
 * question's several solves and an explanation after an infeasible solve reuse the request's thread.
 */
export interface Planner {
  prepare(req: Omit<PrepareRequest, 'limits'>): Promise<Prepared>;
  /** Solves a built model until `deadline` (epoch ms); `greedy` absent: the solver thread computes it. */
  solve(built: Built, deadline: number): Promise<SolveOutcome>;
  explain(model: AssignmentModel, deadline: number): Promise<Explanation | undefined>;
  /** The consolidation frontier (solver/consolidate.ts) by the task's deadline. */
  consolidate(task: Omit<ConsolidateTask, 'kind'>): Promise<ConsolidationPoint[] | undefined>;
  /** The change from `start` to `target` ordered into safe waves by `deadline` (solver/changes/order.ts). */
  changes(
    model: AssignmentModel,
    start: Int32Array,
    target: Int32Array,
    deadline: number,
  ): Promise<ChangePlan | undefined>;
  /** A capacity whatIf's second stage (the body's re-plan from the placement the first solve gave). */
  prepareWhatIf(body: PrepareRequest['body'], placement: readonly (readonly [string, string])[]): Promise<Seeded>;
  /** Gives back the request's place and threads. */
  close(): void;
}

export interface PlannerOptions {
  readonly pool: SolverPool;
  readonly limits: ProblemLimits;
  /** Stage 1 (planning/prepare.ts), wherever it runs. */
  readonly prepare: (req: PrepareRequest, signal?: AbortSignal) => Promise<Prepared>;
  /** Who asks (for the per-client share of the queue). */
  readonly client?: string;
  /** The client went away, or the service is stopping: solves end with their best plan so far. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { readonly objective?: number; readonly bound?: number }) => void;
  /** Each finished solve (for metrics and the request's log line). */
  readonly onSolved?: (s: SolvedEvent) => void;
}

export type SolvedEvent = SolvedFacts;

export function planner(o: PlannerOptions): Planner {
  let ticket: Ticket | undefined;
  const admitted = (deadline: number): Ticket =>
    (ticket ??= o.pool.admit({
      deadline,
      ...(o.client !== undefined ? { client: o.client } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }));
  return {
    prepare: async (req) => {
      const prepared = await o.prepare({ ...req, limits: o.limits }, o.signal);
      if (prepared.kind === 'written') o.onSolved?.(prepared.solved);
      return prepared;
    },
    solve: async (built, deadline) => {
      const outcome = await solveModel(built.model, built.options, o.pool, {
        ticket: admitted(deadline),
        deadline,
        precision: built.precision,
        ...(built.greedy ? { greedy: built.greedy } : {}),
        ...(built.greedyChecked ? { greedyChecked: built.greedyChecked } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      o.onSolved?.(solvedFacts(built.model, outcome, deadline));
      return outcome;
    },
    explain: (model, deadline) =>
      o.signal?.aborted ? Promise.resolve(undefined) : explainInfeasible(model, o.pool, deadline, admitted(deadline)),
    consolidate: (task) =>
      o.signal?.aborted ? Promise.resolve(undefined) : consolidationInThread(task, o.pool, admitted(task.deadline)),
    changes: (model, start, target, deadline) =>
      o.signal?.aborted
        ? Promise.resolve(undefined)
        : changesInThread(model, start, target, o.pool, deadline, admitted(deadline)),
    prepareWhatIf: async (body, placement) => {
      const p = await o.prepare({ route: 'capacity', body, limits: o.limits, whatIfPlacement: placement }, o.signal);
      if (p.kind !== 'whatIf') throw new Error('internal error: whatIf preparation answered with something else');
      return p.built;
    },
    close: () => ticket?.release(),
  };
}
