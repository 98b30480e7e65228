import { snapshotCounts } from '../models/counts.js';
import { quantityRangeIssues, snapshotToModel } from '../models/build.js';
import { parseJsonBody } from '../models/json.js';
import { parseSnapshot } from '../models/replicas.js';
import { planJson } from '../planning/answer.js';
import { greedyPlan } from '../solver/greedy.js';
import { verifyPlan } from '../solver/verify.js';
import { scaleSnapshot } from './scale.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hasCommand } from './native.js';
import { postJson, startServer, type RunningServer } from './server.js';

/**
 * `npm run bench -- --suite greedy-profile`: where `solver: "greedy"` spends its time at 5 000 nodes × 150 000
 * containers (the scale suite's seed 42). In this process, stage by stage, as the service runs them (reading the
 * JSON, the body's counts, the schema per container shape, the exact-quantity check, the model, the greedy, the
 * verification, the answer object and its text); then end to end through a fresh service, the round trips of two
 * clients (fetch in this process, and curl where it is installed) beside the service's own time and the answer's
 * timings. Medians of 3 warm runs after one cold run.
 */

const STAGES = ['read JSON', 'counts', 'schema', 'quantities', 'model', 'greedy', 'verify', 'answer', 'answer text'];

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One in-process pass: ms per stage. */
function stages(text: string): number[] {
  const at = [performance.now()];
  const lap = (): void => void at.push(performance.now());
  const body = parseJsonBody(text);
  if (!body.ok) throw new Error(body.message);
  lap();
  snapshotCounts(body.value);
  lap();
  const parsed = parseSnapshot(body.value);
  if (!parsed.success) throw new Error('the scale snapshot does not parse');
  lap();
  quantityRangeIssues(parsed.data);
  lap();
  const model = snapshotToModel(parsed.data);
  lap();
  const plan = greedyPlan(model);
  lap();
  const verification = verifyPlan(model, plan, false);
  lap();
  const json = planJson(model, { assignment: plan, verification });
  lap();
  JSON.stringify(json);
  lap();
  return at.slice(1).map((t, k) => t - at[k]!);
}

const options = { solver: 'greedy', timeLimitMs: 60_000 };

const run = promisify(execFile);

/**
 * One request by curl (a client that only writes the body and reads the answer): its round trip ms. Run without
 * blocking this process: fetch's idle connection must see its keep-alive time pass (a blocked event loop let it
 * reuse one the service had just closed, and the next post failed with EPIPE).
 */
async function curlTrip(url: string, file: string): Promise<number> {
  const out = join(dirname(file), 'answer.json');
  const args = ['-s', '-o', out, '-w', '%{http_code} %{time_total}', '-H', 'content-type: application/json'];
  const { stdout } = await run('curl', [...args, '--data-binary', `@${file}`, `${url}/v1/plan`]);
  const [code, seconds] = stdout.split(' ');
  if (code !== '200') throw new Error(`the greedy request by curl answered ${code}`);
  return Math.round(1000 * Number(seconds));
}

/** The service's own time of its requests to /v1/plan (its log: from arrival to the answer's last byte written). */
const served = (log: readonly string[]): number[] =>
  log.flatMap((l) => (l.includes('"route":"/v1/plan"') ? [(JSON.parse(l) as { durationMs: number }).durationMs] : []));

/**
 * One row: a cold request, then 3 warm ones by each client in turn (fetch, which decodes the answer to text in this
 * process; curl, which only writes it to a file), and the medians of the warm ones.
 */
async function throughService(server: RunningServer, body: string, form: string, dir: string): Promise<string> {
  const file = join(dir, `${form}.json`);
  writeFileSync(file, body);
  const cold = await postJson(`${server.url}/v1/plan`, body);
  if (cold.status !== 200) throw new Error(`the greedy request answered ${cold.status}`);
  const before = served(server.log).length;
  const trips: { fetch: number; curl?: number; totalMs: number; prepareMs: number }[] = [];
  const curl = hasCommand('curl');
  for (let k = 0; k < 3; k++) {
    const r = await postJson(`${server.url}/v1/plan`, body);
    if (r.status !== 200) throw new Error(`the greedy request answered ${r.status}`);
    const c = curl ? await curlTrip(server.url, file) : undefined;
    const timings = (r.json as { timings: { totalMs: number; prepareMs: number } }).timings;
    trips.push({ fetch: r.ms, ...(c !== undefined ? { curl: c } : {}), ...timings });
  }
  const own = served(server.log).slice(before);
  const bytes = Buffer.byteLength(JSON.stringify(cold.json));
  const cell = (xs: (number | undefined)[]): string => (xs.every((x) => x !== undefined) ? `${median(xs)}` : '–');
  return (
    `| ${form} | ${(bytes / 2 ** 20).toFixed(1)} | ${cell(trips.map((t) => t.fetch))} | ` +
    `${cell(trips.map((t) => t.curl))} | ${median(own)} | ${median(trips.map((t) => t.totalMs))} | ` +
    `${median(trips.map((t) => t.prepareMs))} | ${cold.ms} | ${String(cold.json['objective'])} |`
  );
}

export async function greedyProfile(n = 5000, m = 150_000, seed = 42): Promise<string> {
  const text = JSON.stringify({ ...scaleSnapshot(n, m, seed), options });
  const runs = Array.from({ length: 4 }, () => stages(text)).slice(1);
  const per = STAGES.map((_, k) => median(runs.map((r) => r[k]!)));
  const total = per.reduce((a, b) => a + b, 0);
  const lines = [
    `${n} nodes × ${m} containers, seed ${seed}, body ${(text.length / 2 ** 20).toFixed(1)} MiB; ` +
      'in this process, median of 3 warm runs:',
    '',
    `| ${STAGES.join(' | ')} | total |`,
    `|${[...STAGES, ''].map(() => '---').join('|')}|`,
    `| ${per.map((x) => x.toFixed(0)).join(' | ')} | ${total.toFixed(0)} |`,
  ];
  const server = await startServer({});
  const dir = mkdtempSync(join(tmpdir(), 'greedy-profile-'));
  try {
    lines.push(
      '',
      'Through a fresh service (POST /v1/plan), for each answer form (options.assignments): one cold request, then ' +
        '3 warm ones by each client in turn, medians of the warm ones. The round trip by fetch includes decoding ' +
        "the answer to text in this process, which shares the machine's 2 cores with the service; curl only writes " +
        "it to a file; the service's own time is its log's, from arrival to the answer's last byte written.",
      '',
      '| answer form | answer MB | round trip ms, fetch | round trip ms, curl | service ms (arrival to last byte) | ' +
        'answer totalMs | prepareMs (read, check, model, greedy) | cold round trip ms | objective |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const form of ['list', 'byNode'] as const) {
      const body = JSON.stringify({ ...JSON.parse(text), options: { ...options, assignments: form } });
      lines.push(await throughService(server, body, form, dir));
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join('\n');
}
