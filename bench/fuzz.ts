/**
 * npm run fuzz [-- --cases N (default 10 000)] [--seed S]
 *
 * Property-based fuzzing of the real service (bench/fuzz/): starts dist/server/main.js on a free
 * loopback port, sends N random requests (valid snapshots and programs, quantity strings, damaged
 * bodies, hostile ones) and checks every answer with an oracle that shares no code with the service.
 * Prints a summary table; exits 1 on the first failure (fast-check shrinks it to a small case).
 */
import { parseArgs } from 'node:util';
import { fuzzService } from './fuzz/run.js';
import { startServer } from './server.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
const server = await startServer({ LOG_LEVEL: 'warn' });
const started = Date.now();
try {
  const report = await fuzzService(server.url, cases, seed, (done) => {
    if (done % 500 === 0) process.stderr.write(`  ${done} cases, ${Math.round((Date.now() - started) / 1000)} s\n`);
  });
  const alive = server.process.exitCode === null;
  const rows = [
    ['cases', String(report.cases)],
    ['seed', String(seed)],
    [
      'answers by status',
      Object.entries(report.byStatus)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
    ],
    [
      'cases by kind',
      Object.entries(report.byKind)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
    ],
    ['200 plans checked by the oracle', String(report.plansChecked)],
    ['of them against brute force', String(report.bruteForced)],
    ['failures', String(report.failures)],
    ['server alive, /healthz 200', alive ? 'yes' : 'NO'],
    ['wall time', `${Math.round((Date.now() - started) / 1000)} s`],
  ];
  process.stdout.write(`| fuzz | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`);
  process.exitCode = report.failures === 0 && alive ? 0 : 1;
} catch (err) {
  // fast-check 4 keeps the property's own error (what the oracle found) as the cause.
  const cause = err instanceof Error && err.cause instanceof Error ? `\ncaused by: ${err.cause.message}` : '';
  process.stdout.write(`fuzz FAILED (seed ${seed}):\n${err instanceof Error ? err.message : String(err)}${cause}\n`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
