import type { AssignmentModel } from '../models/model.js';
import type { ChangePlan } from './changes/order.js';
import type { ConsolidationPoint } from './consolidate.js';
import type { SolverPool, Ticket } from './pool.js';
import type { ChangesTask, ConsolidateTask } from './protocol.js';
import { answerBy } from './threads.js';

/** Time kept after a task's deadline for the worker to post its answer before it is stopped (ms). */
const ANSWER_GRACE_MS = 100;

/**
 * The change plan (solver/changes/order.ts) from `start` to `target`, found in a solver thread by `deadline` (epoch
 * ms): on the ticket's own thread when it has one. Undefined when no thread was free in time, or the thread had not
 * answered soon after the deadline (it is then stopped).
 */
export const changesInThread = (
  model: AssignmentModel,
  start: Int32Array,
  target: Int32Array,
  pool: SolverPool,
  deadline: number,
  ticket?: Ticket,
): Promise<ChangePlan | undefined> =>
  inThread<ChangePlan>({ kind: 'changes', model, start, target, deadline }, pool, ticket);

/** The consolidation frontier (solver/consolidate.ts), found in a solver thread by its deadline, as above. */
export const consolidationInThread = (
  task: Omit<ConsolidateTask, 'kind'>,
  pool: SolverPool,
  ticket?: Ticket,
): Promise<ConsolidationPoint[] | undefined> =>
  inThread<ConsolidationPoint[]>({ kind: 'consolidate', ...task }, pool, ticket);

async function inThread<T>(task: ChangesTask | ConsolidateTask, pool: SolverPool, ticket?: Ticket) {
  const own = ticket ?? pool.admit({ deadline: task.deadline });
  try {
    const lease = await own.lead(task.deadline).catch(() => undefined);
    if (!lease) return undefined;
    const answer = await answerBy(lease.run<T>(task, []), task.deadline, ANSWER_GRACE_MS);
    if (answer) return answer;
    lease.terminate(`the ${task.kind} task ran out of time`);
    own.dropLead();
    return undefined;
  } finally {
    if (!ticket) own.release();
  }
}
