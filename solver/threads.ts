import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';

/**
 * A fixed set of warm worker threads, each running one task at a time.
 *
 * Why not piscina: it hands tasks to workers that are still loading (its balancer ignores readiness,
 * and the first workers are marked ready before they load), so stopping a task could terminate a
 * thread in the middle of loading its module, which aborts the whole process on Node 20 (V8 fatal
 * "IsGraphAsync must be used on an instantiated module"); and after one worker dies while starting
 * it stops replacing workers for good. Here:
 * - a worker takes tasks only after it has said `ready` (its WebAssembly modules are loaded);
 * - a worker is terminated only once ready: one asked to stop while starting is terminated as soon as
 *   it is ready (or after STARTUP_TIMEOUT_MS if it never gets there);
 * - every worker that exits is replaced, after a growing delay while new workers keep dying before
 *   they are ready; `health()` says so, for /readyz.
 * The worker file's protocol: it posts `{type: 'ready'}` once, then answers each `{type: 'task', task}`
 * with `{type: 'result', value}` or `{type: 'error', message}`. Progress goes on ports in the task.
 */
export interface ThreadPoolOptions {
  /** Shown in errors and health. */
  readonly name: string;
  readonly file: URL;
  readonly threads: number;
  readonly resourceLimits?: ResourceLimits;
  /** Where a worker's stdout and stderr go (default this process's stderr, never its stdout). */
  readonly output?: (chunk: Buffer) => void;
  /** Called with each event worth a log line: a worker that died, one that was replaced. */
  readonly onEvent?: (event: PoolEvent) => void;
  /**
   * A worker that reports more memory than this after a task (bytes, e.g. WebAssembly heaps, which never shrink) is
   * replaced when released.
   */
  readonly recycleAboveBytes?: number;
}

export type PoolEvent =
  | {
      readonly kind: 'exit';
      readonly pool: string;
      readonly code: number;
      readonly reason: string;
      readonly whileStarting: boolean;
      readonly planned: boolean;
    }
  | { readonly kind: 'replace'; readonly pool: string; readonly delayMs: number };

export interface PoolHealth {
  readonly threads: number;
  /** Workers that are loaded (idle or running a task). */
  readonly ready: number;
  readonly busy: number;
  readonly starting: number;
  /** Workers replaced on purpose since the pool started: recycled after a task, or stopped at a deadline. */
  readonly replaced: number;
  /** Workers that exited on their own since the pool started (a crash, an out-of-memory, a failed load). */
  readonly crashed: number;
  /** Workers in a row that died before they were ready (0 when the last one started fine). */
  readonly startupFailures: number;
  /** True when no worker is ready and new ones keep failing to start: the pool cannot take work. */
  readonly failing: boolean;
  /** True until the first worker is ready, and until all the first workers are unless one failed to load. */
  readonly booting: boolean;
  /** Memory the live workers reported after their last tasks (bytes: HiGHS's WebAssembly heaps, which never shrink). */
  readonly reportedBytes: number;
}

/** A task's worker died or was terminated before it answered. */
export class WorkerStoppedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WorkerStoppedError';
  }
}

/**
 * A task's answer, or undefined when it has not come `graceMs` after `deadline` (epoch ms) or its worker stopped
 * first: the caller then stops the thread if it still runs.
 */
export async function answerBy<T>(running: Promise<T>, deadline: number, graceMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()) + graceMs)),
  );
  try {
    return await Promise.race([
      running.catch((err: unknown) => (err instanceof WorkerStoppedError ? undefined : Promise.reject(err))),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The task threw inside the worker (a bug or an unexpected input; the worker itself is fine). */
export class WorkerTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerTaskError';
  }
}

/** Exclusive use of one ready worker, until released or terminated. */
export interface Lease {
  /**
   * Runs one task on the leased worker; rejects with WorkerStoppedError if the worker dies or is
   * terminated. `weight` (e.g. the model's size) ranks it for terminateHeaviest.
   */
  run<R>(task: unknown, transfer?: readonly Transferable[], weight?: number): Promise<R>;
  /** Stops the worker at once (the only way to stop a blocking WebAssembly solve); a new one replaces it. */
  terminate(reason: string): void;
  /** Gives the worker back (it must not be running a task); `recycle` replaces it with a fresh one. */
  release(recycle?: boolean): void;
  /** The worker's thread id (for logs). */
  readonly threadId: number;
}

const reasonOf = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));

/** How long a new worker may take to load before it is given up. */
const STARTUP_TIMEOUT_MS = 60_000;
/** Replacement delay after a worker died while starting, doubling per failure in a row, at most MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** After this many workers in a row died before they were ready, the pool counts as failing when none is ready. */
const FAILING_AFTER = 3;

type State = 'starting' | 'idle' | 'leased' | 'dead';

