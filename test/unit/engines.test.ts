import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gapToProgram, parseGapFile } from '../../bench/orlib.js';
import { CAPABILITIES, ENGINE_NAMES } from '../../solver/backends/capabilities.js';
import type { Engine, EngineName, HeldProgram, Solution } from '../../solver/backends/engine.js';
import { ENGINES, loadEngines } from '../../solver/backends/index.js';
import { formulate } from '../../solver/formulate.js';
import type { Row } from '../../solver/ip.js';
import type { LinearProgram } from '../../solver/lpformat.js';
import { engineFor, NEEDS, portfolio } from '../../solver/strategy.js';
import { fixturePath, program } from '../helpers.js';

/**
 * One conformance suite over every engine (solver/backends/engine.ts): the same LP, MIP and column-adding cases go
 * through each engine's held programs, with the optimum known by hand, and each claim an engine makes in
 * capabilities.ts is checked where it can be checked by outcome (duals, warm start, a graceful stop, progress, a
 * bound). An engine that does not make a claim is held only to the contract: no false status, ever.
 */

/** A row of the cases' programs: Σ coefs · x (op) rhs. */
const row = (name: string, vars: number[], coefs: number[], op: Row['op'], rhs: number): Row => ({
  name,
  kind: 'rule',
  op,
  rhs,
  vars: Int32Array.from(vars),
  coefs: Float64Array.from(coefs),
});

/**
 * min −3x − 2y  s.t.  r0: x + y ≤ 4,  r1: x + 3y ≤ 7,  0 ≤ x ≤ 3,  0 ≤ y ≤ 10 (continuous).
 * Optimum x = 3, y = 1: −11; r0 binds with dual −2 (∂z/∂rhs), r1 is slack (dual 0).
 */
const LP: LinearProgram = {
  sense: 'min',
  varCost: Float64Array.from([-3, -2]),
  varUpper: Float64Array.from([3, 10]),
  rows: [row('r0', [0, 1], [1, 1], 'le', 4), row('r1', [0, 1], [1, 3], 'le', 7)],
  continuous: [0, 1],
};

/** max 5a + 4b + 3c  s.t.  2a + 3b + c ≤ 5, a, b, c ∈ {0, 1}: a and b, 9 (a and c: 8). */
const KNAPSACK: LinearProgram = {
  sense: 'max',
  varCost: Float64Array.from([5, 4, 3]),
  varUpper: Float64Array.from([1, 1, 1]),
  rows: [row('w', [0, 1, 2], [2, 3, 1], 'le', 5)],
  continuous: [],
};

/** x + y = 1.5 with x, y integers in [0, 1]: its LP relaxation is feasible, the program is not. */
const NO_INTEGER: LinearProgram = {
  sense: 'min',
  varCost: Float64Array.from([1, 1]),
  varUpper: Float64Array.from([1, 1]),
  rows: [row('half', [0, 1], [1, 1], 'eq', 1.5)],
  continuous: [],
};

