import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { join } from 'node:path';
import { fixturePath, ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'cli', 'placement.js');

function placement(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixtureInput = (name: string): string => JSON.stringify((JSON.parse(readFileSync(fixturePath('plan', name), 'utf8')) as { input: unknown }).input);

describe('CLI (placement)', function () {
  this.timeout(120_000);

  it('--help prints the usage and exits 0', () => {
    const r = placement(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: placement <plan\|solve\|evaluate\|capacity>/);
  });

  it('plan - reads stdin, prints the same JSON as the API, exits 0 when optimal', () => {
    const r = placement(['plan', '-'], fixtureInput('seed-example.json'));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; objective: number; greedy: { objective: number } };
    assert.equal(out.status, 'optimal');
    assert.equal(out.objective, 1.25);
    assert.equal(out.greedy.objective, 1.375);
  });

  it('plan NODES PODS reads kubectl output from two files; a directory of YAML manifests gives the same plan', () => {
    const c = JSON.parse(readFileSync(fixturePath('kube', 'zone-spread-web.json'), 'utf8')) as { input: { nodeList: { items: unknown[] }; podList: { items: unknown[] } } };
    const dir = mkdtempSync(join(tmpdir(), 'placement-'));
    writeFileSync(join(dir, 'nodes.json'), JSON.stringify(c.input.nodeList));
    writeFileSync(join(dir, 'pods.json'), JSON.stringify(c.input.podList));
    const two = placement(['plan', join(dir, 'nodes.json'), join(dir, 'pods.json'), '--time-limit-ms', '5000']);
    assert.equal(two.code, 0, two.stderr);
    const a = JSON.parse(two.stdout) as { status: string; objective: number };
    assert.equal(a.status, 'optimal');
    const yamlDir = mkdtempSync(join(tmpdir(), 'manifests-'));
    writeFileSync(join(yamlDir, 'nodes.yaml'), c.input.nodeList.items.map((n) => stringify(n)).join('---\n'));
    writeFileSync(join(yamlDir, 'pods.yml'), stringify({ apiVersion: 'v1', kind: 'PodList', items: c.input.podList.items }));
    writeFileSync(join(yamlDir, 'README.txt'), 'not a manifest');
    const fromDir = placement(['plan', yamlDir, '--time-limit-ms', '5000']);
    assert.equal(fromDir.code, 0, fromDir.stderr);
    const b = JSON.parse(fromDir.stdout) as { status: string; objective: number };
    assert.equal(b.status, 'optimal');
    assert.ok(Math.abs(a.objective - b.objective) < 1e-12);
  });

  it('exits 1 for an infeasible snapshot', () => {
    const r = placement(['plan', '-'], fixtureInput('infeasible-packing.json'));
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { status: string }).status, 'infeasible');
  });

  it('solve FILE with flags: --solver jslp --time-limit-ms', () => {
    const r = placement(['solve', fixturePath('gap', 'known-values.csv')]);
    assert.equal(r.code, 2, 'a CSV is not JSON');
    const program = JSON.stringify({ cost: [[1, 5], [4, 2]], demand: { cpu: [1, 1] }, capacity: { cpu: [1, 1] } });
    const ok = placement(['solve', '-', '--solver', 'jslp', '--time-limit-ms', '3000'], program);
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { source: string; assignment: number[] };
    assert.equal(out.source, 'jslp');
    assert.deepEqual(out.assignment, [0, 1]);
  });

  const bad: { name: string; args: string[]; input: string; want: RegExp }[] = [
    { name: 'malformed JSON', args: ['plan', '-'], input: '{', want: /cannot read standard input as JSON/ },
    { name: 'an invalid quantity, naming the field', args: ['plan', '-'], input: '{"nodes":[{"name":"a","capacity":{"cpu":"1K"}}],"containers":[]}', want: /nodes\[0\]\.capacity\.cpu/ },
    { name: 'an unknown solver flag value', args: ['plan', '-', '--solver', 'cplex'], input: fixtureInput('seed-example.json'), want: /options\.solver/ },
    { name: 'a non-numeric time limit', args: ['plan', '-', '--time-limit-ms', 'soon'], input: fixtureInput('seed-example.json'), want: /--time-limit-ms must be an integer/ },
    { name: 'an unknown command', args: ['place', '-'], input: '{}', want: /expected "plan FILE" or "solve FILE"/ },
    { name: 'a missing file', args: ['plan', '/nonexistent.json'], input: '', want: /cannot read \/nonexistent.json/ },
  ];
  for (const c of bad) {
    it(`exits 2 with a message on stderr: ${c.name}`, () => {
      const r = placement(c.args, c.input);
      assert.equal(r.code, 2);
      assert.match(r.stderr, c.want);
      assert.equal(r.stdout, '');
    });
  }
});
