import type { Server } from 'node:http';
import { PreparePool } from '../planning/prepare-pool.js';
import type { Solved } from '../planning/solved.js';
import { SolverPool } from '../solver/pool.js';
import type { PoolEvent } from '../solver/threads.js';
import { createApp, type Lifecycle } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { EmbeddedJobs } from '../jobs/embedded.js';
import { RedisJobs } from '../jobs/redis.js';

/**
 * The service: solver threads, input threads, the HTTP server, and the process's policies.
 * - SIGTERM / SIGINT: draining at once (/readyz 503, new requests refused with 503); requests in flight
 *   go on until SHUTDOWN_GRACE_MS, when each is answered with its best verified plan so far; then the
 *   listener, the connections and the threads stop and the process exits 0.
 * - An unhandled promise rejection is a bug: it is logged and the service goes on.
 * - An uncaught exception leaves the process in an unknown state: it is logged, the service drains as on
 *   SIGTERM, and exits 1 (the supervisor starts a fresh one).
 */
const config = loadConfig();
const log = createLogger(config.logLevel);
const onEvent = (e: PoolEvent): void => {
  // Stopping a solver at its deadline is routine; a worker that dies by itself is worth a warning.
  if (e.kind === 'exit')
    log[e.planned ? 'debug' : 'warn'](
      { pool: e.pool, code: e.code, reason: e.reason, whileStarting: e.whileStarting },
      e.planned ? 'worker thread stopped; replacing it' : 'worker thread died; replacing it',
    );
  else log.warn({ pool: e.pool, delayMs: e.delayMs }, 'worker threads keep failing to start; waiting before the next');
};
const pool = new SolverPool({
  threads: config.threads,
  maxQueue: config.maxQueue,
  ...(config.maxQueuePerClient ? { maxQueuePerClient: config.maxQueuePerClient } : {}),
  memoryBudgetBytes: config.memory.solveBudgetBytes,
  maxWorkerHeapMb: config.memory.workerHeapMb,
  memoryLimitBytes: config.memory.limitBytes,
  onEvent,
});
const inputs = new PreparePool({
  ...(config.inputThreads ? { threads: config.inputThreads } : {}),
  maxQueue: 2 * (config.threads + config.maxQueue),
  maxHeapMb: config.memory.inputHeapMb,
  youngMb: config.memory.inputYoungMb,
  onEvent,
});
const lifecycle: Lifecycle = { draining: false, inflight: new Set() };
const jobLimits = {
  maxJobs: config.jobs.maxJobs,
  maxJobsPerOwner: config.jobs.maxJobsPerOwner,
  ttlMs: config.jobs.ttlMs,
};
const serialize = (solved: Solved): Promise<string | Uint8Array> => inputs.write(solved);
const jobs = config.jobs.redisUrl
  ? new RedisJobs(config.jobs.redisUrl, { ...jobLimits, attempts: config.jobs.attempts })
  : new EmbeddedJobs(
      { pool, limits: config.limits, prepare: (req, signal) => inputs.run(req, signal), serialize },
      jobLimits,
    );
const app = createApp({
  jobs,
  prepareJob: (body, limits, signal, route) => inputs.job(body, limits, signal, route),
  apiTokens: config.jobs.apiTokens,
  pool,
  limits: config.limits,
  maxBodyBytes: config.maxBodyBytes,
  prepare: (req, signal) => inputs.run(req, signal),
  serialize,
  inputHealth: () => inputs.health(),
  lifecycle,
  log,
});
const server: Server = app.listen(config.port, () => {
  const address = server.address();
  log.info(
    {
      port: typeof address === 'object' && address ? address.port : config.port,
      solverThreads: pool.threads,
      queue: pool.maxQueue,
      inputThreads: inputs.health().threads,
      memoryLimitMb: Math.round(config.memory.limitBytes / 2 ** 20),
      jobs: jobs.mode,
    },
    'listening',
  );
});
server.on('clientError', (_err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
});

let stopping: Promise<void> | undefined;

/**
 * Draining: the listener stays open so probes and load balancers get 503s (not refused connections)
 * while requests in flight finish; at SHUTDOWN_GRACE_MS each one still running ends with its best plan.
 * Once none is left, the listener and every connection close and the threads stop.
 */
function drain(reason: string, exitCode: number): Promise<void> {
  stopping ??= (async () => {
    lifecycle.draining = true;
    log.info({ reason, inflight: lifecycle.inflight.size, graceMs: config.shutdownGraceMs }, 'draining');
    const grace = setTimeout(() => {
      for (const r of lifecycle.inflight) r.abort(new Error('the service is shutting down'));
    }, config.shutdownGraceMs);
    while (lifecycle.inflight.size > 0) await new Promise((r) => setTimeout(r, 20));
    clearTimeout(grace);
    // Let the last answers leave before the connections close.
    await new Promise((r) => setTimeout(r, 50));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await jobs.close().catch(() => undefined);
    await Promise.all([pool.close(), inputs.close()]);
    log.info({ exitCode }, 'stopped');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    process.exit(exitCode);
  })();
  return stopping;
}

process.on('SIGTERM', () => void drain('SIGTERM', 0));
process.on('SIGINT', () => void drain('SIGINT', 0));
process.on('unhandledRejection', (reason) => {
  log.error(
    {
      error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
    },
    'unhandled promise rejection (a bug); the service goes on',
  );
});
process.on('uncaughtException', (err) => {
  log.error({ error: err.stack ?? err.message }, 'uncaught exception (a bug); draining and exiting');
  void drain('uncaught exception', 1);
});
