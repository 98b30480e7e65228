import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import { DEFAULT_MAX_RULE_WORK, DEFAULT_MAX_TABLE_WORK, type ProblemLimits } from '../models/validate.js';
import type { Level } from './log.js';

/**
 * Server configuration from the environment. Every setting here is documented in docs/operations.md.
 */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Largest request body, in bytes (a 5 000-node, 150 000-container snapshot with labels is some 25 MB). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  /** Largest options.timeLimitMs a request may ask for (ms). */
  MAX_TIME_LIMIT_MS: z.coerce.number().int().min(1).default(120_000),
  MAX_NODES: z.coerce.number().int().min(1).default(20_000),
  /** Kubernetes' published limits: 5 000 nodes, 150 000 pods. */
  MAX_CONTAINERS: z.coerce.number().int().min(1).default(150_000),
  /** Entries of an explicit per-pair matrix (costs.matrix, a program's matrices). */
  MAX_PAIRS: z.coerce.number().int().min(1).default(2_000_000),
  MAX_RESOURCES: z.coerce.number().int().min(1).default(64),
  /** Distinct affinity/anti-affinity/spread terms × distinct container label sets. */
  MAX_RULE_WORK: z.coerce.number().int().min(1).default(DEFAULT_MAX_RULE_WORK),
  MAX_TABLE_WORK: z.coerce.number().int().min(1).default(DEFAULT_MAX_TABLE_WORK),
  /** Solves that run at once, each in its own worker thread. */
  SOLVER_THREADS: z.coerce.number().int().min(1).default(availableParallelism()),
  /** Requests that may wait for a solver thread before requests get 503. */
  SOLVER_QUEUE: z.coerce.number().int().min(1).default(64),
  /** Requests one client (remote address) may have waiting. */
  SOLVER_QUEUE_PER_CLIENT: z.coerce.number().int().min(1).optional(),
  /** Threads that read and check request bodies. */
  INPUT_THREADS: z.coerce.number().int().min(1).optional(),
  /** Memory the whole process may use (MiB): split between the solver threads' budgets (see docs/operations.md). */
  MEMORY_LIMIT_MB: z.coerce.number().int().min(256).optional(),
  /**
   * Estimated exact-solver memory (MiB) above which a solve answers with the heuristics only (default: from
   * MEMORY_LIMIT_MB).
   */
  SOLVER_MEMORY_BUDGET_MB: z.coerce.number().int().min(1).optional(),
  /** After SIGTERM, how long in-flight requests may run before each is answered with its best plan so far (ms). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(20_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Distributed jobs: the Redis the API enqueues to and `placement worker` processes pull from. */
  REDIS_URL: z.string().url().optional(),
  /** Bearer tokens, comma-separated; when set, every route but the probes needs one. */
  API_TOKEN: z.string().min(1).optional(),
  /** How long a finished job's answer is kept (s). */
  JOB_TTL_S: z.coerce.number().int().min(1).default(3600),
  /** Jobs queued or running at once (503 above). */
  JOB_QUEUE: z.coerce.number().int().min(1).default(256),
  /** Jobs one token (or client) may have queued or running (429 above). */
  JOBS_PER_TOKEN: z.coerce.number().int().min(1).default(64),
  /** Distributed jobs: attempts before a job that keeps killing its workers is failed. */
  JOB_ATTEMPTS: z.coerce.number().int().min(1).default(3),
});

/** The names of the environment variables above (what a deployment may set). */
export const ENV_NAMES: readonly string[] = Object.keys(EnvSchema.shape);

/** Each setting's default where it has a fixed one (docs/operations.md's table states them; a test holds it). */
export const envDefaults = (): Record<string, unknown> => EnvSchema.parse({});

export interface ServerConfig {
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly limits: ProblemLimits;
  readonly threads: number;
  readonly maxQueue: number;
  readonly maxQueuePerClient: number | undefined;
  readonly inputThreads: number | undefined;
  readonly memory: MemoryPlan;
  readonly shutdownGraceMs: number;
  readonly logLevel: Level;
  readonly jobs: JobConfig;
}

