import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueFullError } from '../solver/pool.js';
import type { JobLimits } from './embedded.js';
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

/**
 * Distributed jobs (REDIS_URL): the API adds each job to a BullMQ queue; `npm run worker` processes on any
 * number of machines pull them when they have a free solver thread (jobs/redis-worker.ts). What lives in
 * Redis: the queue (BullMQ's keys under `bull:optiplace-jobs:`), a cancel flag per cancelled job, the
 * open jobs of each owner, and the workers' recent job time (for the estimated wait).
 */
export const QUEUE_NAME = 'optiplace-jobs';
export const cancelKey = (id: string): string => `optiplace:cancel:${id}`;
const ownerKey = (owner: string): string => `optiplace:owner:${owner}`;
/** The workers' last job times (ms, a list of at most RECENT_JOBS), and their solver threads (a hash). */
export const JOB_MS_KEY = 'optiplace:job-ms-recent';
export const RECENT_JOBS = 20;
export const THREADS_KEY = 'optiplace:threads';

export function redisConnection(url: string): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest: null; ioredis reconnects by itself.
  return new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
}

const QUEUED: readonly string[] = ['waiting', 'prioritized', 'delayed', 'waiting-children'];

export class RedisJobs implements JobBackend {
  readonly mode = 'redis' as const;
  private readonly redis: Redis;
  private readonly queue: Queue;

  constructor(
    url: string,
    private readonly limits: JobLimits & { readonly attempts: number },
  ) {
    this.redis = redisConnection(url);
    this.queue = new Queue(QUEUE_NAME, { connection: this.redis });
    this.queue.on('error', () => undefined);
  }

  async submit(data: JobData): Promise<string> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const open = Object.values(counts).reduce((a, b) => a + b, 0);
    const active = counts['active'] ?? 0;
    const wait = await this.estimatedWaitMs(open - active, active);
    const retry = Math.max(1, Math.ceil((wait ?? 5000) / 1000));
    if (open >= this.limits.maxJobs) throw new QueueFullError(`${open} jobs are queued or running, the limit`, retry);
    if (wait === undefined) throw new QueueFullError('no solver worker is connected to the queue; retry later', 5);
    if (Date.now() + wait > data.deadline)
      throw new QueueFullError(`the estimated wait (${wait} ms) is longer than the job's time limit`, retry);
    const mine = await this.openOf(data.owner);
    if (mine >= this.limits.maxJobsPerOwner)
      throw new TooManyJobsError(`you have ${mine} jobs queued or running, the limit per token`, retry);
    const id = randomUUID();
    await this.redis.sadd(ownerKey(data.owner), id);
    const ttlS = Math.ceil(this.limits.ttlMs / 1000);
    await this.queue.add(data.kind, data, {
      jobId: id,
      priority: data.priority,
      attempts: this.limits.attempts,
      removeOnComplete: { age: ttlS },
      removeOnFail: { age: ttlS },
    });
    return id;
  }

  /**
   * Estimated ms until a job submitted now starts: none while a thread is free for it, else rounds of the
   * median of the workers' recent job times (a median, so one long study does not refuse every short
   * request); undefined when no worker is connected.
   */
  private async estimatedWaitMs(waiting: number, active: number): Promise<number | undefined> {
    const workers = (await this.queue.getWorkers()).length;
    if (workers === 0) return undefined;
    const listed = Object.values(await this.redis.hgetall(THREADS_KEY)).reduce((a, t) => a + Number(t), 0);
    const threads = Math.max(1, listed, workers);
    const free = Math.max(0, threads - active);
    if (waiting < free) return 0;
    const recent = (await this.redis.lrange(JOB_MS_KEY, 0, -1)).map(Number).sort((a, b) => a - b);
    const median = recent.length === 0 ? 0 : recent[Math.floor(recent.length / 2)]!;
    return Math.ceil((waiting - free + 1) / threads) * median;
  }

  /** The owner's jobs still queued or running (finished ones are dropped from its set). */
  private async openOf(owner: string): Promise<number> {
    let open = 0;
    for (const id of await this.redis.smembers(ownerKey(owner))) {
      const state = await this.queue.getJobState(id);
      if (state === 'completed' || state === 'failed' || state === 'unknown')
        await this.redis.srem(ownerKey(owner), id);
      else open++;
    }
    return open;
  }

  async get(id: string, owner: string): Promise<JobView | undefined> {
    // The state first: a job's hash is written in the same script that moves it, so a hash read after
    // a finished state holds its reason or result (read the other way round, a job that failed in between
    // showed as failed with the reason it did not yet have).
    const state = await this.queue.getJobState(id);
    const job = (await Job.fromId(this.queue, id)) as Job<JobData, JobResult> | undefined;
    if (!job || job.data.owner !== owner) return undefined;
    const cancelled = QUEUED.includes(state) && (await this.redis.exists(cancelKey(id))) === 1;
    return viewOf(job, state, cancelled);
  }

  async cancel(id: string, owner: string): Promise<JobView | undefined> {
    const view = await this.get(id, owner);
    if (!view) return undefined;
    if (!FINISHED.includes(view.status))
      await this.redis.set(cancelKey(id), '1', 'EX', Math.ceil(this.limits.ttlMs / 1000));
    return this.get(id, owner);
  }

  async depth(): Promise<number> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized');
    return (c['waiting'] ?? 0) + (c['prioritized'] ?? 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

function statusOf(state: string, result: JobResult | undefined, cancelled: boolean): JobStatus {
  if (cancelled) return 'cancelled';
  if (state === 'active') return 'running';
  if (state === 'failed') return 'failed';
  if (state !== 'completed' || !result) return 'queued';
  if (result.cancelled) return 'cancelled';
  return 'error' in result ? 'failed' : 'done';
}

function viewOf(job: Job<JobData, JobResult>, state: string, cancelled: boolean): JobView {
  const r = state === 'completed' ? job.returnvalue : undefined;
  const progress = typeof job.progress === 'object' ? (job.progress as unknown as JobProgress) : null;
  const reason = job.failedReason || 'the job failed';
  const failed = state === 'failed' ? { code: 'internal', message: reason, issues: [] } : undefined;
  return {
    id: String(job.id),
    kind: job.data.kind,
    status: statusOf(state, r, cancelled),
    submittedAt: new Date(job.data.arrival).toISOString(),
    deadline: new Date(job.data.deadline).toISOString(),
    progress,
    ...(r && 'answerText' in r && r.answerText ? { answerText: r.answerText } : {}),
    ...(r && 'error' in r ? { error: r.error } : failed ? { error: failed } : {}),
    attempts: job.attemptsMade,
  };
}
