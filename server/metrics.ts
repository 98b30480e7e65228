import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SolvedEvent } from '../planning/planner.js';
import type { SolverPool } from '../solver/pool.js';
import type { PoolHealth } from '../solver/threads.js';

/**
 * Prometheus metrics (GET /metrics, prom-client). Each is listed in docs/operations.md, "Metrics".
 * The process's own (event-loop lag, memory, CPU, GC) come from prom-client's default collectors, once per
 * process; the service's are per app, read from the pools when scraped.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

export interface MetricSources {
  readonly pool: SolverPool;
  readonly inputHealth?: () => PoolHealth;
  /** Jobs waiting in the job queue (embedded: the solver queue; distributed: BullMQ's). */
  readonly jobsWaiting?: () => Promise<number>;
}

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const GAPS = [0, 0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'optiplace_http_requests_total',
    help: 'HTTP requests answered, by route (the matched path; "unmatched" for 404s), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'optiplace_http_request_duration_seconds',
    help: "Time from a request's arrival to the end of its answer, by route",
    labelNames: ['route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly refused = new Counter({
    name: 'optiplace_http_503_total',
    help: 'Requests answered 503, by error code (queue_full, shutting_down, ...)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly solveSeconds = new Histogram({
    name: 'optiplace_solve_duration_seconds',
    help: 'Solve time on a solver thread (queue wait excluded), by status and source of the plan returned',
    labelNames: ['status', 'source'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly gaps = new Histogram({
    name: 'optiplace_plan_gap_ratio',
    help: 'Relative gap of each returned plan to its proven bound (0: optimal); plans without a bound are not counted',
    buckets: GAPS,
    registers: [this.registry],
  });
  private readonly overruns = new Counter({
    name: 'optiplace_deadline_overruns_total',
    help: 'Answers that left more than 500 ms after their time limit (counted from arrival)',
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    processMetrics();
    this.pools(sources);
  }

  /** Counts every answer (on finish, or when the client went away first). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const started = Date.now();
      let counted = false;
      const count = (): void => {
        if (counted) return;
        counted = true;
        const route = routeOf(req);
        const status = res.headersSent ? res.statusCode : 499;
        this.requests.inc({ route, method: req.method, status: String(status) });
        this.requestSeconds.observe({ route }, (Date.now() - started) / 1000);
        // Probes' 503 (starting, draining) refuse no work.
        if (status === 503 && res.locals['probe'] === undefined)
          this.refused.inc({ code: String(res.locals['errorCode'] ?? 'unknown') });
      };
      res.on('finish', count);
      res.on('close', count);
      next();
    };
  }

  /** One finished solve: its time, status and source, and its gap. */
  solved(e: SolvedEvent): void {
    const o = e.outcome;
    this.solveSeconds.observe({ status: o.status, source: o.source }, o.timings.totalMs / 1000);
    if (o.gap !== null && Number.isFinite(o.gap)) this.gaps.observe(o.gap);
  }

  overrun(): void {
    this.overruns.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async text(): Promise<string> {
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }

  /** Queue, threads, restarts and reported WebAssembly memory, read from the pools at each scrape. */
  private pools({ pool, inputHealth, jobsWaiting }: MetricSources): void {
    const registers = [this.registry];
    new Gauge({
      name: 'optiplace_jobs_waiting',
      help: 'Jobs waiting for a solver thread (distributed: in the BullMQ queue, for every worker; the worker HPA)',
      registers,
      async collect() {
        this.set(jobsWaiting ? await jobsWaiting().catch(() => 0) : pool.queued);
      },
    });
    const health = (): [string, PoolHealth][] => [
      ['solver', pool.health()],
      ...(inputHealth ? [['input', inputHealth()] as [string, PoolHealth]] : []),
    ];
    new Gauge({
      name: 'optiplace_queue_depth',
      help: 'Requests waiting for a solver thread',
      registers,
      collect() {
        this.set(pool.queued);
      },
    });
    new Gauge({
      name: 'optiplace_queue_capacity',
      help: 'Requests that may wait for a solver thread before requests get 503 (SOLVER_QUEUE)',
      registers,
      collect() {
        this.set(pool.maxQueue);
      },
    });
    new Gauge({
      name: 'optiplace_threads',
      help: 'Worker threads by pool (solver, input) and state (busy, ready: loaded, idle or busy; starting)',
      labelNames: ['pool', 'state'] as const,
      registers,
      collect() {
        for (const [name, h] of health())
          for (const state of ['busy', 'ready', 'starting'] as const) this.set({ pool: name, state }, h[state]);
      },
    });
    this.restartsAndMemory(pool, health);
  }

  private restartsAndMemory(pool: SolverPool, health: () => [string, PoolHealth][]): void {
    const registers = [this.registry];
    const seen = new Map<string, number>();
    new Counter({
      name: 'optiplace_worker_restarts_total',
      help: 'Worker threads replaced, by pool and cause: replaced (recycled, stopped at a deadline) or crashed',
      labelNames: ['pool', 'cause'] as const,
      registers,
      collect() {
        for (const [name, h] of health())
          for (const cause of ['replaced', 'crashed'] as const) {
            const key = `${name} ${cause}`;
            this.inc({ pool: name, cause }, h[cause] - (seen.get(key) ?? 0));
            seen.set(key, h[cause]);
          }
      },
    });
    new Gauge({
      name: 'optiplace_worker_wasm_memory_bytes',
      help: 'WebAssembly memory the solver threads hold (HiGHS heaps, reported after each task; never shrinks)',
      labelNames: ['pool'] as const,
      registers,
      collect() {
        for (const [name, h] of health()) this.set({ pool: name }, h.reportedBytes);
      },
    });
    let memoryStops = 0;
    new Counter({
      name: 'optiplace_memory_stops_total',
      help: 'Solves stopped because resident memory passed MEMORY_LIMIT_MB',
      registers,
      collect() {
        this.inc(pool.memoryStops - memoryStops);
        memoryStops = pool.memoryStops;
      },
    });
  }
}

/** The route's path pattern, or "unmatched": a label with few values, never a raw URL. */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  // As the OpenAPI document writes it: /v1/jobs/{id}, not Express's /v1/jobs/:id.
  return typeof path === 'string' ? path.replace(/:(\w+)/g, '{$1}') : 'unmatched';
}
