import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EVAL, ROOT } from '../helpers.js';

describe('CLI: the table report (placement plan --format table)', function () {
  this.timeout(60_000);
  it('placement plan --format table prints each node with its containers, bars and the greedy beside', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'placement.js'), 'plan', '-', '--format', 'table'],
      { input: JSON.stringify(EVAL), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^status optimal {3}objective 4/);
    assert.match(r.stdout, /\na\n {2}plan {4}x\n {2}greedy/);
    assert.match(r.stdout, /cpu +█+░* +75%/);
  });
});

describe('CLI: placement evaluate and placement capacity on the examples', function () {
  this.timeout(60_000);
  const cli = (args: string[]): { status: number | null; out: Record<string, unknown>; stderr: string } => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'placement.js'), ...args], { encoding: 'utf8' });
    return {
      status: r.status,
      out: r.status === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : {},
      stderr: r.stderr,
    };
  };
  it('evaluate examples/evaluate.json: objective 7 against the optimum 4', () => {
    const r = cli(['evaluate', join(ROOT, 'examples', 'evaluate.json')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.out['given'] as { objective: number }).objective, 7);
    assert.equal((r.out['optimal'] as { objective: number }).objective, 4);
  });
  it('capacity examples/capacity-fit.json: 2 small + 1 large', () => {
    const r = cli(['capacity', join(ROOT, 'examples', 'capacity-fit.json')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.out['extra'], { small: 2, large: 1 });
  });
  it('capacity without a question exits 2 naming the field', () => {
    const r = cli(['capacity', join(ROOT, 'examples', 'seed-snapshot.json')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /question: required/);
  });
});