export interface JobConfig {
  readonly redisUrl: string | undefined;
  readonly apiTokens: readonly string[];
  readonly ttlMs: number;
  readonly maxJobs: number;
  readonly maxJobsPerOwner: number;
  readonly attempts: number;
}

/**
 * How the memory limit is shared: the main thread and input threads get a JavaScript heap each; the rest
 * is split evenly among the solver threads, each of which keeps its JavaScript heap and WebAssembly memory
 * (estimated per model before a solve starts) within its share.
 */
export interface MemoryPlan {
  readonly limitBytes: number;
  /** JavaScript heap of each solver thread (MiB). */
  readonly workerHeapMb: number;
  /** Estimated WebAssembly memory one exact solve may use (bytes). */
  readonly solveBudgetBytes: number;
  /** JavaScript heap of each input thread (MiB): its old generation, and its young one. */
  readonly inputHeapMb: number;
  readonly inputYoungMb: number;
}

/** The main thread's share, and each input thread's, of the memory limit (MiB). */
const MAIN_HEAP_MB = 1024;
const INPUT_HEAP_MB = 1024;
/**
 * An input thread's young generation. Nearly everything a body's parse and model allocate survives until the answer,
 * so V8's default young generation copies it over and over: at 150 000 containers this size took the thread's
 * garbage collection from some 480 ms to 280 ms per request (median of 5, 2-core machine, 2026-12-06).
 */
const INPUT_YOUNG_MB = 192;
/** WebAssembly memory is capped at 2 GiB per module instance; leave room for the module itself. */
const WASM_CAP_BYTES = 1.75 * 2 ** 30;

export function memoryPlan(limitMb: number, threads: number, inputThreads: number, budgetMb?: number): MemoryPlan {
  const input = INPUT_HEAP_MB + INPUT_YOUNG_MB;
  const perSolver = Math.max(256, Math.floor((limitMb - MAIN_HEAP_MB - inputThreads * input) / threads));
  const workerHeapMb = Math.max(128, Math.floor(perSolver / 3));
  const solveBudgetBytes =
    budgetMb !== undefined ? budgetMb * 2 ** 20 : Math.min(WASM_CAP_BYTES, (perSolver - workerHeapMb) * 2 ** 20);
  return {
    limitBytes: limitMb * 2 ** 20,
    workerHeapMb,
    solveBudgetBytes,
    inputHeapMb: INPUT_HEAP_MB,
    inputYoungMb: INPUT_YOUNG_MB,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const e = EnvSchema.parse(env);
  const inputThreads = e.INPUT_THREADS ?? (availableParallelism() >= 4 ? 2 : 1);
  // Default: three quarters of the machine's memory, at most 16 GiB.
  const limitMb = e.MEMORY_LIMIT_MB ?? Math.min(16_384, Math.floor((0.75 * totalmem()) / 2 ** 20));
  return {
    port: e.PORT,
    maxBodyBytes: e.MAX_BODY_BYTES,
    limits: {
      maxNodes: e.MAX_NODES,
      maxContainers: e.MAX_CONTAINERS,
      maxPairs: e.MAX_PAIRS,
      maxResources: e.MAX_RESOURCES,
      maxTimeLimitMs: e.MAX_TIME_LIMIT_MS,
      maxRuleWork: e.MAX_RULE_WORK,
      maxTableWork: e.MAX_TABLE_WORK,
    },
    threads: e.SOLVER_THREADS,
    maxQueue: e.SOLVER_QUEUE,
    maxQueuePerClient: e.SOLVER_QUEUE_PER_CLIENT,
    inputThreads,
    memory: memoryPlan(limitMb, e.SOLVER_THREADS, inputThreads, e.SOLVER_MEMORY_BUDGET_MB),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    jobs: {
      redisUrl: e.REDIS_URL,
      apiTokens: (e.API_TOKEN ?? '').split(',').flatMap((t) => (t.trim() ? [t.trim()] : [])),
      ttlMs: e.JOB_TTL_S * 1000,
      maxJobs: e.JOB_QUEUE,
      maxJobsPerOwner: e.JOBS_PER_TOKEN,
      attempts: e.JOB_ATTEMPTS,
    },
  };
}
