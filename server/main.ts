import { SolverPool } from '../solver/pool.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const pool = new SolverPool({ threads: config.threads, maxQueue: config.maxQueue, memoryBudgetBytes: config.memoryBudgetBytes });
const app = createApp({ pool, limits: config.limits, maxBodyBytes: config.maxBodyBytes });
const server = app.listen(config.port, () => {
  console.log(`optiplace listening on :${config.port} (solver threads ${pool.threads}, queue ${pool.maxQueue})`);
});

function shutdown(): void {
  server.close(() => {
    void pool.close().then(() => process.exit(0));
  });
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
