import { SolverPool } from '../solver/pool.js';

/** One warm solver pool shared by every test file, closed when the run ends. */
let pool: SolverPool | undefined;

export function sharedPool(): SolverPool {
  pool ??= new SolverPool({ threads: 2, maxQueue: 256 });
  return pool;
}

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await pool?.close();
  },
};
