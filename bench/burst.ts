/**
 * npm run burst [-- --runs 20 --seconds 10 --clients 3]
 *
 * The burst that aborted the process (issue 12): each run starts a fresh server, then `clients` clients
 * post OR-Library gapd-1 in a loop, each with a random time limit of 5–150 ms, for `seconds`. A run
 * fails if the server dies (any exit) or answers anything but 200 or 503. Prints one line per run and a
 * summary table.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gapToProgram, parseGapFile } from './orlib.js';
import { rngFor } from './random.js';
import { startServer } from './server.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '3' },
  },
});
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const gapd1 = parseGapFile(readFileSync(`${ROOT}fixtures/gap/gapd.txt`, 'utf8'), true)[0]!;
let died = 0;
let answered = 0;
let unexpected = 0;
for (let run = 1; run <= Number(values.runs); run++) {
  const server = await startServer({ LOG_LEVEL: 'warn' });
  const end = Date.now() + Number(values.seconds) * 1000;
  const counts = new Map<string, number>();
  const client = async (k: number): Promise<void> => {
    const r = rngFor(run * 100 + k);
    while (Date.now() < end && server.process.exitCode === null) {
      const body = JSON.stringify(gapToProgram(gapd1, 'min', { timeLimitMs: 5 + Math.floor(r() * 146) }));
      const status = await fetch(`${server.url}/v1/solve`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      }).then(
        async (res) => (await res.text(), String(res.status)),
        () => 'no answer',
      );
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Number(values.clients) }, (_, k) => client(k)));
  const alive = server.process.exitCode === null;
  const code = await server.stop();
  if (!alive) died++;
  for (const [s, n] of counts) {
    if (s === '200' || s === '503') answered += n;
    else unexpected += n;
  }
  process.stdout.write(
    `run ${run}: ${alive ? 'alive' : `DIED (exit ${code})`}, answers ` +
      `${[...counts].map(([s, n]) => `${s}: ${n}`).join(', ')}, exit after SIGTERM ${code}\n`,
  );
}
process.stdout.write(
  `| burst | |\n|---|---|\n| runs | ${values.runs} × ${values.seconds} s, ${values.clients} clients |\n` +
    `| runs in which the server died | ${died} |\n| answers 200 or 503 | ${answered} |\n` +
    `| other answers or none | ${unexpected} |\n`,
);
process.exitCode = died === 0 && unexpected === 0 ? 0 : 1;
