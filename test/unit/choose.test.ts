import assert from 'node:assert/strict';
import type { AssignmentModel } from '../../models/model.js';
import { objectivePrecision } from '../../models/precision.js';
import { gridBound } from '../../solver/bounds.js';
import { decide, type Finished, type Gathered } from '../../solver/choose.js';
import { verifyPlan } from '../../solver/verify.js';
import { program } from '../helpers.js';

/**
 * The decision at the end of a solve (solver/choose.ts), a pure function: fed what backends could have
 * returned, it must return only verified plans, call a plan optimal only when a bound that holds meets
 * its objective on the costs' grid, and report that bound rounded to the grid on its safe side.
 */

/** 2 nodes × 3 containers with decimal costs (resolution 0.01): the optimum is 0.6 ([0, 1, 0]). */
const DECIMAL = program({
  cost: [
    [0.1, 0.55, 0.3],
    [0.25, 0.2, 0.45],
  ],
  demand: { load: [2, 2, 2] },
  capacity: { load: [4, 4] },
}).model;

const summary = (model: AssignmentModel, plan: number[]) => {
  const assignment = Int32Array.from(plan);
  return { assignment, verification: verifyPlan(model, assignment, true) };
};

const finished = (result: NonNullable<Finished['result']>, backend: Finished['backend'] = 'highs'): Finished => ({
  backend,
  result,
  failed: false,
  stopped: false,
});

function decided(model: AssignmentModel, runs: Finished[], progress: Partial<Gathered> = {}, greedy = [1, 1, 0]) {
  const notes: string[] = [];
  const outcome = decide(
    model,
    runs,
    { incumbents: [], ...progress },
    summary(model, greedy),
    objectivePrecision(model),
    notes,
  );
  return { outcome, notes };
}

