import assert from 'node:assert/strict';
import { fuzzService } from '../../bench/fuzz/run.js';
import { startServer, type RunningServer } from '../../bench/server.js';

/**
 * A few hundred fuzz cases against the real server on every test run (npm run fuzz runs as many as
 * asked): no 5xx, documented errors with paths, every plan checked by an independent oracle (brute
 * force where tiny), the server healthy throughout.
 */
describe('fuzzing the service (fast-check, independent oracle)', function () {
  this.timeout(300_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer({ LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await server.stop();
  });

  it('answers 400 random requests (valid, damaged and hostile) correctly, and stays up', async () => {
    const report = await fuzzService(server.url, 400, 20261201);
    assert.equal(report.failures, 0);
    assert.equal(report.cases, 400);
    assert.ok(report.plansChecked > 100, JSON.stringify(report));
    assert.ok(report.bruteForced > 10, JSON.stringify(report));
    assert.equal(server.process.exitCode, null);
  });
});
