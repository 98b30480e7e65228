import express, { type NextFunction, type Request, type Response } from 'express';
import getRawBody from 'raw-body';
import { parse as parseContentType } from 'content-type';
import type { ProblemLimits } from '../models/validate.js';
import { planner } from '../planning/planner.js';
import { prepare, type PrepareRequest, type Prepared, type Route } from '../planning/prepare.js';
import { answerText } from '../planning/usecases.js';
import { versionInfo } from '../planning/version.js';
import { solvedText, type Solved } from '../planning/solved.js';
import type { SolverPool } from '../solver/pool.js';
import type { PoolHealth } from '../solver/threads.js';
import { ApiError, toApiError } from './errors.js';
import { factsOf, requestLogger, silentLogger, type Logger, type RequestFacts } from './log.js';
import { Metrics, routeOf } from './metrics.js';
import { docs } from './docs.js';
import { webPage } from './web.js';
import { requireToken } from './auth.js';
import { jobRoutes, submitAndWait, type JobRouteDeps } from './jobs-routes.js';
import { EmbeddedJobs } from '../jobs/embedded.js';
import type { JobBackend } from '../jobs/types.js';
import { prepareJobInput } from '../planning/job-input.js';
import { allowedMethods, openApiDocument } from './openapi.js';
import type { SolvedEvent } from '../planning/planner.js';

/**
 * The HTTP API (HTTP only: the use cases are in planning/):
 *   POST /v1/plan, /v1/solve, /v1/evaluate, /v1/capacity
 *   GET  /livez (the process answers), /readyz (it takes work), /healthz (readiness with detail)
 *   GET  /v1/version (this build, its commit when known, the solver packages)
 *   GET  /metrics (Prometheus), /openapi.json (the OpenAPI 3.1 document), /docs (it, rendered)
 * Errors are JSON `{"error": {"code", "message", "issues": [{"path", "message"}]}}`.
 *
 * What never happens on the event loop: parsing and checking bodies (the input threads), solving (the
 * solver threads). A request's time limit counts from its arrival. A client that disconnects stops its
 * request (queue place and solver threads are freed). A body over the limit is refused as soon as that
 * is known (its declared length, or the bytes read so far) and the connection is closed, never drained.
 */
export interface Lifecycle {
  /** True once shutdown has begun: /readyz answers 503 and new requests are refused. */
  draining: boolean;
  /** Every request in progress, to be ended (with its best plan) at the drain deadline. */
  readonly inflight: Set<AbortController>;
}

export interface AppOptions {
  readonly pool: SolverPool;
  readonly limits: ProblemLimits;
  readonly maxBodyBytes: number;
  /** Stage 1 of the use cases (default: in-process; the service passes its input threads). */
  readonly prepare?: (req: PrepareRequest, signal?: AbortSignal) => Promise<Prepared>;
  /** Writes a solved answer as JSON text (default: in-process; the service passes its input threads). */
  readonly serialize?: (solved: Solved) => Promise<string | Uint8Array>;
  /** The input threads' health, when they are used. */
  readonly inputHealth?: () => PoolHealth;
  readonly lifecycle?: Lifecycle;
  readonly log?: Logger;
  /** Default: the app's own (GET /metrics serves them either way). */
  readonly metrics?: Metrics;
  /** The jobs (default: in this process, on `pool`). */
  readonly jobs?: JobBackend;
  /** Reads a job submission (default: in-process; the service passes its input threads). */
  readonly prepareJob?: JobRouteDeps['prepareJob'];
  /** Bearer tokens (API_TOKEN); none: the routes are open. */
  readonly apiTokens?: readonly string[];
}

/** Embedded jobs when the caller gives none: the queue bounds of the service's defaults. */
const DEFAULT_JOB_LIMITS = { maxJobs: 256, maxJobsPerOwner: 64, ttlMs: 3_600_000 };

/** Answers may leave this long after their time limit (docs/operations.md's documented margin). */
export const DEADLINE_MARGIN_MS = 500;

const inProcess = async (req: PrepareRequest): Promise<Prepared> => prepare(req);

/** Request arrival times (epoch ms), stamped before anything else reads the request. */
const arrivals = new WeakMap<Request, number>();