interface Slot {
  readonly worker: Worker;
  state: State;
  /** Asked to stop while still starting: terminated as soon as it is ready. */
  doomed?: string;
  pending?: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  startupTimer?: NodeJS.Timeout;
  /** The running task's weight. */
  weight?: number;
  /** Memory the worker reported after its last task (bytes). */
  memory?: number;
}

export class ThreadPool {
  readonly name: string;
  readonly threads: number;
  private readonly slots = new Set<Slot>();
  private readonly waiters: { resolve: (lease: Lease) => void; reject: (e: Error) => void; spare: boolean }[] = [];
  private replaced = 0;
  private crashed = 0;
  private startupFailures = 0;
  private everReady = false;
  /** Every one of the first `threads` workers has loaded (readiness waits for it, unless one fails to load). */
  private allLoaded = false;
  private loadedAtStart = 0;
  private closing = false;
  private readonly replacements = new Set<NodeJS.Timeout>();

  constructor(private readonly options: ThreadPoolOptions) {
    this.name = options.name;
    this.threads = Math.max(1, Math.floor(options.threads));
    for (let k = 0; k < this.threads; k++) this.spawn();
  }

  health(): PoolHealth {
    let ready = 0;
    let busy = 0;
    let starting = 0;
    let reportedBytes = 0;
    for (const s of this.slots) {
      if (s.state !== 'dead') reportedBytes += s.memory ?? 0;
      if (s.state === 'idle' || s.state === 'leased') ready++;
      if (s.state === 'leased') busy++;
      if (s.state === 'starting') starting++;
    }
    return {
      threads: this.threads,
      ready,
      busy,
      starting,
      replaced: this.replaced,
      crashed: this.crashed,
      startupFailures: this.startupFailures,
      failing: ready === 0 && this.startupFailures >= FAILING_AFTER,
      // Until the first worker is ready; and until all the first ones are, unless one failed to load.
      booting: !this.everReady || (!this.allLoaded && this.startupFailures === 0),
      reportedBytes,
    };
  }

  /** Resolves once every worker is loaded (none starting), checking every 20 ms; rejects after `timeoutMs`. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.health().ready < this.threads) {
      if (Date.now() > until) throw new Error(`the ${this.name} threads did not all start within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** An idle ready worker now, or undefined (never waits). */
  tryAcquire(): Lease | undefined {
    if (this.closing) return undefined;
    for (const s of this.slots) if (s.state === 'idle') return this.lease(s);
    return undefined;
  }

