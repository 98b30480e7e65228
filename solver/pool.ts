import { availableParallelism } from 'node:os';
import { ThreadPool, type Lease, type PoolEvent, type PoolHealth } from './threads.js';

/**
 * The solver threads and who may use them. Solver threads are warm (GLPK and HiGHS loaded) and never
 * run on the event loop. Admission is per request, not per thread:
 * - a request waits in one queue for its first ("lead") thread; an `auto` request takes a second
 *   ("partner") thread only if one is idle and no request is waiting, so under load every request gets
 *   one thread and the queue counts requests;
 * - the queue holds at most `maxQueue` requests, and at most `maxQueuePerClient` of one client;
 * - a request whose estimated wait already passes its deadline is refused at once;
 * - a request still waiting at its deadline leaves the queue (DeadlineError): its caller answers with
 *   the greedy plan;
 * - refusals carry a Retry-After estimated from the queue and recent solve times.
 */
export interface PoolOptions {
  /** Solver threads (default: the machine's available parallelism). */
  readonly threads?: number;
  /** Requests that may wait for a thread (default 64). */
  readonly maxQueue?: number;
  /** Requests one client may have waiting (default a quarter of maxQueue, at least 1). */
  readonly maxQueuePerClient?: number;
  /** Estimated exact-solver memory above which a solve answers with the heuristics only (bytes). */
  readonly memoryBudgetBytes?: number;
  /** JavaScript heap limit of each worker thread (MiB, default 4096); a worker over it dies alone. */
  readonly maxWorkerHeapMb?: number;
  /** Worker deaths and replacements, for the log. */
  readonly onEvent?: (event: PoolEvent) => void;
  /**
   * The process's memory limit (bytes of resident memory). Above it new requests are refused and the
   * solve with the largest model is stopped (its request answers with its best plan so far); a solver
   * thread whose WebAssembly heap stays large after a solve is replaced.
   */
  readonly memoryLimitBytes?: number;
}

/** How often resident memory is checked against the limit (ms). */
const MEMORY_CHECK_MS = 250;

/** Refused: the queue (or this client's share of it) is full, or the wait would pass the deadline. */
export class QueueFullError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'QueueFullError';
  }
}

