import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { AssignmentModel } from '../models/model.js';
import { describe } from './explanation.js';
import type { SolverPool, Ticket } from './pool.js';
import type { ExplainResult, ExplainTask, Explanation, WorkerMessage } from './protocol.js';
import { answerBy } from './threads.js';

export type { Explanation } from './protocol.js';
export { restrictItems } from '../models/restrict.js';

/** Time kept after the explanation's own deadline for the worker to post its answer before it is stopped (ms). */
const ANSWER_GRACE_MS = 100;

/**
 * The minimal conflict of an infeasible model (solver/conflict.ts), searched in a solver thread until
 * `deadline` (epoch ms): on the ticket's own thread when it has one, so it does not queue again. If the
 * worker has not answered soon after the deadline it is stopped, and the smallest conflict it had proven
 * by then is returned (not minimal). Undefined when no thread was free in time.
 */
export async function explainInfeasible(
  model: AssignmentModel,
  pool: SolverPool,
  deadline: number,
  ticket?: Ticket,
): Promise<Explanation | undefined> {
  const own = ticket ?? pool.admit({ deadline });
  const channel = new MessageChannel();
  let latest: Int32Array | undefined;
  const read = (): void => {
    for (let msg = receiveMessageOnPort(channel.port1); msg !== undefined; msg = receiveMessageOnPort(channel.port1)) {
      const m = msg.message as WorkerMessage;
      if (m.kind === 'conflict') latest = m.containers;
    }
  };
  try {
    const lease = await own.lead(deadline).catch(() => undefined);
    if (!lease) return undefined;
    const task: ExplainTask = { kind: 'explain', model, deadline, port: channel.port2 };
    const answer = await answerBy(lease.run<ExplainResult>(task, [channel.port2]), deadline, ANSWER_GRACE_MS);
    if (answer?.explanation) return answer.explanation;
    lease.terminate('the explanation ran out of time');
    own.dropLead();
    read();
    return latest ? describe(model, Array.from(latest), [], false) : undefined;
  } finally {
    channel.port1.close();
    if (!ticket) own.release();
  }
}
