import { snapshotCounts } from '../models/counts.js';
import { quantityRangeIssues, snapshotToModel } from '../models/build.js';
import { parseJsonBody } from '../models/json.js';
import { parseSnapshot } from '../models/replicas.js';
import { planJson } from '../planning/answer.js';
import { greedyPlan } from '../solver/greedy.js';
import { verifyPlan } from '../solver/verify.js';
import { scaleSnapshot } from './scale.js';
import { postJson, startServer } from './server.js';

/**
 * `npm run bench -- --suite greedy-profile`: where `solver: "greedy"` spends its time at 5 000 nodes × 150 000
 * containers (the scale suite's seed 42). In this process, stage by stage, as the service runs them (reading the
 * JSON, the body's counts, the schema per container shape, the exact-quantity check, the model, the greedy, the
 * verification, the answer object and its text); then end to end through a fresh service, the client's round
 * trip (posting the body, reading the answer) beside the answer's own timings. Medians of 3 warm runs after one
 * cold run.
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

/** One row: the round trips of 4 requests (the first cold), the warm ones' medians. */
async function throughService(url: string, body: string, form: string): Promise<string> {
  const trips: { ms: number; bytes: number; totalMs: number; prepareMs: number; objective: unknown }[] = [];
  for (let k = 0; k < 4; k++) {
    const r = await postJson(`${url}/v1/plan`, body);
    if (r.status !== 200) throw new Error(`the greedy request answered ${r.status}`);
    const timings = (r.json as { timings: { totalMs: number; prepareMs: number } }).timings;
    const bytes = Buffer.byteLength(JSON.stringify(r.json));
    trips.push({ ms: r.ms, bytes, ...timings, objective: r.json['objective'] });
  }
  const warm = trips.slice(1);
  return (
    `| ${form} | ${(trips[0]!.bytes / 2 ** 20).toFixed(1)} | ${median(warm.map((t) => t.ms))} | ` +
    `${median(warm.map((t) => t.totalMs))} | ${median(warm.map((t) => t.prepareMs))} | ${trips[0]!.ms} | ` +
    `${String(trips[0]!.objective)} |`
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
  try {
    lines.push(
      '',
      'Through a fresh service (POST /v1/plan), median of 3 warm requests after one cold, for each answer form ' +
        '(options.assignments):',
      '',
      '| answer form | answer MB | round trip ms | answer totalMs | prepareMs (read, check, model, greedy) | ' +
        'cold round trip ms | objective |',
      '|---|---|---|---|---|---|---|',
    );
    for (const form of ['list', 'byNode'] as const) {
      const body = JSON.stringify({ ...JSON.parse(text), options: { ...options, assignments: form } });
      lines.push(await throughService(server.url, body, form));
    }
  } finally {
    await server.stop();
  }
  return lines.join('\n');
}
