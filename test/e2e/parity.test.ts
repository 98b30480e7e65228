import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postJson, startServer, type RunningServer } from '../../bench/server.js';
import { fixturePath, ROOT } from '../helpers.js';

/**
 * HTTP and CLI are two doors to the same use cases (planning/): the same body through the real server
 * and through `placement` gives the same JSON, field for field, but for what measures the run (timings,
 * each backend's solverMs). The bodies pin the solver to HiGHS, which is deterministic for a given
 * program, so that which backend wins a race cannot differ between the two runs.
 */
const CLI = join(ROOT, 'dist', 'cli', 'placement.js');

const read = (...parts: string[]): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, ...parts), 'utf8')) as Record<string, unknown>;
const fixtureInput = (folder: string, name: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(fixturePath(folder, name), 'utf8')) as { input: Record<string, unknown> }).input;

/** The body with the solver pinned (and the input's own options kept). */
const pinned = (body: Record<string, unknown>): Record<string, unknown> => ({
  ...body,
  options: { ...(body['options'] as object | undefined), solver: 'highs', timeLimitMs: 10_000 },
});

const CASES: { command: 'plan' | 'solve' | 'evaluate' | 'capacity'; name: string; body: Record<string, unknown> }[] = [
  { command: 'plan', name: 'a snapshot (examples/seed-snapshot.json)', body: read('examples', 'seed-snapshot.json') },
  { command: 'plan', name: 'kubectl output', body: fixtureInput('kube', 'zone-spread-web.json') },
  { command: 'plan', name: 'an infeasible snapshot', body: fixtureInput('plan', 'infeasible-packing.json') },
  { command: 'solve', name: 'a program (examples/program.json)', body: read('examples', 'program.json') },
  { command: 'evaluate', name: 'a given plan (examples/evaluate.json)', body: read('examples', 'evaluate.json') },
  {
    // The explanation of an infeasible optimum: the CLI once gave it here and /v1/evaluate did not.
    command: 'evaluate',
    name: 'a plan for an infeasible snapshot, with the explanation',
    body: { ...fixtureInput('plan', 'infeasible-packing.json'), plan: { x: 'a', y: 'b', z: 'b' } },
  },
  {
    command: 'capacity',
    name: 'a fit question (examples/capacity-fit.json)',
    body: read('examples', 'capacity-fit.json'),
  },
  { command: 'capacity', name: 'a what-if question', body: fixtureInput('capacity', 'what-if-node-failure.json') },
];

/** The answer without what measures the run: `timings`, and `solverMs` wherever it appears. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'timings' && k !== 'solverMs') out[k] = withoutTimings(v);
  return out;
}

function cli(command: string, body: unknown, flags: string[] = []) {
  const r = spawnSync(process.execPath, [CLI, command, '-', ...flags], {
    input: JSON.stringify(body),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('HTTP and CLI give the same answer for the same input', function () {
  this.timeout(120_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  for (const c of CASES) {
    it(`${c.command}: ${c.name}`, async () => {
      const body = pinned(c.body);
      const http = await postJson(`${server.url}/v1/${c.command}`, JSON.stringify(body));
      assert.equal(http.status, 200, JSON.stringify(http.json));
      const local = cli(c.command, body);
      assert.ok(local.code === 0 || local.code === 1, local.stderr);
      const status = (http.json['status'] ??
        (http.json['optimal'] as { status?: string } | undefined)?.status) as string;
      assert.equal(local.code === 1, status === 'infeasible', 'exit code 1 exactly when infeasible');
      const answer = JSON.parse(local.stdout) as Record<string, unknown>;
      assert.deepEqual(withoutTimings(answer), withoutTimings(http.json));
      if (c.name.includes('explanation')) assert.ok(answer['explanation'], 'no explanation');
    });
  }

  it('bad input: the CLI names the same fields with the same messages as the 400', async () => {
    const body = { nodes: [{ name: 'a', capacity: { cpu: '2 cores' } }], containers: [{ requests: {} }] };
    const http = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(http.status, 400);
    const issues = (http.json['error'] as { issues: { path: string; message: string }[] }).issues;
    assert.ok(issues.length >= 2);
    const local = cli('plan', body);
    assert.equal(local.code, 2);
    const lines = local.stderr.split('\n').filter((l) => l.startsWith('  '));
    assert.deepEqual(
      lines,
      issues.map((i) => `  ${i.path}: ${i.message}`),
    );
  });

  it("the LP export of evaluate or capacity: refused alike, naming format (the rule is the use case's)", async () => {
    for (const [command, body] of [
      ['evaluate', read('examples', 'evaluate.json')],
      ['capacity', read('examples', 'capacity-fit.json')],
    ] as const) {
      const http = await postJson(`${server.url}/v1/${command}?format=lp`, JSON.stringify(body));
      assert.equal(http.status, 400);
      const issues = (http.json['error'] as { issues: { path: string; message: string }[] }).issues;
      assert.deepEqual(
        issues.map((i) => i.path),
        ['format'],
      );
      const local = cli(command, body, ['--export', 'lp']);
      assert.equal(local.code, 2, local.stdout.slice(0, 200));
      assert.equal(local.stderr.split('\n').filter((l) => l.startsWith('  '))[0], `  format: ${issues[0]!.message}`);
    }
  });
});
