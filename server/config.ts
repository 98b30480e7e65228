import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { ProblemLimits } from '../models/validate.js';

/**
 * Server configuration from the environment. Every limit here is documented in the README.
 */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Largest request body, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(20 * 1024 * 1024),
  /** Largest options.timeLimitMs a request may ask for (ms). */
  MAX_TIME_LIMIT_MS: z.coerce.number().int().min(1).default(120_000),
  MAX_NODES: z.coerce.number().int().min(1).default(5_000),
  MAX_CONTAINERS: z.coerce.number().int().min(1).default(50_000),
  MAX_PAIRS: z.coerce.number().int().min(1).default(2_000_000),
  MAX_RESOURCES: z.coerce.number().int().min(1).default(64),
  /** Solves that run at once, each in its own worker thread. */
  SOLVER_THREADS: z.coerce.number().int().min(1).default(availableParallelism()),
  /** Solves that may wait for a thread before requests get 503. */
  SOLVER_QUEUE: z.coerce.number().int().min(1).default(64),
  /** Estimated exact-solver memory (MiB) above which a solve answers with the heuristics only. */
  SOLVER_MEMORY_BUDGET_MB: z.coerce.number().int().min(1).default(1792),
});

export interface ServerConfig {
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly limits: ProblemLimits;
  readonly threads: number;
  readonly maxQueue: number;
  readonly memoryBudgetBytes: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const e = EnvSchema.parse(env);
  return {
    port: e.PORT,
    maxBodyBytes: e.MAX_BODY_BYTES,
    limits: { maxNodes: e.MAX_NODES, maxContainers: e.MAX_CONTAINERS, maxPairs: e.MAX_PAIRS, maxResources: e.MAX_RESOURCES, maxTimeLimitMs: e.MAX_TIME_LIMIT_MS },
    threads: e.SOLVER_THREADS,
    maxQueue: e.SOLVER_QUEUE,
    memoryBudgetBytes: e.SOLVER_MEMORY_BUDGET_MB * 2 ** 20,
  };
}
