import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { executeJob, type ExecuteDeps } from './execute.js';
import { cancelKey, JOB_MS_KEY, QUEUE_NAME, RECENT_JOBS, redisConnection, THREADS_KEY } from './redis.js';
import type { JobData, JobResult } from './types.js';

/**
 * A solver worker process's loop: it pulls a job from the queue whenever one of its solver threads is
 * free (BullMQ concurrency = SOLVER_THREADS), runs it as the API would, and reports progress. A job whose
 * worker dies (SIGKILL) loses its lock after LOCK_MS and is taken up by another worker within
 * STALLED_CHECK_MS more, with what is left of its deadline; after `attempts` such losses it is failed.
 */
const LOCK_MS = 6_000;
const STALLED_CHECK_MS = 2_000;
const CANCEL_POLL_MS = 200;

export interface WorkerOptions {
  readonly url: string;
  readonly threads: number;
  readonly attempts: number;
  readonly deps: ExecuteDeps;
  readonly onEvent?: (msg: string, fields: Record<string, unknown>) => void;
}

export function startRedisWorker(o: WorkerOptions): { close(): Promise<void> } {
  const redis = redisConnection(o.url);
  const id = `${hostname()}:${process.pid}`;
  const run = async (job: Job<JobData, JobResult>): Promise<JobResult> => {
    if ((await redis.exists(cancelKey(String(job.id)))) === 1) return { answerText: null, cancelled: true };
    const stop = new AbortController();
    const poll = setInterval(() => {
      redis.exists(cancelKey(String(job.id))).then(
        (n) => n === 1 && stop.abort(new Error('the job was cancelled')),
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    const started = Date.now();
    o.onEvent?.('job started', { job: job.id, kind: job.data.kind, attempt: job.attemptsMade + 1 });
    try {
      const result = await executeJob(
        o.deps,
        job.data,
        stop.signal,
        (p) => void job.updateProgress(p).catch(() => undefined),
      );
      o.onEvent?.('job finished', {
        job: job.id,
        kind: job.data.kind,
        ms: Date.now() - started,
        attempt: job.attemptsMade + 1,
      });
      await redis
        .multi()
        .lpush(JOB_MS_KEY, String(Date.now() - started))
        .ltrim(JOB_MS_KEY, 0, RECENT_JOBS - 1)
        .exec()
        .catch(() => undefined);
      return result;
    } finally {
      clearInterval(poll);
    }
  };
  const worker = new Worker<JobData, JobResult>(QUEUE_NAME, run, {
    connection: redisConnection(o.url),
    concurrency: o.threads,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_CHECK_MS,
    maxStalledCount: Math.max(0, o.attempts - 1),
    name: id,
  });
  worker.on('error', (err) => o.onEvent?.('queue connection error; reconnecting', { error: err.message }));
  worker.on('failed', (job, err) => o.onEvent?.('job failed', { job: job?.id, error: err.message }));
  void redis.hset(THREADS_KEY, id, String(o.threads)).catch(() => undefined);
  return {
    async close() {
      await worker.close();
      await redis.hdel(THREADS_KEY, id).catch(() => undefined);
      redis.disconnect();
    },
  };
}