export function createApp(options: AppOptions): express.Express {
  const lifecycle = options.lifecycle ?? { draining: false, inflight: new Set() };
  const log = options.log ?? silentLogger;
  const jobs =
    options.jobs ??
    new EmbeddedJobs(
      { pool: options.pool, limits: options.limits, prepare: options.prepare ?? inProcess },
      DEFAULT_JOB_LIMITS,
    );
  const metrics =
    options.metrics ??
    new Metrics({
      pool: options.pool,
      ...(options.inputHealth ? { inputHealth: options.inputHealth } : {}),
      jobsWaiting: () => jobs.depth(),
    });
  const deps: RouteDeps = {
    ...options,
    log,
    metrics,
    lifecycle,
    prepare: options.prepare ?? inProcess,
    serialize: options.serialize ?? (async (solved: Solved) => solvedText(solved)),
  };
  const app = express();
  app.disable('x-powered-by');
  // No ETag: answers are computed per request, and hashing a 45 MB answer held the event loop for tens of ms.
  app.set('etag', false);
  app.use((req, _res, next) => {
    arrivals.set(req, Date.now());
    next();
  });
  app.use(requestLogger(log, (req) => routeOf(req as Request)));
  app.use(metrics.middleware());
  app.use(requireToken(options.apiTokens ?? []));
  probes(app, options.pool, lifecycle, options.inputHealth);
  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument()));
  docs(app, openApiDocument());
  webPage(app);
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.contentType).send(await metrics.text());
  });
  app.get('/v1/version', (_req, res) => void res.json(versionInfo()));
  const body = readBody(options.maxBodyBytes);
  const accept = accepting(options.pool, lifecycle);

  const jobDeps: JobRouteDeps = {
    jobs,
    limits: options.limits,
    prepareJob: options.prepareJob ?? (async (bytes, limits, _signal, route) => prepareJobInput(bytes, limits, route)),
    arrivalOf: (req) => arrivals.get(req) ?? Date.now(),
  };
  useCaseRoutes(app, deps, jobDeps, [accept, requireJson, body]);
  jobRoutes(app, jobDeps, [accept, requireJson, body]);
  app.use(unrouted);
  app.use(errorHandler(log));
  return app;
}

/** What no route took: 405 with Allow for a path the API has under other methods, else 404. */
function unrouted(req: Request, res: Response): never {
  const allowed = allowedMethods(req.path);
  // A path the document has with this method, not served here, is a file that is not there (/docs/assets/x).
  if (!allowed || allowed.includes(req.method)) throw new ApiError('not_found', `no route ${req.method} ${req.path}`);
  res.set('Allow', allowed.join(', '));
  throw new ApiError('method_not_allowed', `${req.path} answers ${allowed.join(', ')}, not ${req.method}`);
}

/** POST /v1/{plan,solve,evaluate,capacity}: in this process, or (distributed mode) a job submitted and awaited. */
function useCaseRoutes(app: express.Express, deps: RouteDeps, jobDeps: JobRouteDeps, before: express.RequestHandler[]) {
  for (const name of ['plan', 'solve', 'evaluate', 'capacity'] as const) {
    const local = useCase(name, deps);
    // The LP export is written here in both modes.
    const route = (req: Request, res: Response, next: NextFunction): void => {
      if (jobDeps.jobs.mode === 'redis' && formatOf(req) === 'json')
        void submitAndWait(req, res, name, jobDeps).catch(next);
      else void local(req, res).catch(next);
    };
    app.post(`/v1/${name}`, ...before, route);
  }
}

type RouteDeps = Omit<
  AppOptions,
  'prepare' | 'lifecycle' | 'serialize' | 'log' | 'metrics' | 'jobs' | 'prepareJob' | 'apiTokens'
> & {
  readonly lifecycle: Lifecycle;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly prepare: NonNullable<AppOptions['prepare']>;
  readonly serialize: NonNullable<AppOptions['serialize']>;
};

/** GET /livez, /readyz and /healthz (readiness with detail: 503 while starting, draining or failing). */
function probes(app: express.Express, pool: SolverPool, lifecycle: Lifecycle, inputHealth?: () => PoolHealth): void {
  const health = (): { ok: boolean; body: Record<string, unknown> } => {
    const h = pool.health();
    const input = inputHealth?.();
    const failing = h.failing || (input?.failing ?? false);
    const booting = h.booting || (input?.booting ?? false);
    const status = lifecycle.draining ? 'draining' : failing ? 'failing' : booting ? 'starting' : 'ok';
    const threads = { workers: workers(h), ...(input ? { inputThreads: workers(input) } : {}) };
    return {
      ok: status === 'ok',
      body: { status, solverThreads: pool.threads, queued: pool.queued, maxQueue: pool.maxQueue, ...threads },
    };
  };
  app.get('/livez', (_req, res) => void res.json({ status: 'ok' }));
  for (const path of ['/readyz', '/healthz']) {
    app.get(path, (_req, res) => {
      const h = health();
      // A probe's 503 (starting, draining) is an answer, not a failure: the log and the refusal count read this.
      res.locals['probe'] = h.body['status'];
      res.status(h.ok ? 200 : 503).json(h.body);
    });
  }
}

/** Before the body is read: refused at once while draining, or when the queue (or this client's share) is full. */
function accepting(pool: SolverPool, lifecycle: Lifecycle) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (lifecycle.draining) {
      next(new ApiError('shutting_down', 'the service is shutting down; retry on another instance', [], 1));
      return;
    }
    const full = pool.refusal(req.socket.remoteAddress ?? '');
    next(full ? new ApiError('queue_full', full.message, [], full.retryAfterSeconds) : undefined);
  };
}

