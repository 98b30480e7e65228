import { PreparePool } from '../planning/prepare-pool.js';
import { SolverPool } from '../solver/pool.js';
import { startRedisWorker } from '../jobs/redis-worker.js';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';

/**
 * `npm run worker`: a solver worker for distributed jobs. It reads the same environment as the service
 * (REDIS_URL is required; SOLVER_THREADS is how many jobs it runs at once) and pulls jobs from the queue.
 * SIGTERM: it takes no new job, lets the running ones finish, and exits 0.
 */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.jobs.redisUrl) {
  log.error({}, 'REDIS_URL is not set: a worker needs the queue');
  process.exit(2);
}
const pool = new SolverPool({
  threads: config.threads,
  maxQueue: config.threads,
  memoryBudgetBytes: config.memory.solveBudgetBytes,
  maxWorkerHeapMb: config.memory.workerHeapMb,
  memoryLimitBytes: config.memory.limitBytes,
  onEvent: (e) => log.debug({ event: e }, 'solver thread event'),
});
const inputs = new PreparePool({
  maxQueue: 4 * config.threads,
  maxHeapMb: config.memory.inputHeapMb,
  youngMb: config.memory.inputYoungMb,
});
const worker = startRedisWorker({
  url: config.jobs.redisUrl,
  threads: config.threads,
  attempts: config.jobs.attempts,
  deps: {
    pool,
    limits: config.limits,
    prepare: (req, signal) => inputs.run(req, signal),
    serialize: (solved) => inputs.write(solved),
  },
  onEvent: (msg, fields) => log.info(fields, msg),
});
log.info({ threads: config.threads, pid: process.pid }, 'worker started');

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'worker stopping');
  await worker.close();
  await Promise.all([pool.close(), inputs.close()]);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('unhandledRejection', (reason) => log.error({ error: String(reason) }, 'unhandled promise rejection'));