  /**
   * Waits for an idle ready worker, first come first served. `front`: ahead of every other waiter (for a
   * request that already had a thread); `spare`: only when no other waiter wants one (a second thread
   * for a request that runs anyway). The signal takes the caller out of the line.
   */
  acquire(signal?: AbortSignal, priority: 'front' | 'normal' | 'spare' = 'normal'): Promise<Lease> {
    if (this.closing) return Promise.reject(new WorkerStoppedError(`the ${this.name} pool is closing`));
    if (signal?.aborted) return Promise.reject(reasonOf(signal));
    const now = this.waiters.some((w) => !w.spare) ? undefined : this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise<Lease>((resolve, reject) => {
      const waiter = { resolve, reject, spare: priority === 'spare' };
      if (priority === 'front') this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const k = this.waiters.indexOf(waiter);
          if (k < 0) return;
          this.waiters.splice(k, 1);
          reject(reasonOf(signal));
        },
        { once: true },
      );
    });
  }

  /** Callers waiting for a worker (spare ones aside). */
  get waiting(): number {
    return this.waiters.filter((w) => !w.spare).length;
  }

  /** Terminates every worker (waiting for those still starting) and refuses new work. */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.replacements) clearTimeout(t);
    this.replacements.clear();
    for (const w of this.waiters.splice(0)) w.reject(new WorkerStoppedError(`the ${this.name} pool is closing`));
    const exits = [...this.slots].map(
      (s) => new Promise<void>((resolve) => (s.state === 'dead' ? resolve() : s.worker.once('exit', () => resolve()))),
    );
    for (const s of this.slots) this.stop(s, 'the pool is closing');
    await Promise.all(exits);
  }

  private spawn(): void {
    if (this.closing) return;
    const worker = new Worker(this.options.file, {
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
      stdout: true,
      stderr: true,
    });
    // WebAssembly runtimes print to stdout (GLPK's "glp_add_cols: ..."); never let that reach ours.
    const out = this.options.output ?? ((chunk: Buffer) => void process.stderr.write(chunk));
    worker.stdout.on('data', out);
    worker.stderr.on('data', out);
    const slot: Slot = { worker, state: 'starting' };
    slot.startupTimer = setTimeout(() => {
      if (slot.state === 'starting') void worker.terminate();
    }, STARTUP_TIMEOUT_MS);
    slot.startupTimer.unref();
    this.slots.add(slot);
    worker.on('message', (msg: { type?: string; value?: unknown; message?: string; memory?: number }) =>
      this.onMessage(slot, msg),
    );
    // An error event is followed by 'exit'; the task (if any) is rejected there with the error's message.
    let lastError = '';
    worker.on('error', (err) => {
      lastError = err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (code) => this.onExit(slot, code, lastError));
  }

  /** Terminates the busy worker whose task weighs most (memory pressure); false when none is busy. */
  terminateHeaviest(reason: string): boolean {
    let heaviest: Slot | undefined;
    for (const s of this.slots) if (s.pending && (!heaviest || (s.weight ?? 0) > (heaviest.weight ?? 0))) heaviest = s;
    if (!heaviest) return false;
    this.stop(heaviest, reason);
    return true;
  }

  private onMessage(slot: Slot, msg: { type?: string; value?: unknown; message?: string; memory?: number }): void {
    if (msg.type === 'ready') {
      clearTimeout(slot.startupTimer);
      this.startupFailures = 0;
      this.everReady = true;
      if (++this.loadedAtStart >= this.threads) this.allLoaded = true;
      if (slot.doomed !== undefined || this.closing) {
        slot.state = 'idle';
        this.stop(slot, slot.doomed ?? 'the pool is closing');
        return;
      }
      slot.state = 'idle';
      this.serveWaiter(slot);
      return;
    }
    const pending = slot.pending;
    if (!pending) return;
    slot.pending = undefined;
    if (typeof msg.memory === 'number') slot.memory = msg.memory;
    if (msg.type === 'result') pending.resolve(msg.value);
    else pending.reject(new WorkerTaskError(msg.message ?? 'the task failed'));
  }

  private onExit(slot: Slot, code: number, lastError: string): void {
    clearTimeout(slot.startupTimer);
    const whileStarting = slot.state === 'starting';
    slot.state = 'dead';
    this.slots.delete(slot);
    const reason = slot.doomed ?? (lastError || `the worker thread exited with code ${code}`);
    slot.pending?.reject(new WorkerStoppedError(reason));
    slot.pending = undefined;
    if (this.closing) return;
    this.options.onEvent?.({
      kind: 'exit',
      pool: this.name,
      code,
      reason,
      whileStarting,
      planned: slot.doomed !== undefined,
    });
    if (whileStarting && slot.doomed === undefined) this.startupFailures++;
    if (slot.doomed === undefined) this.crashed++;
    else this.replaced++;
    const delayMs =
      this.startupFailures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.startupFailures - 1));
    if (delayMs > 0) this.options.onEvent?.({ kind: 'replace', pool: this.name, delayMs });
    const timer = setTimeout(() => {
      this.replacements.delete(timer);
      this.spawn();
    }, delayMs);
    this.replacements.add(timer);
  }

  /** Terminates a worker, or dooms it if it is still starting. */
  private stop(slot: Slot, reason: string): void {
    if (slot.state === 'dead') return;
    slot.doomed ??= reason;
    if (slot.state === 'starting') return;
    void slot.worker.terminate();
  }

  private serveWaiter(slot: Slot): void {
    const k = this.waiters.findIndex((w) => !w.spare);
    const at = k >= 0 ? k : this.waiters.length > 0 ? 0 : -1;
    if (at < 0) return;
    const [waiter] = this.waiters.splice(at, 1);
    waiter!.resolve(this.lease(slot));
  }

  private lease(slot: Slot): Lease {
    slot.state = 'leased';
    let done = false;
    return {
      threadId: slot.worker.threadId,
      run: <R>(task: unknown, transfer: readonly Transferable[] = [], weight = 0): Promise<R> => {
        if (done || slot.state !== 'leased')
          return Promise.reject(new WorkerStoppedError(slot.doomed ?? 'the lease has ended'));
        if (slot.pending) return Promise.reject(new Error('internal error: a task is already running on this worker'));
        slot.weight = weight;
        return new Promise<R>((resolve, reject) => {
          slot.pending = { resolve: resolve as (v: unknown) => void, reject };
          slot.worker.postMessage({ type: 'task', task }, transfer as Transferable[]);
        });
      },
      terminate: (reason: string): void => {
        if (done) return;
        done = true;
        this.stop(slot, reason);
      },
      release: (recycle = false): void => {
        if (done) return;
        done = true;
        if (slot.state !== 'leased') return;
        const large =
          this.options.recycleAboveBytes !== undefined && (slot.memory ?? 0) > this.options.recycleAboveBytes;
        if (recycle || slot.pending || large) {
          this.stop(
            slot,
            large
              ? `recycled: it held ${Math.round((slot.memory ?? 0) / 2 ** 20)} MiB after its last task`
              : 'recycled',
          );
          return;
        }
        slot.state = 'idle';
        this.serveWaiter(slot);
      },
    };
  }
}
