import { availableParallelism } from 'node:os';
import type { Transferable } from 'node:worker_threads';
import { QueueFullError } from '../solver/pool.js';
import { ThreadPool, WorkerStoppedError, type PoolEvent, type PoolHealth } from '../solver/threads.js';
import { InputError } from './errors.js';
import type { InputTask, PrepareReply } from './prepare-worker.js';
import { solvedText, type Solved } from './solved.js';
import type { JobInput, JobKind } from './job-input.js';
import type { ProblemLimits } from '../models/validate.js';
import type { PrepareRequest, Prepared } from './prepare.js';

/**
 * The input threads: stage 1 of every request (parsing, checking and building the model, the greedy
 * plan) runs here, so a large body never blocks the event loop. At most `maxQueue` requests wait.
 */
export interface PreparePoolOptions {
  /** Input threads (default 1, 2 on machines with 4 cores or more). */
  readonly threads?: number;
  readonly maxQueue?: number;
  /** JavaScript heap limit of each input thread (MiB): its old generation. */
  readonly maxHeapMb?: number;
  /** Its young generation (MiB; default V8's). */
  readonly youngMb?: number;
  readonly onEvent?: (event: PoolEvent) => void;
}

/**
 * Answers of this many containers or more are written in an input thread; smaller ones in place (a round
 * trip would queue them behind bodies). A 10 000-container answer (1.5 MB) took up to 175 ms to write on
 * the event loop the first time; 2 000 containers are some 0.3 MB.
 */
export const OFF_THREAD_ANSWER_CONTAINERS = 2_000;
/** Nodes × containers from which an answer with topology is written in an input thread (its baseline is placed). */
export const OFF_THREAD_TOPOLOGY_PAIRS = 100_000;

export class PreparePool {
  private readonly pool: ThreadPool;
  readonly maxQueue: number;

  constructor(options: PreparePoolOptions = {}) {
    this.maxQueue = options.maxQueue ?? 128;
    this.pool = new ThreadPool({
      name: 'input',
      file: new URL('./prepare-worker.js', import.meta.url),
      threads: options.threads ?? (availableParallelism() >= 4 ? 2 : 1),
      resourceLimits: {
        ...(options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : {}),
        ...(options.youngMb ? { maxYoungGenerationSizeMb: options.youngMb } : {}),
      },
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  health(): PoolHealth {
    return this.pool.health();
  }

  /** Stage 1 in an input thread: the prepared input, or the InputError that says why not. */
  async run(req: PrepareRequest, signal?: AbortSignal): Promise<Prepared> {
    // The body's bytes move to the thread rather than being copied: only capacity questions read them twice.
    const body = req.body;
    const own =
      req.route !== 'capacity' &&
      body instanceof Uint8Array &&
      body.byteOffset === 0 &&
      body.byteLength === body.buffer.byteLength;
    const reply = await this.task(req, own && body.buffer instanceof ArrayBuffer ? [body.buffer] : [], signal);
    if ('failure' in reply) throw InputError.from(reply.failure);
    if ('written' in reply && reply.written) return { kind: 'written', text: reply.bytes, solved: reply.written };
    if (!('prepared' in reply)) throw new Error('internal error: an input thread answered a body with something else');
    return reply.prepared;
  }

  /** A job submission read and checked in an input thread (planning/job-input.ts). */
  async job(
    body: Uint8Array | string,
    limits: ProblemLimits,
    signal?: AbortSignal,
    route?: JobKind,
  ): Promise<JobInput> {
    const reply = await this.task({ job: body, limits, ...(route ? { route } : {}) }, [], signal);
    if ('failure' in reply) throw InputError.from(reply.failure);
    if (!('job' in reply)) throw new Error('internal error: an input thread answered a job with something else');
    return reply.job;
  }

  /**
   * A solved answer as JSON: from OFF_THREAD_ANSWER_CONTAINERS containers in an input thread, else here; also where
   * the answer places the Kueue-style baseline (docs/topology.md) on OFF_THREAD_TOPOLOGY_PAIRS nodes × containers.
   */
  async write(solved: Solved): Promise<string | Uint8Array> {
    const { model } = solved.built;
    const topology =
      model.topology !== undefined && model.nodes.length * model.items.length >= OFF_THREAD_TOPOLOGY_PAIRS;
    return model.items.length >= OFF_THREAD_ANSWER_CONTAINERS || topology ? this.serialize(solved) : solvedText(solved);
  }

  /** A solved answer as UTF-8 JSON, written in an input thread. */
  async serialize(solved: Solved): Promise<Uint8Array> {
    const reply = await this.task({ serialize: solved }, []);
    if (!('bytes' in reply)) throw new Error('internal error: an input thread answered a serialisation with a model');
    return reply.bytes;
  }

  private async task(req: InputTask, transfer: Transferable[], signal?: AbortSignal): Promise<PrepareReply> {
    if (this.pool.waiting >= this.maxQueue)
      throw new QueueFullError('the input threads are busy and their queue is full; retry later', 1);
    const lease = await this.pool.acquire(signal);
    try {
      return await lease.run<PrepareReply>(req, transfer);
    } catch (err) {
      // The thread died under this body (its heap is capped): the body is more than an input thread can hold.
      if (err instanceof WorkerStoppedError)
        throw new InputError(
          'problem_too_large',
          `the body could not be read within an input thread's memory (${err.message})`,
          [{ path: '(body)', message: 'too large to read' }],
        );
      throw err;
    } finally {
      lease.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