/** `?format=`: json (default) or lp (which routes take it is the use case's rule, planning/prepare.ts). */
function formatOf(req: Request): 'json' | 'lp' {
  const format = req.query['format'];
  if (format === undefined || format === 'json') return 'json';
  if (format === 'lp') return 'lp';
  const message = 'query parameter format must be "lp" or "json"';
  throw new ApiError('invalid_input', message, [{ path: 'format', message }]);
}

/** POST /v1/{name}: the use case, stopped when the client goes away, and ended with the others on shutdown. */
function useCase(name: Route, deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const format = formatOf(req);
    const stop = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) stop.abort(new Error('the client disconnected'));
    });
    deps.lifecycle.inflight.add(stop);
    const client = req.socket.remoteAddress ?? '';
    const onSolved = watchSolves(req, res, deps);
    const p = planner({
      pool: deps.pool,
      limits: deps.limits,
      prepare: deps.prepare,
      client,
      signal: stop.signal,
      onSolved,
    });
    try {
      const arrival = arrivals.get(req) ?? Date.now();
      const a = await answerText(
        p,
        { route: name, body: req.body as Buffer, ...(format === 'lp' ? { format } : {}), arrival },
        deps.serialize,
      );
      if (stop.signal.aborted && res.destroyed) return;
      if (deps.lifecycle.draining) res.set('Connection', 'close');
      if (a.kind === 'text') res.type('text/plain').send(a.text);
      else if (a.kind === 'jsonText') {
        const body =
          typeof a.text === 'string' ? a.text : Buffer.from(a.text.buffer, a.text.byteOffset, a.text.byteLength);
        res.set('Content-Type', 'application/json; charset=utf-8').send(body);
      } else res.json(a.json);
    } finally {
      p.close();
      deps.lifecycle.inflight.delete(stop);
    }
  };
}

/**
 * Each finished solve goes into the metrics and the request's log line (its model size, the last status,
 * source and gap); an answer that leaves more than DEADLINE_MARGIN_MS after the latest deadline given to
 * its solves is a warning.
 */
function watchSolves(req: Request, res: Response, deps: RouteDeps): (e: SolvedEvent) => void {
  const facts: RequestFacts = factsOf(res);
  let deadline = 0;
  res.once('finish', () => {
    const over = Date.now() - deadline - DEADLINE_MARGIN_MS;
    if (deadline === 0 || over <= 0) return;
    deps.metrics.overrun();
    deps.log.warn({ reqId: req.id, route: routeOf(req), overMs: over }, 'answer left after its deadline and margin');
  });
  return (e) => {
    deps.metrics.solved(e);
    deadline = Math.max(deadline, e.deadline);
    facts.nodes ??= e.nodes;
    facts.containers ??= e.containers;
    facts.planStatus = e.outcome.status;
    facts.source = e.outcome.source;
    facts.gap = e.outcome.gap;
    facts.solves = (facts.solves ?? 0) + 1;
  };
}

/** Every error as the catalogue's JSON; a body not read to its end is not drained (the connection closes). */
function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (res.destroyed) return;
    const e = toApiError(err);
    res.locals['errorCode'] = e.code;
    factsOf(res).errorCode ??= e.code;
    if (e.retryAfterSeconds !== undefined) res.set('Retry-After', String(e.retryAfterSeconds));
    if (e.code === 'internal') {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log.error({ reqId: req.id, route: req.path, error }, 'internal error');
    }
    if (!req.complete) {
      res.set('Connection', 'close');
      res.on('finish', () => req.socket.destroySoon());
    }
    res.status(e.status).json(e.toJSON());
  };
}

const workers = (h: PoolHealth): Record<string, number> => ({
  ready: h.ready,
  busy: h.busy,
  starting: h.starting,
  replaced: h.replaced,
  crashed: h.crashed,
  startupFailures: h.startupFailures,
});

/** Content-Type must be application/json, and its charset (if any) UTF-8. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('application/json')) {
    next(
      new ApiError(
        'unsupported_media_type',
        `Content-Type must be application/json (got ${req.get('content-type') ?? 'none'})`,
      ),
    );
    return;
  }
  let charset: string | undefined;
  try {
    charset = parseContentType(req.get('content-type') ?? '').parameters['charset'];
  } catch {
    next(new ApiError('unsupported_media_type', `Content-Type is malformed: ${req.get('content-type')}`));
    return;
  }
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    next(new ApiError('unsupported_media_type', `unsupported charset "${charset.toUpperCase()}": only UTF-8`));
    return;
  }
  next();
}

/**
 * Reads the body as bytes, refusing it (413) at once when its declared length is over the limit, or as
 * soon as the bytes read pass it; the rest is never read.
 */
function readBody(limit: number) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      next(new ApiError('payload_too_large', `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    getRawBody(req, { limit }, (err, bytes) => {
      if (err) {
        next(err);
        return;
      }
      req.body = bytes;
      next();
    });
  };
}
