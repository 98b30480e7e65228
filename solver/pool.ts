import { availableParallelism } from 'node:os';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { WorkerResult, WorkerTask } from './worker.js';

/**
 * The solver worker pool (piscina): `threads` warm worker threads, each with GLPK loaded, and a bounded
 * queue for the rest. A solve is never run on the event loop. Aborting a running task terminates its
 * worker (the only way to stop a blocking WebAssembly solve); piscina starts a replacement.
 */
export interface PoolOptions {
  /** Solves that run at once (default: the machine's available parallelism). */
  readonly threads?: number;
  /** Solves that may wait for a thread; one more is refused with QueueFullError (default 64). */
  readonly maxQueue?: number;
  /** Estimated exact-solver memory above which a solve answers with the heuristics only (bytes). */
  readonly memoryBudgetBytes?: number;
  /** JavaScript heap limit of each worker thread (MiB, default 4096); a worker over it dies alone. */
  readonly maxWorkerHeapMb?: number;
}

export class QueueFullError extends Error {
  constructor() {
    super('the solver queue is full');
    this.name = 'QueueFullError';
  }
}

export class SolverPool {
  private readonly piscina: Piscina<WorkerTask, WorkerResult>;
  readonly threads: number;
  readonly maxQueue: number;
  readonly memoryBudgetBytes: number | undefined;

  constructor(options: PoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.maxQueue = Math.max(1, options.maxQueue ?? 64);
    this.memoryBudgetBytes = options.memoryBudgetBytes;
    this.piscina = new Piscina<WorkerTask, WorkerResult>({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: this.maxQueue,
      idleTimeout: 2 ** 31 - 1,
      concurrentTasksPerWorker: 1,
      // A worker whose JavaScript heap runs away dies alone (and is replaced); the service keeps answering.
      resourceLimits: { maxOldGenerationSizeMb: options.maxWorkerHeapMb ?? 4096 },
    });
  }

  /** Runs one task; rejects with QueueFullError when the queue is full, or with an AbortError when aborted. */
  async run(task: WorkerTask, signal: AbortSignal, transferList: TransferListItem[]): Promise<WorkerResult> {
    // Admission is counted here (running + waiting), so the bound holds exactly, whatever state the threads are in.
    if (this.inFlight >= this.threads + this.maxQueue) throw new QueueFullError();
    this.inFlight++;
    try {
      const withBudget = this.memoryBudgetBytes === undefined ? task : { ...task, memoryBudgetBytes: this.memoryBudgetBytes };
      return await this.piscina.run(withBudget, { signal, transferList });
    } catch (err) {
      if (err instanceof Error && err.message === 'Task queue is at limit') throw new QueueFullError();
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  private inFlight = 0;

  /** Solves waiting for a thread. */
  get queued(): number {
    return Math.max(0, this.inFlight - this.threads);
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