const near = (a: number | undefined, b: number, what: string): void =>
  assert.ok(a !== undefined && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a}, want ${b}`);

/** Solves and checks the contract: an optimal answer has a solution at its objective, and the bound it claims. */
function solve(held: HeldProgram, program: { sense: 'min' | 'max' }, timeLimitMs = 10_000): Solution {
  const s = held.solve({ timeLimitMs });
  assert.ok(['optimal', 'feasible', 'infeasible', 'unknown'].includes(s.status));
  if (s.status === 'optimal') {
    assert.ok(s.x && s.objective !== undefined, 'optimal without a solution');
    near(s.bound, s.objective, 'the bound of an optimal answer');
  }
  if (s.status === 'infeasible') assert.equal(s.x, undefined);
  if (s.bound !== undefined && s.objective !== undefined)
    assert.ok(program.sense === 'min' ? s.bound <= s.objective + 1e-6 : s.bound >= s.objective - 1e-6);
  return s;
}

function withHeld<T>(engine: Engine, p: LinearProgram, use: (held: HeldProgram) => T): T {
  const held = engine.hold(p);
  try {
    return use(held);
  } finally {
    held.dispose();
  }
}

describe('every engine: the same LP, MIP and column-adding cases (solver/backends/)', function () {
  this.timeout(120_000);
  before(loadEngines);
  for (const name of ENGINE_NAMES) {
    describe(name, () => {
      const engine = (): Engine => ENGINES[name];
      it('solves an LP to its optimum, with its row duals where it claims duals', () =>
        withHeld(engine(), LP, (held) => {
          const s = solve(held, LP);
          assert.equal(s.status, 'optimal');
          near(s.objective, -11, 'objective');
          near(s.x![0], 3, 'x');
          near(s.x![1], 1, 'y');
          if (CAPABILITIES[name].duals) {
            near(s.rowDual?.[0], -2, 'dual of r0');
            near(s.rowDual?.[1], 0, 'dual of r1');
          }
        }));
      it('solves a MIP to its optimum, and never calls an integer-infeasible program feasible', () => {
        withHeld(engine(), KNAPSACK, (held) => {
          const s = solve(held, KNAPSACK);
          assert.equal(s.status, 'optimal');
          near(s.objective, 9, 'objective');
          assert.deepEqual(Array.from(s.x!, Math.round), [1, 1, 0]);
        });
        withHeld(engine(), NO_INTEGER, (held) => {
          const s = solve(held, NO_INTEGER);
          // javascript-lp-solver cannot tell "infeasible" from "failed": it may say unknown, never feasible.
          assert.ok(s.status === 'infeasible' || (s.status === 'unknown' && name === 'jslp'), s.status);
        });
      });
      it('adds a column, changes bounds and a coefficient, and turns columns integer, re-solving each time', () =>
        withHeld(engine(), LP, (held) => {
          near(solve(held, LP).objective, -11, 'before');
          // z: cost −4 in both rows, at most 2: z = 2, x = 2 (r0 full), −14
          const z = held.addColumn(-4, 2, [0, 1], [1, 1]);
          assert.equal(z, 2);
          near(solve(held, LP).objective, -14, 'with z');
          held.setColumnBounds(z, 0, 1); // z = 1, x = 3: −13
          near(solve(held, LP).objective, -13, 'z at most 1');
          held.setRowBounds(0, -Infinity, 5); // r0 ≤ 5: z = 1, x = 3, y = 1 (r1: 3 + 3 + 1 = 7): −15
          near(solve(held, LP).objective, -15, 'r0 at most 5');
          held.setCoefficient(1, 1, 6); // r1: x + 6y + z ≤ 7: y = 0.5, −14
          near(solve(held, LP).objective, -14, 'y weighs 6 in r1');
          held.setIntegrality([false, true, false]); // y integer: y = 0, −13
          near(solve(held, LP).objective, -13, 'y integer');
        }));
      it('holds a program without columns and adds them one by one (the column-generation master)', () =>
        withHeld(
          engine(),
          {
            sense: 'min',
            varCost: new Float64Array(0),
            varUpper: new Float64Array(0),
            rows: [row('cover', [], [], 'eq', 1)],
            continuous: [],
          },
          (held) => {
            held.addColumn(3, 1, [0], [1]);
            near(solve(held, { sense: 'min' }).objective, 3, 'one column');
            held.addColumn(2, 1, [0], [1]);
            near(solve(held, { sense: 'min' }).objective, 2, 'a cheaper one');
          },
        ));
    });
  }
});

/** OR-Library gapd-1 (5 × 100): HiGHS needs seconds to prove it, so a stop asked for at once is seen. */
function gapd1(): LinearProgram {
  const text = readFileSync(fixturePath('gap', 'gapd.txt'), 'utf8');
  return formulate(program(gapToProgram(parseGapFile(text, true)[0]!, 'min')).model);
}

describe('each engine claim that an outcome can show (solver/backends/capabilities.ts)', function () {
  this.timeout(120_000);
  before(loadEngines);
  const claiming = (claim: keyof (typeof CAPABILITIES)[EngineName]): EngineName[] =>
    ENGINE_NAMES.filter((n) => CAPABILITIES[n][claim] === true);
  for (const name of claiming('warmStart'))
    it(`${name} (warm start): a start solution comes back even when the limit leaves no time to search`, () =>
      withHeld(ENGINES[name], KNAPSACK, (held) => {
        held.setStart([1, 0, 1]); // 8
        const s = held.solve({ timeLimitMs: 1 });
        assert.ok(s.x, s.status);
        assert.ok(s.objective! >= 8 - 1e-9, `objective ${s.objective}`);
      }));
  for (const name of claiming('gracefulStop'))
    it(`${name} (graceful stop, progress, mip bound): stopped after its first solution, it returns it with a bound`, () =>
      withHeld(ENGINES[name], gapd1(), (held) => {
        let solutions = 0;
        const s = held.solve(
          { timeLimitMs: 60_000 },
          { onSolution: () => solutions++, shouldStop: () => solutions > 0 },
        );
        assert.ok(solutions > 0, 'no solution was reported while it searched');
        assert.equal(s.status, 'feasible');
        assert.ok(s.bound !== undefined && s.bound <= s.objective!, `bound ${s.bound}`);
      }));
  it('the strategy finds an engine for every job, and a portfolio of a lead and a partner', () => {
    for (const job of Object.keys(NEEDS) as (keyof typeof NEEDS)[])
      for (const claim of NEEDS[job]) assert.equal(CAPABILITIES[engineFor(job)][claim], true, `${job}: ${claim}`);
    const { lead, partner } = portfolio();
    assert.ok(partner && partner !== lead);
    // A pinned engine does a job it can; one that cannot is replaced by one that can.
    assert.equal(engineFor('rootLp', 'glpk'), 'glpk');
    assert.equal(CAPABILITIES[engineFor('scale', 'glpk')].incremental, true);
  });
});
