import { SolverPool } from '../solver/pool.js';
import { conformance, installConformanceCheck } from './conformance.js';

/** One warm solver pool shared by every test file, closed when the run ends. */
let pool: SolverPool | undefined;

export function sharedPool(): SolverPool {
  pool ??= new SolverPool({ threads: 2, maxQueue: 256 });
  return pool;
}

const finishConformance = installConformanceCheck();

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await pool?.close();
    await finishConformance();
    const { checked, skipped, failures } = conformance;
    process.stdout.write(
      `  OpenAPI: ${checked} answers checked against the document (${skipped} too large to parse)\n`,
    );
    if (failures.length > 0)
      throw new Error(
        `${failures.length} answers do not conform to /openapi.json:\n${failures.slice(0, 20).join('\n')}`,
      );
  },
};