describe('the decision: which plan, which status (solver/choose.ts)', () => {
  it('the fixture holds: [0, 1, 0] costs 0.6 and the greedy plan [1, 1, 0] 0.75', () => {
    assert.ok(Math.abs(summary(DECIMAL, [0, 1, 0]).verification.objective - 0.6) < 1e-12);
    assert.ok(Math.abs(summary(DECIMAL, [1, 1, 0]).verification.objective - 0.75) < 1e-12);
    assert.equal(objectivePrecision(DECIMAL).resolution, 0.01);
  });

  it('of equal plans, names the engine that proved it optimal, not the one stopped when it won', () => {
    const plan = () => Int32Array.from([0, 1, 0]);
    const stopped = {
      ...finished({ result: { status: 'feasible', assignment: plan(), objective: 0.6 }, solverMs: 5 }),
    };
    const proved = finished(
      { result: { status: 'optimal', assignment: plan(), objective: 0.6, bound: 0.6 }, solverMs: 3 },
      'glpk',
    );
    const { outcome } = decided(DECIMAL, [{ ...stopped, stopped: true }, proved]);
    assert.deepEqual([outcome.status, outcome.source], ['optimal', 'glpk']);
  });

  it('calls a plan optimal when a bound just under its objective is within half a grid step', () => {
    const plan = Int32Array.from([0, 1, 0]);
    const { outcome } = decided(DECIMAL, [
      finished({ result: { status: 'feasible', assignment: plan, objective: 0.6, bound: 0.5951 }, solverMs: 1 }),
    ]);
    assert.deepEqual([outcome.status, outcome.bound, outcome.gap], ['optimal', outcome.objective, 0]);
  });

  it('rounds a bound that proves nothing to the grid on its safe side, and the gap follows', () => {
    const plan = Int32Array.from([1, 1, 0]);
    const { outcome } = decided(DECIMAL, [
      finished({ result: { status: 'feasible', assignment: plan, objective: 0.75, bound: 0.5812 }, solverMs: 1 }),
    ]);
    assert.equal(outcome.status, 'feasible');
    assert.equal(outcome.bound, 0.59);
    assert.ok(Math.abs(outcome.gap! - (0.75 - 0.59) / 0.75) < 1e-12);
  });

  it('discards a plan that fails verification, with a note, and falls back to one that verifies', () => {
    // All three on node 0 need 6 of its 4 units: the plan and its claim of 0.1 are never returned.
    const bad = Int32Array.from([0, 0, 0]);
    const { outcome, notes } = decided(DECIMAL, [
      finished({ result: { status: 'optimal', assignment: bad, objective: 0.1, bound: 0.1 }, solverMs: 1 }),
    ]);
    assert.equal(outcome.source, 'greedy');
    assert.deepEqual([...outcome.plan.assignment], [1, 1, 0]);
    assert.match(notes.join('\n'), /a highs plan failed verification and was discarded/);
    // Its bound came with a plan that failed: it counts for nothing, so nothing is proven.
    assert.deepEqual([outcome.status, outcome.bound], ['feasible', null]);
  });

  it('takes the best verified incumbent over a worse final plan, and a posted bound proves it', () => {
    const { outcome } = decided(
      DECIMAL,
      [
        finished({
          result: { status: 'feasible', assignment: Int32Array.from([1, 1, 0]), objective: 0.75 },
          solverMs: 1,
        }),
      ],
      { incumbents: [{ assignment: Int32Array.from([0, 1, 0]), source: 'chains', objective: 0.6 }], bound: 0.6 },
    );
    assert.deepEqual([outcome.status, outcome.source, [...outcome.plan.assignment]], ['optimal', 'chains', [0, 1, 0]]);
  });

  it('without a complete plan: infeasible only with a proof, unknown otherwise', () => {
    const tight = program({ cost: [[1, 2]], demand: { load: [3, 3] }, capacity: { load: [5] } }).model;
    const proof = decided(tight, [finished({ result: { status: 'infeasible' }, solverMs: 1 }, 'glpk')], {}, [0, -1]);
    assert.equal(proof.outcome.status, 'infeasible');
    assert.equal(proof.outcome.reasons[0]?.kind, 'total-demand');
    const tighter = program({
      cost: [
        [1, 2, 3],
        [3, 2, 1],
      ],
      demand: { load: [3, 3, 3] },
      capacity: { load: [5, 5] },
    });
    const none = decided(tighter.model, [finished({ result: { status: 'unknown' }, solverMs: 1 })], {}, [0, 1, -1]);
    assert.deepEqual([none.outcome.status, none.outcome.objective], ['unknown', null]);
    const proven = decided(
      tighter.model,
      [finished({ result: { status: 'infeasible' }, solverMs: 1 }, 'highs')],
      {},
      [0, 1, -1],
    );
    assert.deepEqual([proven.outcome.status, proven.outcome.reasons[0]?.kind], ['infeasible', 'solver-proof']);
  });
});

describe('gridBound', () => {
  it('rounds up for a minimisation and down for a maximisation, to k / 10^d', () => {
    assert.equal(gridBound('min', 1.2345, 0.01), 1.24);
    assert.equal(gridBound('max', 1.2345, 0.01), 1.23);
    assert.equal(gridBound('min', 6348.17, 1), 6349);
    assert.equal(gridBound('max', -0.004, 0.01), -0.01);
  });
  it('absorbs floating-point noise at a grid point instead of stepping past it', () => {
    assert.equal(gridBound('min', 0.1 + 0.2, 0.1), 0.3);
    assert.equal(gridBound('min', 0.30000001, 1e-9), 0.30000001);
    assert.equal(gridBound('max', 0.7 - 1e-12, 0.1), 0.7);
  });
  it('leaves bounds alone without a grid, or when they are not finite', () => {
    assert.equal(gridBound('min', 1.2345, undefined), 1.2345);
    assert.equal(gridBound('min', -Infinity, 0.01), -Infinity);
    assert.equal(gridBound('min', undefined, 0.01), undefined);
  });
});