/** The request's deadline passed while it waited for a thread. */
export class DeadlineError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no solver thread became free within the time limit (waited ${waitedMs} ms)`);
    this.name = 'DeadlineError';
  }
}

/** One admitted request: its place in the queue, then its threads, until released. */
export interface Ticket {
  /**
   * The request's own thread: waits in the queue the first time; afterwards the same one, or (if it was
   * terminated) the next free one ahead of the queue. Waiting ends with DeadlineError at `deadline`
   * (default the one it was admitted with).
   */
  lead(deadline?: number): Promise<Lease>;
  /**
   * A further thread for the portfolio, only if one is idle and nobody waits; the caller releases it (the ticket
   * releases any it still holds).
   */
  partner(): Lease | undefined;
  /**
   * A further thread that frees up within `waitMs` while no request is waiting (it never goes ahead of
   * one), or undefined; the caller releases it. Ends early with the signal.
   */
  partnerSoon(waitMs: number, signal: AbortSignal): Promise<Lease | undefined>;
  /** The lead lease is gone (terminated): the next lead() takes a new one. */
  dropLead(): void;
  /** Gives back every thread it holds and leaves the queue. Idempotent. */
  release(): void;
  /** Milliseconds spent waiting in the queue. */
  readonly waitedMs: number;
}

export interface AdmitOptions {
  /** Who is asking (a token or an address), for the per-client share of the queue. */
  readonly client?: string;
  /** Epoch ms. */
  readonly deadline: number;
  /** Aborts the wait (the client went away). */
  readonly signal?: AbortSignal;
}

/** Weight of the newest sample in the moving average of how long a request holds its thread. */
const EWMA_WEIGHT = 0.2;

export class SolverPool {
  readonly threads: number;
  readonly maxQueue: number;
  readonly maxQueuePerClient: number;
  readonly memoryBudgetBytes: number | undefined;
  private readonly pool: ThreadPool;
  private readonly waitingByClient = new Map<string, number>();
  private waiting = 0;
  /** Moving average of how long a request holds its lead thread (ms); undefined before the first. */
  private holdMs: number | undefined;
  private readonly memoryTimer: NodeJS.Timeout | undefined;
  /** Resident memory is over the limit: new requests are refused until it is not. */
  private overMemory = false;
  /** Solves stopped because the process passed its memory limit. */
  memoryStops = 0;

  constructor(options: PoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.maxQueue = Math.max(1, options.maxQueue ?? 64);
    this.maxQueuePerClient = Math.max(1, options.maxQueuePerClient ?? Math.ceil(this.maxQueue / 4));
    this.memoryBudgetBytes = options.memoryBudgetBytes;
    this.pool = new ThreadPool({
      name: 'solver',
      file: new URL('./worker.js', import.meta.url),
      threads: this.threads,
      // A worker whose JavaScript heap runs away dies alone (and is replaced); the service keeps answering.
      resourceLimits: { maxOldGenerationSizeMb: options.maxWorkerHeapMb ?? 4096 },
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.memoryBudgetBytes !== undefined
        ? { recycleAboveBytes: Math.min(2 ** 30, options.memoryBudgetBytes / 2) }
        : {}),
    });
    const limit = options.memoryLimitBytes;
    if (limit !== undefined) {
      this.memoryTimer = setInterval(() => {
        const rss = process.memoryUsage.rss();
        this.overMemory = rss > limit;
        if (
          this.overMemory &&
          this.pool.terminateHeaviest(
            `the process passed its memory limit (${Math.round(rss / 2 ** 20)} MiB ` +
              `of ${Math.round(limit / 2 ** 20)} MiB): the largest solve was stopped`,
          )
        )
          this.memoryStops++;
      }, MEMORY_CHECK_MS);
      this.memoryTimer.unref();
    }
  }

  /** Resolves once every solver thread has loaded its solvers (a warm pool). */
  ready(timeoutMs?: number): Promise<void> {
    return this.pool.ready(timeoutMs);
  }

  /** Requests waiting for a thread. */
  get queued(): number {
    return this.waiting;
  }

  health(): PoolHealth & { readonly queued: number; readonly maxQueue: number } {
    return { ...this.pool.health(), queued: this.waiting, maxQueue: this.maxQueue };
  }

  /** Estimated ms until a request that arrives now gets a thread. */
  estimatedWaitMs(): number {
    const h = this.pool.health();
    if (this.waiting === 0 && h.busy < h.ready) return 0;
    if (this.holdMs === undefined) return 0;
    return Math.ceil((this.waiting + 1) / this.threads) * this.holdMs;
  }

  /** Seconds to tell a refused client to wait (at least 1). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.estimatedWaitMs() / 1000));
  }

  /**
   * Why a request of this client would be refused now, before its deadline is known (the queue or the
   * client's share of it is full, or memory is over the limit); undefined when it may come in.
   */
  refusal(client: string): QueueFullError | undefined {
    if (this.overMemory)
      return new QueueFullError('the service is over its memory limit; retry later', this.retryAfterSeconds());
    const free = this.waiting === 0 && this.pool.health().busy < this.pool.health().ready;
    if (free) return undefined;
    if (this.waiting >= this.maxQueue)
      return new QueueFullError(
        'all solver threads are busy and the queue is full; retry later',
        this.retryAfterSeconds(),
      );
    if ((this.waitingByClient.get(client) ?? 0) >= this.maxQueuePerClient) {
      return new QueueFullError(
        `this client already has ${this.maxQueuePerClient} requests waiting for a solver thread; retry later`,
        this.retryAfterSeconds(),
      );
    }
    return undefined;
  }

  /**
   * Admits a request or refuses it at once (QueueFullError). The ticket's first lead() waits for the
   * thread; release() must always follow.
   */
  admit(options: AdmitOptions): Ticket {
    const client = options.client ?? '';
    const refused = this.refusal(client);
    if (refused) throw refused;
    const free = this.waiting === 0 && this.pool.health().busy < this.pool.health().ready;
    if (!free) {
      // No estimate (threads still starting): admitted; a deadline already past is answered with the greedy plan.
      const wait = this.estimatedWaitMs();
      if (wait > 0 && Date.now() + wait > options.deadline)
        throw new QueueFullError(
          `the estimated wait for a solver thread (${wait} ms) is longer ` +
            `than the time limit; retry later or with a longer limit`,
          this.retryAfterSeconds(),
        );
    }
    return this.ticket(client, options);
  }

  private ticket(client: string, options: AdmitOptions): Ticket {
    return new RequestTicket(this.pool, options, {
      enqueue: () => {
        this.waiting++;
        this.waitingByClient.set(client, (this.waitingByClient.get(client) ?? 0) + 1);
      },
      dequeue: () => {
        this.waiting--;
        const left = (this.waitingByClient.get(client) ?? 1) - 1;
        if (left <= 0) this.waitingByClient.delete(client);
        else this.waitingByClient.set(client, left);
      },
      othersWaiting: () => this.waiting > 0,
      held: (ms) => {
        this.holdMs = this.holdMs === undefined ? ms : (1 - EWMA_WEIGHT) * this.holdMs + EWMA_WEIGHT * ms;
      },
    });
  }

  async close(): Promise<void> {
    clearInterval(this.memoryTimer);
    await this.pool.close();
  }
}

/** What a ticket tells its pool: joining and leaving the queue, whether anyone waits, how long it held its thread. */
interface Accounting {
  enqueue(): void;
  dequeue(): void;
  othersWaiting(): boolean;
  held(ms: number): void;
}

class RequestTicket implements Ticket {
  private lead_: Lease | undefined;
  private readonly partners: Lease[] = [];
  private queued = false;
  private released = false;
  private firstLead = true;
  private waited = 0;
  private leadSince = 0;
  private readonly admitted = Date.now();

  constructor(
    private readonly pool: ThreadPool,
    private readonly options: AdmitOptions,
    private readonly accounting: Accounting,
  ) {}

  get waitedMs(): number {
    return this.waited;
  }

  async lead(deadline = this.options.deadline): Promise<Lease> {
    if (this.released) throw new Error('internal error: the ticket was released');
    if (!this.lead_) {
      this.lead_ = await this.acquire(deadline);
      this.leadSince = Date.now();
    }
    return this.lead_;
  }

  partner(): Lease | undefined {
    if (this.released || this.accounting.othersWaiting()) return undefined;
    const lease = this.pool.tryAcquire();
    if (lease) this.partners.push(lease);
    return lease;
  }

  async partnerSoon(waitMs: number, signal: AbortSignal): Promise<Lease | undefined> {
    if (this.released || waitMs <= 0) return undefined;
    const timer = AbortSignal.timeout(Math.max(1, Math.ceil(waitMs)));
    const lease = await this.pool.acquire(AbortSignal.any([signal, timer]), 'spare').catch(() => undefined);
    if (!lease) return undefined;
    if (this.released || signal.aborted) {
      lease.release();
      return undefined;
    }
    this.partners.push(lease);
    return lease;
  }

  dropLead(): void {
    this.lead_ = undefined;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.stopWaiting();
    if (this.lead_) this.accounting.held(Date.now() - this.leadSince);
    this.lead_?.release();
    for (const p of this.partners.splice(0)) p.release();
    this.lead_ = undefined;
  }

  /** The first time in the queue (counted, per client); later ahead of it. Ends at `deadline` with DeadlineError. */
  private async acquire(deadline: number): Promise<Lease> {
    const front = !this.firstLead;
    this.firstLead = false;
    if (!front) {
      this.queued = true;
      this.accounting.enqueue();
    }
    const timeout = new AbortController();
    const wait = Math.max(0, deadline - Date.now());
    const timer = setTimeout(() => timeout.abort(new DeadlineError(Date.now() - this.admitted)), wait);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout.signal]) : timeout.signal;
    try {
      const lease = await this.pool.acquire(signal, front ? 'front' : 'normal');
      if (this.released) {
        lease.release();
        throw new Error('the request ended while it waited');
      }
      return lease;
    } finally {
      clearTimeout(timer);
      if (!front) this.waited = Date.now() - this.admitted;
      this.stopWaiting();
    }
  }

  private stopWaiting(): void {
    if (!this.queued) return;
    this.queued = false;
    this.accounting.dequeue();
  }
}
