import type { AssignmentModel } from '../models/model.js';
import type { SolverPool, Ticket } from './pool.js';
import type { ChangesTask } from './protocol.js';
import { answerBy } from './threads.js';
import type { ChangePlan } from './changes/order.js';

/** Time kept after the order's deadline for the worker to post its answer before it is stopped (ms). */
const ANSWER_GRACE_MS = 100;

/**
 * The change plan (solver/changes/order.ts) from `start` to `target`, found in a solver thread by `deadline` (epoch
 * ms): on the ticket's own thread when it has one. Undefined when no thread was free in time, or the thread had not
 * answered soon after the deadline (it is then stopped).
 */
export async function changesInThread(
  model: AssignmentModel,
  start: Int32Array,
  target: Int32Array,
  pool: SolverPool,
  deadline: number,
  ticket?: Ticket,
): Promise<ChangePlan | undefined> {
  const own = ticket ?? pool.admit({ deadline });
  try {
    const lease = await own.lead(deadline).catch(() => undefined);
    if (!lease) return undefined;
    const task: ChangesTask = { kind: 'changes', model, start, target, deadline };
    const answer = await answerBy(lease.run<ChangePlan>(task, []), deadline, ANSWER_GRACE_MS);
    if (answer) return answer;
    lease.terminate('the change plan ran out of time');
    own.dropLead();
    return undefined;
  } finally {
    if (!ticket) own.release();
  }
}
