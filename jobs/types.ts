import type { JobKind } from '../planning/job-input.js';
import { relativeGap } from '../solver/bounds.js';

/**
 * Jobs (POST /v1/jobs): the same in both deployments. Embedded (the default): in this process, on its
 * solver threads (jobs/embedded.ts). Distributed (REDIS_URL): on BullMQ, answered by `placement worker`
 * processes on any number of machines (jobs/redis.ts).
 */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export const FINISHED: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

/** What a job carries: its input as JSON text, its absolute deadline, and who submitted it. */
export interface JobData {
  readonly kind: JobKind;
  readonly input: string;
  /** Epoch ms: the time limit counts from the submission's arrival, as on the synchronous routes. */
  readonly arrival: number;
  readonly deadline: number;
  readonly owner: string;
  readonly priority: number;
}

/** The best verified objective and the bound so far, with the time since arrival. */
export interface JobProgress {
  readonly objective: number | null;
  readonly bound: number | null;
  readonly gap: number | null;
  readonly elapsedMs: number;
}

export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: JobStatus;
  readonly submittedAt: string;
  readonly deadline: string;
  readonly progress: JobProgress | null;
  /**
   * Done, or cancelled while running: the answer the synchronous route gives (its best verified plan), as
   * the JSON text it was written as once, off the event loop: the routes send it as it is (a 150 000-
   * container answer is 45 MB; written again on every read, it would hold the event loop for half a second).
   */
  readonly answerText?: string;
  readonly error?: JobError;
  readonly attempts?: number;
}

/** What a worker answers a job with. */
export type JobResult =
  | { readonly answerText: string; readonly cancelled: boolean }
  | { readonly error: JobError; readonly cancelled: boolean }
  | { readonly answerText: null; readonly cancelled: true };

export interface JobBackend {
  readonly mode: 'embedded' | 'redis';
  /** Queues a job (refused with QueueFullError or TooManyJobsError); resolves with its id. */
  submit(data: JobData): Promise<string>;
  /** The job, if it exists, is not expired, and belongs to `owner`. */
  get(id: string, owner: string): Promise<JobView | undefined>;
  /** Cancels: a queued job never starts; a running one stops with its best verified plan. */
  cancel(id: string, owner: string): Promise<JobView | undefined>;
  /** Requests waiting now, for /metrics. */
  depth(): Promise<number>;
  close(): Promise<void>;
}

/** One owner (API token, or client address without tokens) has too many jobs waiting or running. */
export class TooManyJobsError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'TooManyJobsError';
  }
}

export function progressOf(arrival: number, objective: number | null, bound: number | null): JobProgress {
  const gap = objective === null || bound === null ? null : relativeGap(objective, bound);
  return { objective, bound, gap, elapsedMs: Date.now() - arrival };
}
