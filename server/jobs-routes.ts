import type express from 'express';
import type { Request, Response } from 'express';
import type { JobInput, JobKind } from '../planning/job-input.js';
import type { ProblemLimits } from '../models/validate.js';
import { FINISHED, type JobBackend, type JobView } from '../jobs/types.js';
import { ApiError, ERROR_CODES } from './errors.js';
import { ownerOf } from './auth.js';

/**
 * The jobs API: POST /v1/jobs {kind, input, priority?} → 202 {id, status, location}; GET /v1/jobs/{id};
 * GET /v1/jobs/{id}/events (server-sent events: progress, then the finished job); DELETE /v1/jobs/{id}
 * (cancel: a running job stops with its best verified plan). Ids are UUID v4 and cannot be listed; a job
 * is visible only to the token (or, without tokens, the client address) that submitted it.
 */
export interface JobRouteDeps {
  readonly jobs: JobBackend;
  readonly limits: ProblemLimits;
  readonly prepareJob: (
    body: Uint8Array,
    limits: ProblemLimits,
    signal?: AbortSignal,
    route?: JobKind,
  ) => Promise<JobInput>;
  readonly arrivalOf: (req: Request) => number;
}

/** How often the events stream reads the job (ms), and sends a comment to keep proxies from closing it. */
const EVENT_POLL_MS = 100;
const HEARTBEAT_MS = 15_000;

export function jobRoutes(app: express.Express, deps: JobRouteDeps, before: express.RequestHandler[]): void {
  app.post('/v1/jobs', ...before, (req, res, next) => void submit(req, res, deps).catch(next));
  app.get('/v1/jobs/:id', (req, res, next) => void found(req, deps).then((v) => sendView(res, v), next));
  app.get('/v1/jobs/:id/events', (req, res, next) => void events(req, res, deps).catch(next));
  app.delete('/v1/jobs/:id', (req, res, next) => void cancel(req, deps).then((v) => sendView(res, v), next));
}

/** The job as JSON text, its answer spliced in as the text it was written as (never written again here). */
export function viewText(view: JobView): string {
  const { answerText, ...rest } = view;
  const head = JSON.stringify(rest);
  return answerText === undefined ? head : `${head.slice(0, -1)},"answer":${answerText}}`;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function sendView(res: Response, view: JobView): void {
  res.set('Content-Type', JSON_TYPE).send(viewText(view));
}

/**
 * Reads a submission in an input thread and queues it, with its deadline counted from the request's
 * arrival; `stop` aborts when the client goes away before its answer. `kind`: the body is that route's
 * input itself (a synchronous route in distributed mode).
 */
async function enqueue(req: Request, res: Response, deps: JobRouteDeps, kind?: JobKind) {
  const arrival = deps.arrivalOf(req);
  const stop = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) stop.abort(new Error('the client disconnected'));
  });
  const input = await deps.prepareJob(req.body as Uint8Array, deps.limits, stop.signal, kind);
  const owner = ownerOf(req);
  const deadline = arrival + input.timeLimitMs;
  const id = await deps.jobs.submit({
    kind: input.kind,
    input: input.text,
    arrival,
    deadline,
    owner,
    priority: input.priority,
  });
  return { id, owner, deadline, stop };
}

async function submit(req: Request, res: Response, deps: JobRouteDeps): Promise<void> {
  const { id } = await enqueue(req, res, deps);
  const location = `/v1/jobs/${id}`;
  res.status(202).location(location).json({ id, status: 'queued', location });
}

/** The job, read every `everyMs` until it is finished, `until` (epoch ms) passes, or `signal` aborts. */
async function untilFinished(
  deps: JobRouteDeps,
  first: JobView,
  owner: string,
  o: { until: number; everyMs: number; signal?: AbortSignal },
): Promise<JobView> {
  let view = first;
  while (!FINISHED.includes(view.status) && Date.now() < o.until && !o.signal?.aborted) {
    await new Promise((r) => setTimeout(r, o.everyMs));
    view = (await deps.jobs.get(view.id, owner)) ?? view;
  }
  return view;
}

