import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../helpers.js';

const CLI = join(ROOT, 'dist', 'cli', 'placement.js');
const EXAMPLE = ['nodes', 'services', 'tasks'].map((f) => join(ROOT, 'examples', 'swarm', `${f}.json`));
const read = (file: string): { ID: string }[] => JSON.parse(readFileSync(file, 'utf8')) as { ID: string }[];

interface Answer {
  status: string;
  assignments: { container: string; node: string }[];
  swarm: { pending: string[]; assignments: { container: string; node: string }[]; valid: boolean };
  notes: string[];
}

function run(args: string[], PATH = process.env['PATH']) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PATH },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A directory to put first on PATH with a stand-in `docker` (no Docker daemon runs here): it records each call's
 * arguments, one call a line, and answers `node ls -q`, `service ls -q`, `service ps -q …` with the example's IDs
 * and `node inspect`, `service inspect`, `inspect --type task` with its files, as docker prints them.
 */
function standInDocker(fail?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'placement-docker-'));
  const calls = join(dir, 'calls');
  const [nodes, services, tasks] = EXAMPLE as [string, string, string];
  const ids = (file: string) =>
    read(file)
      .map((o) => o.ID)
      .join('\\n');
  const script = `#!/bin/sh
echo "$*" >> '${calls}'
${fail ? `echo '${fail}' >&2; exit 1` : ''}
[ "$1" = --context ] && shift 2
case "$1 $2" in
  "node ls") printf '${ids(nodes)}\\n' ;;
  "service ls") printf '${ids(services)}\\n' ;;
  "service ps") printf '${ids(tasks)}\\n' ;;
  "node inspect") cat '${nodes}' ;;
  "service inspect") cat '${services}' ;;
  "inspect --type") cat '${tasks}' ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac
`;
  writeFileSync(join(dir, 'docker'), script, { mode: 0o755 });
  const PATH = [dir, dirname(process.execPath), process.env['PATH']].join(delimiter);
  return { PATH, calls: (): string[] => readFileSync(calls, 'utf8').trimEnd().split('\n') };
}

describe('CLI: Docker Swarm input (plan --swarm FILES, plan --from-swarm)', function () {
  this.timeout(120_000);

  it('plan --swarm nodes.json services.json tasks.json: the optimum places the trainer Swarm leaves pending', () => {
    const r = run(['plan', '--swarm', ...EXAMPLE]);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout) as Answer;
    assert.equal(a.status, 'optimal');
    assert.deepEqual(
      a.assignments.find((x) => x.container === 'trainer.1'),
      { container: 'trainer.1', node: 'worker-2' },
    );
    assert.deepEqual(a.swarm.pending, ['trainer.1']);
    assert.ok(a.swarm.valid);
    const table = run(['plan', '--swarm', ...EXAMPLE, '-o', 'table']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^status optimal .*\ngreedy .*\nswarm {2}objective –/);
    assert.match(table.stdout, /\nworker-2\n {2}plan {4}web\.4, trainer\.1, node-exporter\.worker-2\n/);
    assert.match(table.stdout, /\nunplaced \(swarm\): trainer\.1\n/);
  });

  it('reads the tasks as docker service ps --format json prints them, one JSON object a line', () => {
    const c = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'swarm', 'docker-docs-service-ps.json'), 'utf8')) as {
      input: { nodes: unknown[]; services: unknown[]; tasks: unknown[] };
      expected: { plan: Record<string, string> };
    };
    const dir = mkdtempSync(join(tmpdir(), 'placement-ps-'));
    const file = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name));
    const r = run([
      'plan',
      '--swarm',
      file('nodes.json', JSON.stringify(c.input.nodes)),
      file('services.json', JSON.stringify(c.input.services)),
      file('tasks.json', c.input.tasks.map((t) => JSON.stringify(t)).join('\n') + '\n'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout) as Answer;
    for (const [task, node] of Object.entries(c.expected.plan))
      assert.equal(a.assignments.find((x) => x.container === task)?.node, node, task);
    assert.equal(a.assignments.length, 12);
  });

  it('plan --from-swarm runs docker (node, service and task inspect) and plans what it prints', () => {
    const d = standInDocker();
    const r = run(['plan', '--from-swarm', '--context', 'prod'], d.PATH);
    assert.equal(r.code, 0, r.stderr);
    const [nodes, services, tasks] = EXAMPLE.map((f) =>
      read(f)
        .map((o) => o.ID)
        .join(' '),
    );
    assert.deepEqual(d.calls(), [
      '--context prod node ls -q',
      '--context prod service ls -q',
      `--context prod service ps -q --no-trunc --filter desired-state=running ${services}`,
      `--context prod node inspect ${nodes}`,
      `--context prod service inspect ${services}`,
      `--context prod inspect --type task ${tasks}`,
    ]);
    const fromFiles = JSON.parse(run(['plan', '--swarm', ...EXAMPLE]).stdout) as Answer;
    assert.deepEqual((JSON.parse(r.stdout) as Answer).assignments, fromFiles.assignments);
  });

  it('docker failing or missing, and the flags misused, exit 2 with the reason', () => {
    const failing = standInDocker('Error response from daemon: This node is not a swarm manager.');
    const r = run(['plan', '--from-swarm'], failing.PATH);
    assert.deepEqual(
      [r.code, r.stderr],
      [2, 'placement: docker node ls -q failed:\nError response from daemon: This node is not a swarm manager.\n'],
    );
    const empty = mkdtempSync(join(tmpdir(), 'placement-nodocker-'));
    const missing = run(['plan', '--from-swarm'], empty);
    assert.deepEqual(
      [missing.code, missing.stderr],
      [2, 'placement: docker not found on PATH (plan --from-swarm runs "docker node inspect" and more)\n'],
    );
    for (const [args, want] of [
      [['plan', '--swarm', 'nodes.json'], /--swarm reads NODES SERVICES \[TASKS\]/],
      [['capacity', '--swarm', 'a', 'b'], /--swarm goes with plan or evaluate/],
      [['evaluate', '--from-swarm'], /--from-swarm goes with plan/],
      [['plan', '--from-swarm', 'x.json'], /plan --from-swarm reads the swarm: give no FILE as well/],
      [['plan', '--swarm', '--from-swarm', 'a', 'b'], /give --swarm FILES or --from-swarm, not both/],
      [['plan', '--swarm', EXAMPLE[1]!, EXAMPLE[0]!], /services\[0\]\.Spec\.Name: required: a string/],
    ] as const) {
      const bad = run([...args]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, want);
    }
  });
});
