import type { ProblemLimits } from '../models/validate.js';
import { InputError } from '../planning/errors.js';
import { planner, type PlannerOptions } from '../planning/planner.js';
import { solvedText, type Solved } from '../planning/solved.js';
import { run } from '../planning/usecases.js';
import type { SolverPool } from '../solver/pool.js';
import { progressOf, type JobData, type JobProgress, type JobResult } from './types.js';

export interface ExecuteDeps {
  readonly pool: SolverPool;
  readonly limits: ProblemLimits;
  readonly prepare: PlannerOptions['prepare'];
  /** Writes a solved answer as JSON (the service does it in an input thread for large ones). */
  readonly serialize?: (solved: Solved) => Promise<string | Uint8Array>;
}

/**
 * Runs a job's use case, as the synchronous route would, until its deadline (counted from the job's
 * arrival: a job that waited past its deadline is answered with the greedy plan and a note, as a request
 * that waited in the queue is). `signal`: cancelled, the solve stops with its best verified plan so far.
 * Progress comes as each better objective or bound is found.
 */
export async function executeJob(
  deps: ExecuteDeps,
  data: JobData,
  signal: AbortSignal,
  onProgress: (p: JobProgress) => void,
): Promise<JobResult> {
  let objective: number | null = null;
  let bound: number | null = null;
  const p = planner({
    pool: deps.pool,
    limits: deps.limits,
    prepare: deps.prepare,
    client: data.owner,
    signal,
    onProgress: (e) => {
      if (e.objective !== undefined) objective = e.objective;
      if (e.bound !== undefined) bound = e.bound;
      onProgress(progressOf(data.arrival, objective, bound));
    },
  });
  const late = Date.now() >= data.deadline;
  try {
    const r = await run(p, { route: data.kind, body: data.input, arrival: data.arrival });
    if (r.kind === 'solved') {
      const solved = late
        ? { ...r.solved, built: { ...r.solved.built, notes: [LATE, ...r.solved.built.notes] } }
        : r.solved;
      const text = await (deps.serialize ?? (async (s: Solved) => solvedText(s)))(solved);
      const answerText =
        typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.length).toString();
      return { answerText, cancelled: signal.aborted };
    }
    if (r.kind !== 'json') throw new Error(`internal error: a job answered with ${r.kind}`);
    if (late) noteLate(r.json);
    return { answerText: JSON.stringify(r.json), cancelled: signal.aborted };
  } catch (err) {
    if (err instanceof InputError)
      return { error: { code: err.code, message: err.message, issues: err.issues }, cancelled: signal.aborted };
    throw err;
  } finally {
    p.close();
  }
}

const LATE = 'the job waited in the queue past its deadline before a worker took it: answered with the greedy plan';

/** The late note in a capacity answer's notes (a solved answer gets it in its input notes, which come first). */
function noteLate(json: Record<string, unknown>): void {
  const holder = (json['optimal'] as Record<string, unknown> | undefined) ?? json;
  holder['notes'] = [LATE, ...((holder['notes'] as string[] | undefined) ?? [])];
}
