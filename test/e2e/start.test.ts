import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePort } from '../../bench/server.js';
import { ROOT } from '../helpers.js';

/**
 * `npm start` serves the build that `npm ci` (its `prepare`) or `npm run build` made, as it is: it does not compile
 * again (scripts/build-if-stale.mjs rebuilds only when a source is newer than dist/.build-stamp). The test suite
 * builds right before it runs, so here the build is fresh and the server must come up without a word about building.
 */
describe('npm start', function () {
  this.timeout(120_000);

  it('serves the existing build without compiling, ready on /readyz', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // Synchronised on the state: /readyz answers 200 (or the process ends, which fails the test).
      let ready = false;
      while (!ready) {
        if (child.exitCode !== null) assert.fail(`npm start exited ${child.exitCode}: ${output}`);
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      assert.doesNotMatch(output, /building|rebuilding/i, output);
      // Its probe's 503s while the threads started are answers, not errors.
      assert.doesNotMatch(output, /"level":"error"/, output);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });
});
