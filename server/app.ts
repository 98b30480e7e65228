import express, { type NextFunction, type Request, type Response } from 'express';
import { optionIssues, sizeIssues, validatePlanBody, validateProgram, type InputIssue, type ProblemLimits, type Validated } from '../models/validate.js';
import { givenPlan, splitPlan } from '../models/plan.js';
import { formulate } from '../solver/formulate.js';
import { toCplexLp } from '../solver/lpformat.js';
import { QueueFullError, type SolverPool } from '../solver/pool.js';
import { solveModel } from '../solver/solve.js';
import { ApiError } from './errors.js';
import { evaluationJson, outcomeJson } from './response.js';
import { answerCapacity } from './capacity.js';
import { explainInfeasible } from '../solver/explain.js';

/**
 * The HTTP API:
 *   POST /v1/plan   a cluster snapshot → plan
 *   POST /v1/solve  an assignment program → plan
 *   GET  /healthz   liveness, pool state
 * Errors are JSON `{"error": {"code", "message", "issues": [{"path", "message"}]}}`.
 */
export interface AppOptions {
  readonly pool: SolverPool;
  readonly limits: ProblemLimits;
  readonly maxBodyBytes: number;
}

/** Seconds a client should wait after a 503 before retrying. */
const RETRY_AFTER_SECONDS = 1;

export function createApp({ pool, limits, maxBodyBytes }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', solverThreads: pool.threads, queued: pool.queued, maxQueue: pool.maxQueue });
  });

  const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.is('application/json')) {
      next(new ApiError('unsupported_media_type', `Content-Type must be application/json (got ${req.get('content-type') ?? 'none'})`));
      return;
    }
    next();
  };
  const json = express.json({ limit: maxBodyBytes, strict: true });

  /** Validation, option limits and size limits: the model to solve, or the 4xx that says why not. */
  const accept = (v: Validated): Extract<Validated, { ok: true }> => {
    if (!v.ok) throw invalid(v.issues);
    const badOptions = optionIssues(v.options, limits);
    if (badOptions.length > 0) throw invalid(badOptions);
    const tooLarge = sizeIssues(v.model, limits);
    if (tooLarge.length > 0) throw new ApiError('problem_too_large', `problem too large: ${tooLarge[0]?.message}`, tooLarge);
    return v;
  };
  const route = (validate: (body: unknown) => Validated) => async (req: Request, res: Response): Promise<void> => {
    const format = req.query['format'];
    if (format !== undefined && format !== 'lp' && format !== 'json') throw invalid([{ path: 'format', message: 'query parameter format must be "lp" or "json"' }]);
    const v = accept(validate(req.body));
    if (format === 'lp') {
      // The model as CPLEX LP text, for any other solver (what each variable means is in the comments).
      res.type('text/plain').send(toCplexLp(formulate(v.model, { symmetry: v.options.symmetry }), v.model));
      return;
    }
    const started = Date.now();
    const outcome = await solveModel(v.model, v.options, pool);
    const json = outcomeJson(v.model, outcome, v.notes);
    // An infeasible snapshot gets a minimal conflict, within what is left of its time limit.
    if (outcome.status === 'infeasible') json['explanation'] = (await explainInfeasible(v.model, v.options, pool, started + v.options.timeLimitMs)) ?? null;
    res.json(json);
  };

  app.post('/v1/plan', requireJson, json, route(validatePlanBody));
  app.post('/v1/solve', requireJson, json, route(validateProgram));
  app.post('/v1/capacity', requireJson, json, async (req: Request, res: Response): Promise<void> => {
    res.json(await answerCapacity(req.body, { pool, limits }));
  });
  app.post('/v1/evaluate', requireJson, json, async (req: Request, res: Response): Promise<void> => {
    const { plan: planBody, rest } = splitPlan(req.body);
    const v = accept(validatePlanBody(rest));
    const given = givenPlan(v.model, planBody);
    if (!given.ok) throw invalid(given.issues);
    const plan = given.plan;
    const outcome = await solveModel(v.model, v.options, pool);
    res.json(evaluationJson(v.model, plan, outcome, v.notes));
  });

  app.use((req: Request) => {
    throw new ApiError('not_found', `no route ${req.method} ${req.path}`);
  });

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = toApiError(err);
    if (e.code === 'queue_full') res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    if (e.code === 'internal') console.error(err);
    res.status(e.status).json(e.toJSON());
  });
  return app;
}

function invalid(issues: readonly InputIssue[]): ApiError {
  return new ApiError('invalid_input', `invalid input: ${issues[0]?.path}: ${issues[0]?.message}`, issues);
}

/** Maps body-parser's errors (they carry `type` and `status`) and our own to the catalogue. */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof QueueFullError) return new ApiError('queue_full', 'all solver threads are busy and the queue is full; retry later');
  const e = err as { type?: unknown; status?: unknown; message?: unknown; limit?: unknown };
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError('payload_too_large', `request body exceeds the limit of ${String(e.limit)} bytes`);
    case 'entity.parse.failed':
      return new ApiError('invalid_json', `request body is not valid JSON: ${String(e.message)}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_media_type', String(e.message));
    default:
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new ApiError('invalid_input', String(e.message));
      return new ApiError('internal', 'internal error');
  }
}
