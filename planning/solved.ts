import type { AssignmentModel } from '../models/model.js';
import type { Explanation } from '../solver/protocol.js';
import type { ChangePlan } from '../solver/changes/order.js';
import { changesJson } from './changes.js';
import type { SolveOutcome } from '../solver/solve.js';
import type { Built } from './accept.js';
import { evaluationJson, outcomeJson } from './answer.js';
import { swarmJson } from './swarm.js';
import type { EvaluateAnswer, PlanAnswer } from './schemas.js';

/** A solved plan, solve or evaluation, before it is turned into JSON (the CLI's table reads it). */
export interface Solved {
  readonly built: Built;
  readonly given?: Int32Array;
  readonly outcome: SolveOutcome;
  readonly explanation?: Explanation | null;
  /** options.changes: the ordered waves to the plan (undefined inside: no thread ordered them in time). */
  readonly changes?: { readonly plan: ChangePlan | undefined };
  /** Epoch ms: when the request arrived, and when its input was read and checked. */
  readonly arrival: number;
  readonly prepared: number;
}

/** What the metrics and a request's log line read of each finished solve. */
export interface SolvedFacts {
  readonly nodes: number;
  readonly containers: number;
  readonly outcome: Pick<SolveOutcome, 'status' | 'source' | 'gap' | 'timings'>;
  /** The deadline it was given (epoch ms). */
  readonly deadline: number;
}

/** The facts of a model's solve, for its metrics and log line. */
export const solvedFacts = (
  model: AssignmentModel,
  outcome: SolvedFacts['outcome'],
  deadline: number,
): SolvedFacts => ({ nodes: model.nodes.length, containers: model.items.length, outcome, deadline });

/** The answer JSON of a solved plan, solve or evaluation. */
export function solvedJson(s: Solved): PlanAnswer | EvaluateAnswer {
  const { model, notes, options } = s.built;
  // From the request's arrival: reading and checking the input, waiting for a solver thread, solving.
  const t = s.outcome.timings;
  const timings = {
    totalMs: Date.now() - s.arrival,
    prepareMs: s.prepared - s.arrival,
    queuedMs: t.queuedMs ?? 0,
    solveMs: t.totalMs,
    timedOut: t.timedOut,
    firstBoundMs: t.firstBoundAt === undefined ? null : Math.max(0, t.firstBoundAt - s.arrival),
    firstPlanMs: t.firstPlanAt === undefined ? null : Math.max(0, t.firstPlanAt - s.arrival),
  };
  const explanation = s.explanation !== undefined ? { explanation: s.explanation } : {};
  const start = model.rules?.current ?? new Int32Array(model.items.length).fill(-1);
  const changes = s.changes ? { changes: changesJson(model, start, s.changes.plan) } : {};
  const swarm = s.built.swarm
    ? { swarm: swarmJson(model, s.built.swarm, s.outcome, options.assignments ?? 'list') }
    : {};
  if (s.given) {
    const e = evaluationJson(model, s.given, s.outcome, notes, options.assignments);
    return { ...e, optimal: { ...e.optimal, timings }, ...swarm, ...explanation, ...changes };
  }
  const o = outcomeJson(model, s.outcome, notes, options.assignments);
  return { ...o, ...swarm, ...explanation, ...changes, timings };
}

/**
 * The answer of a solved plan, solve or evaluation, as JSON text. JSON has no Infinity or NaN: JSON.stringify
 * itself writes them as null (a replacer function that did the same took a third of the time at 150 000 containers).
 */
export function solvedText(s: Solved): string {
  return JSON.stringify(solvedJson(s));
}
