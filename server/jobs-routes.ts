import type express from 'express';
import type { Request, Response } from 'express';
import type { JobInput } from '../planning/job-input.js';
import type { ProblemLimits } from '../models/validate.js';
import { FINISHED, type JobBackend, type JobView } from '../jobs/types.js';
import { ApiError } from './errors.js';
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
  readonly prepareJob: (body: Uint8Array, limits: ProblemLimits, signal?: AbortSignal) => Promise<JobInput>;
  readonly arrivalOf: (req: Request) => number;
}

/** How often the events stream reads the job (ms), and sends a comment to keep proxies from closing it. */
const EVENT_POLL_MS = 100;
const HEARTBEAT_MS = 15_000;

export function jobRoutes(app: express.Express, deps: JobRouteDeps, before: express.RequestHandler[]): void {
  app.post('/v1/jobs', ...before, (req, res, next) => void submit(req, res, deps).catch(next));
  app.get('/v1/jobs/:id', (req, res, next) => void found(req, deps).then((v) => res.json(v), next));
  app.get('/v1/jobs/:id/events', (req, res, next) => void events(req, res, deps).catch(next));
  app.delete('/v1/jobs/:id', (req, res, next) => void cancel(req, deps).then((v) => res.json(v), next));
}

async function submit(req: Request, res: Response, deps: JobRouteDeps): Promise<void> {
  const arrival = deps.arrivalOf(req);
  const stop = new AbortController();
  res.on('close', () => stop.abort(new Error('the client disconnected')));
  const input = await deps.prepareJob(req.body as Uint8Array, deps.limits, stop.signal);
  const deadline = arrival + input.timeLimitMs;
  const owner = ownerOf(req);
  const id = await deps.jobs.submit({
    kind: input.kind,
    input: input.text,
    arrival,
    deadline,
    owner,
    priority: input.priority,
  });
  const location = `/v1/jobs/${id}`;
  res.status(202).location(location).json({ id, status: 'queued', location });
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
  let view = await deps.jobs.cancel(id, owner);
  if (!view) throw notFound(id);
  // A running job stops at its solvers' next check: answer with it stopped, and its best plan, if that is quick.
  const until = Date.now() + 3_000;
  while (!FINISHED.includes(view.status) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    view = (await deps.jobs.get(id, owner)) ?? view;
  }
  return view;
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
      send('end', view);
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
