import { randomUUID } from 'node:crypto';
import { QueueFullError } from '../solver/pool.js';
import { executeJob, type ExecuteDeps } from './execute.js';
import {
  FINISHED,
  TooManyJobsError,
  type JobBackend,
  type JobData,
  type JobProgress,
  type JobResult,
  type JobStatus,
  type JobView,
} from './types.js';

export interface JobLimits {
  /** Jobs kept queued or running at once (503 above). */
  readonly maxJobs: number;
  /** Of those, one owner's (429 above). */
  readonly maxJobsPerOwner: number;
  /** How long a finished job's answer is kept (ms). */
  readonly ttlMs: number;
}

interface Entry {
  readonly id: string;
  readonly data: JobData;
  status: JobStatus;
  progress: JobProgress | null;
  result?: JobResult;
  readonly stop: AbortController;
}

/**
 * Jobs in this process (the default: nothing to install). A job runs at once as a request of its own: it
 * waits for a solver thread in the pool's queue, in deadline order, like a synchronous request.
 */
export class EmbeddedJobs implements JobBackend {
  readonly mode = 'embedded' as const;
  private readonly jobs = new Map<string, Entry>();

  constructor(
    private readonly deps: ExecuteDeps,
    private readonly limits: JobLimits,
  ) {}

  async submit(data: JobData): Promise<string> {
    const open = [...this.jobs.values()].filter((e) => !FINISHED.includes(e.status));
    if (open.length >= this.limits.maxJobs)
      throw new QueueFullError(`${open.length} jobs are queued or running, the limit; retry later`, this.retryAfter());
    const mine = open.filter((e) => e.data.owner === data.owner).length;
    if (mine >= this.limits.maxJobsPerOwner)
      throw new TooManyJobsError(`you have ${mine} jobs queued or running, the limit per token`, this.retryAfter());
    const refusal = this.deps.pool.refusal(data.owner);
    if (refusal) throw new QueueFullError(refusal.message, refusal.retryAfterSeconds);
    const wait = this.deps.pool.estimatedWaitMs();
    if (Date.now() + wait > data.deadline)
      throw new QueueFullError(
        `the estimated wait (${wait} ms) is longer than the job's time limit`,
        this.retryAfter(),
      );
    const id = randomUUID();
    const entry: Entry = { id, data, status: 'queued', progress: null, stop: new AbortController() };
    this.jobs.set(id, entry);
    void this.run(entry);
    return id;
  }

  private async run(e: Entry): Promise<void> {
    e.status = 'running';
    try {
      e.result = await executeJob(this.deps, e.data, e.stop.signal, (p) => (e.progress = p));
      e.status = e.stop.signal.aborted ? 'cancelled' : 'error' in e.result ? 'failed' : 'done';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      e.result = { error: { code: 'internal', message, issues: [] }, cancelled: false };
      e.status = 'failed';
    }
    setTimeout(() => this.jobs.delete(e.id), this.limits.ttlMs).unref();
  }

  async get(id: string, owner: string): Promise<JobView | undefined> {
    const e = this.jobs.get(id);
    return e && e.data.owner === owner ? viewOf(e) : undefined;
  }

  async cancel(id: string, owner: string): Promise<JobView | undefined> {
    const e = this.jobs.get(id);
    if (!e || e.data.owner !== owner) return undefined;
    if (!FINISHED.includes(e.status)) e.stop.abort(new Error('the job was cancelled'));
    return viewOf(e);
  }

  async depth(): Promise<number> {
    return this.deps.pool.queued;
  }

  private retryAfter(): number {
    return this.deps.pool.retryAfterSeconds();
  }

  async close(): Promise<void> {
    for (const e of this.jobs.values()) e.stop.abort(new Error('the service is shutting down'));
  }
}

function viewOf(e: Entry): JobView {
  const r = e.result;
  return {
    id: e.id,
    kind: e.data.kind,
    status: e.status,
    submittedAt: new Date(e.data.arrival).toISOString(),
    deadline: new Date(e.data.deadline).toISOString(),
    progress: e.progress,
    ...(r && 'answerText' in r && r.answerText ? { answerText: r.answerText } : {}),
    ...(r && 'error' in r ? { error: r.error } : {}),
  };
}
