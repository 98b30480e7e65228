import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { gapToProgram, parseGapFile, parseKnownValues } from '../../bench/orlib.js';
import { solveModel, type SolveOutcome } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { fixturePath, program } from '../helpers.js';
import { sharedPool } from '../setup.js';

/**
 * OR-Library gap1–gap12: 60 instances, each solved as a minimisation and as a maximisation (120 solves),
 * against the published optima. The CI run uses a short limit per solve to keep the suite fast; the full
 * 20 s check is `npm run bench -- --suite gap1-12`.
 */
const TIME_LIMIT_MS = 2_000;
const MIN_PROVEN = 80; // 98 of 120 were proven at 2 s each on the 2-core dev machine; 80 leaves room for a slower CI machine

describe('OR-Library gap1–gap12 (120 solves, both senses)', function () {
  this.timeout(400_000);
  const known = parseKnownValues(readFileSync(fixturePath('gap', 'known-values.csv'), 'utf8'));
  const outcomes: { name: string; value: number; sense: 'min' | 'max'; outcome: SolveOutcome }[] = [];

  before(async () => {
    // The time limit is wall-clock from submission: run no more solves at once than the pool has threads.
    // The default solver (auto) runs two backends per solve, one per thread.
    const limit = pLimit(Math.max(1, sharedPool().threads / 2));
    const jobs: Promise<void>[] = [];
    for (let f = 1; f <= 12; f++) {
      const instances = parseGapFile(readFileSync(fixturePath('gap', `gap${f}.txt`), 'utf8'), true);
      instances.forEach((g, k) => {
        for (const sense of ['min', 'max'] as const) {
          const kv = known.find((x) => x.file === `gap${f}.txt` && x.index === k + 1 && x.sense === sense);
          assert.ok(kv, `known value for gap${f}.txt #${k + 1} ${sense}`);
          const v = program(gapToProgram(g, sense, { timeLimitMs: TIME_LIMIT_MS }));
          jobs.push(
            limit(() => solveModel(v.model, v.options, sharedPool())).then((outcome) => {
              assert.ok(verifyPlan(v.model, outcome.plan.assignment, true).valid);
              outcomes.push({ name: `gap${f}-${k + 1} ${sense}`, value: kv.value, sense, outcome });
            }),
          );
        }
      });
    }
    await Promise.all(jobs);
  });

  it('answers all 120 solves with a complete, verified plan', () => {
    assert.equal(outcomes.length, 120);
    for (const { name, outcome } of outcomes) {
      assert.ok(outcome.status === 'optimal' || outcome.status === 'feasible', `${name}: ${outcome.status}`);
      assert.ok(outcome.plan.verification.valid && outcome.plan.verification.complete, name);
    }
  });

  it('gives honest statuses: optimal only at the published value, bounds on the right side of it', () => {
    for (const { name, value, sense, outcome } of outcomes) {
      const objective = outcome.objective!;
      if (outcome.status === 'optimal') {
        assert.equal(objective, value, `${name}: claimed optimal at ${objective}, published ${value}`);
      } else {
        assert.ok(
          sense === 'min' ? objective >= value : objective <= value,
          `${name}: objective ${objective} beats the published optimum ${value}`,
        );
        assert.ok(outcome.bound !== null, `${name}: feasible without a bound`);
        assert.ok(
          sense === 'min' ? outcome.bound! <= value : outcome.bound! >= value,
          `${name}: bound ${outcome.bound} cuts off the published optimum ${value}`,
        );
        assert.ok(outcome.gap! > 0);
      }
    }
  });

  it(`proves most of them optimal at the published value within ${TIME_LIMIT_MS} ms each`, () => {
    const proven = outcomes.filter((o) => o.outcome.status === 'optimal').length;
    assert.ok(proven >= MIN_PROVEN, `only ${proven} of 120 proven optimal`);
  });
});