async function found(req: Request, deps: JobRouteDeps): Promise<JobView> {
  const id = String(req.params['id']);
  const view = await deps.jobs.get(id, ownerOf(req));
  if (!view) throw notFound(id);
  return view;
}

const notFound = (id: string): ApiError =>
  new ApiError('not_found', `no job ${id}: it never existed, its result expired (JOB_TTL_S), or it is not yours`);

async function cancel(req: Request, deps: JobRouteDeps): Promise<JobView> {
  const id = String(req.params['id']);
  const owner = ownerOf(req);
  const view = await deps.jobs.cancel(id, owner);
  if (!view) throw notFound(id);
  // A running job stops at its solvers' next check: answer with it stopped, and its best plan, if that is quick.
  return untilFinished(deps, view, owner, { until: Date.now() + 3_000, everyMs: 50 });
}

/** Server-sent events: `progress` as it improves, `status` as it changes, then `end` with the finished job. */
async function events(req: Request, res: Response, deps: JobRouteDeps): Promise<void> {
  const id = String(req.params['id']);
  const owner = ownerOf(req);
  let view = await deps.jobs.get(id, owner);
  if (!view) throw notFound(id);
  res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  let closed = false;
  res.on('close', () => (closed = true));
  const send = (event: string, data: unknown): void =>
    void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let lastStatus = '';
  let lastProgress = '';
  let beat = Date.now();
  while (!closed) {
    if (view.status !== lastStatus) send('status', { status: (lastStatus = view.status) });
    const progress = JSON.stringify(view.progress);
    if (view.progress && progress !== lastProgress) send('progress', view.progress);
    lastProgress = progress;
    if (FINISHED.includes(view.status)) {
      // JSON text has no raw line breaks: the job is one data line.
      void res.write(`event: end\ndata: ${viewText(view)}\n\n`);
      break;
    }
    if (Date.now() - beat > HEARTBEAT_MS) {
      res.write(': keep-alive\n\n');
      beat = Date.now();
    }
    await new Promise((r) => setTimeout(r, EVENT_POLL_MS));
    view = (await deps.jobs.get(id, owner)) ?? view;
  }
  res.end();
}

/** How long past its deadline a synchronous request waits for its job before it is answered 503 (ms). */
const SYNC_MARGIN_MS = 2_000;

/**
 * A synchronous route in distributed mode: submit and wait. The body is checked in an input thread (its
 * issues keep the route's own paths), goes to the queue as a job with the request's deadline, and the
 * answer is the job's; a client that goes away cancels its job.
 */
export async function submitAndWait(req: Request, res: Response, kind: JobKind, deps: JobRouteDeps): Promise<void> {
  const { id, owner, deadline, stop } = await enqueue(req, res, deps, kind);
  stop.signal.addEventListener('abort', () => void deps.jobs.cancel(id, owner).catch(() => undefined));
  const queued = await deps.jobs.get(id, owner);
  if (!queued) throw new ApiError('internal', `the job ${id} of this request is gone`);
  const until = deadline + SYNC_MARGIN_MS;
  const view = await untilFinished(deps, queued, owner, { until, everyMs: 25, signal: stop.signal });
  if (stop.signal.aborted || res.destroyed) return;
  if (!FINISHED.includes(view.status))
    throw new ApiError('queue_full', 'no worker answered this request within its time limit; retry later', [], 5);
  if (view.answerText) res.set('Content-Type', JSON_TYPE).send(view.answerText);
  else if (view.error) throw jobError(view.error);
  else throw new ApiError('internal', `the job ${id} of this request ended ${view.status} without an answer`);
}

/** A job's input error as the catalogue's (a bug on a worker stays internal). */
function jobError(e: NonNullable<JobView['error']>): ApiError {
  const code = e.code as ConstructorParameters<typeof ApiError>[0];
  return code in ERROR_CODES && code !== 'internal'
    ? new ApiError(code, e.message, e.issues)
    : new ApiError('internal', 'internal error');
}
