import assert from 'node:assert/strict';
import { clusterSnapshot } from '../../bench/clusters.js';
import { SolverPool } from '../../solver/pool.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { snapshot } from '../helpers.js';

describe('memory limits and dying workers', function () {
  this.timeout(120_000);

  it('answers with the heuristics and a bound when the exact model would not fit the memory budget', async () => {
    const pool = new SolverPool({ threads: 2, maxQueue: 2, memoryBudgetBytes: 1 });
    try {
      const { model, options } = snapshot({ ...clusterSnapshot(10, 60, 3), options: { timeLimitMs: 5000 } });
      const o = await solveModel(model, options, pool);
      assert.ok(o.status === 'feasible' || o.status === 'optimal', o.status);
      assert.ok(o.source === 'heuristic' || o.source === 'greedy', o.source);
      assert.ok(o.bound !== null);
      assert.ok(verifyPlan(model, o.plan.assignment, true).valid);
      for (const b of o.backends) {
        assert.equal(b.status, 'unknown');
        assert.match(b.note ?? '', /more than the WebAssembly heap allows/);
      }
    } finally {
      await pool.close();
    }
  });

  it('still answers when a worker dies (out of memory), and the pool goes on serving', async () => {
    const pool = new SolverPool({ threads: 1, maxQueue: 2, maxWorkerHeapMb: 16 });
    try {
      const big = snapshot({
        ...clusterSnapshot(100, 1000, 5),
        options: { timeLimitMs: 20_000, solver: 'glpk', symmetry: false },
      });
      const o = await solveModel(big.model, big.options, pool);
      assert.ok(
        o.notes.some((n) => /worker failed/.test(n)),
        o.notes.join('; '),
      );
      assert.ok(verifyPlan(big.model, o.plan.assignment, o.status === 'feasible').valid);
      assert.equal(o.backends[0]?.status, 'failed');
      const small = snapshot({ ...clusterSnapshot(3, 6, 5), options: { timeLimitMs: 5000, solver: 'glpk' } });
      const after = await solveModel(small.model, small.options, pool);
      assert.equal(after.status, 'optimal');
    } finally {
      await pool.close();
    }
  });
});

describe('the portfolio says why its lead ran alone, and only when it did', function () {
  this.timeout(120_000);
  const seed = () => snapshot({ ...clusterSnapshot(4, 12, 9), options: { timeLimitMs: 10_000 } });
  const alone = (notes: readonly string[]) => notes.filter((n) => /ran \w+ alone/.test(n));

  it('an idle pool of two loaded threads races both: no note', async () => {
    const pool = new SolverPool({ threads: 2, maxQueue: 4 });
    try {
      await pool.ready();
      const { model, options } = seed();
      const o = await solveModel(model, options, pool);
      assert.deepEqual(alone(o.notes), []);
      assert.equal(o.backends.length, 2);
    } finally {
      await pool.close();
    }
  });

  it('a pool of one thread: the note names SOLVER_THREADS, not a busy thread', async () => {
    const pool = new SolverPool({ threads: 1, maxQueue: 4 });
    try {
      await pool.ready();
      const { model, options } = seed();
      const o = await solveModel(model, options, pool);
      assert.deepEqual(alone(o.notes), [
        'the portfolio ran HiGHS alone: the service has one solver thread (SOLVER_THREADS)',
      ]);
    } finally {
      await pool.close();
    }
  });
});
