import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gapToProgram, parseGapFile } from '../../bench/orlib.js';
import type { AssignmentModel } from '../../models/model.js';
import type { BackendName } from '../../models/options.js';
import type { Backend, BackendResult, HookName, SolveHooks } from '../../solver/backends/backend.js';
import { BACKENDS, loadEngines } from '../../solver/backends/index.js';
import { formulate } from '../../solver/formulate.js';
import type { IntegerProgram } from '../../solver/ip.js';
import { verifyPlan } from '../../solver/verify.js';
import { bruteForce, fixturePath, loadCases, program, snapshot } from '../helpers.js';

/**
 * One conformance suite over every backend adapter (the shape of hono's runTest): the same table of tiny
 * programs (fixtures/backends/) goes through each adapter directly, with no worker, pool or portfolio in
 * between. Every answer must keep the contract of backend.ts: a plan only with optimal or feasible (and
 * then one the independent verifier accepts, at the objective the backend reports), optimal only at the
 * optimum, infeasible only when no plan exists, bounds on the safe side. What an adapter proves beyond
 * that is in its claims; a case that needs a claim an adapter does not make is skipped with the reason.
 */
interface BackendCase {
  readonly name: string;
  readonly file: string;
  readonly program?: Record<string, unknown>;
  readonly snapshot?: Record<string, unknown>;
  readonly orlib?: { readonly file: string; readonly index: number; readonly sense: 'min' | 'max' };
  readonly timeLimitMs: number;
  readonly start?: number[];
  readonly want: {
    /** The optimum (null: no plan exists); checked against brute force. */
    readonly optimum?: number | null;
    /** The published optimum of an OR-Library instance. */
    readonly published?: number;
    readonly columns?: number;
    /** The time limit comes before any plan can be found. */
    readonly noPlan?: boolean;
    readonly startObjective?: number;
  };
}

/** What an adapter proves: true, or why it does not. */
interface Claims {
  readonly optimality: true | string;
  readonly infeasibility: true | string;
  readonly timeLimit: true | string;
  /** Why the adapter honours none or only some of the hooks. */
  readonly hooks?: string;
}

const HEURISTIC = 'the greedy is a heuristic: it proves neither optimality nor infeasibility';
const CLAIMS: Record<BackendName, Claims> = {
  glpk: {
    optimality: true,
    infeasibility: true,
    timeLimit: true,
    hooks:
      'glpk.js runs glp_intopt to the end in one call, with no callbacks, interrupt or start solution ' +
      '(the portfolio stops it by terminating its thread)',
  },
  highs: { optimality: true, infeasibility: true, timeLimit: true },
  jslp: {
    optimality: true,
    infeasibility:
      'javascript-lp-solver also reports "not feasible" for feasible programs it fails to solve, ' +
      'so the adapter never reads that as a proof',
    timeLimit: true,
    hooks: "javascript-lp-solver's Solve takes no callbacks and no start solution",
  },
  greedy: {
    optimality: HEURISTIC,
    infeasibility: HEURISTIC,
    timeLimit: 'the greedy is one pass in time linear in the model: it takes no time limit',
    hooks: 'the greedy is one pass: nothing to report, stop or start from',
  },
};

interface Loaded {
  readonly c: BackendCase;
  readonly model: AssignmentModel;
  readonly ip: IntegerProgram;
}

function load(c: BackendCase): Loaded {
  let model: AssignmentModel;
  if (c.orlib) {
    const text = readFileSync(fixturePath('gap', c.orlib.file), 'utf8');
    model = program(gapToProgram(parseGapFile(text, true)[c.orlib.index - 1]!, c.orlib.sense)).model;
  } else model = c.program ? program(c.program).model : snapshot(c.snapshot).model;
  return { c, model, ip: formulate(model, { symmetry: true }) };
}

const CASES = loadCases<BackendCase>('backends').map(load);
const byName = (name: string): Loaded => CASES.find((l) => l.c.name === name)!;

function run(backend: Backend, { c, model, ip }: Loaded, hooks?: SolveHooks, timeLimitMs = c.timeLimitMs) {
  return backend.solve({ model, ip, timeLimitMs, mipGap: 0 }, hooks);
}

const better = (sense: 'min' | 'max', a: number, b: number): boolean => (sense === 'min' ? a < b - 1e-6 : a > b + 1e-6);

/** The known optimum (brute force or published), if any. */
const knownOptimum = (c: BackendCase): number | undefined => c.want.optimum ?? c.want.published;

/** The contract every answer keeps, whatever the adapter claims. */
function assertContract({ c, model, ip }: Loaded, r: BackendResult): void {
  assert.ok(['optimal', 'feasible', 'infeasible', 'unknown'].includes(r.status), `status ${r.status}`);
  const known = knownOptimum(c);
  if (r.status === 'optimal' || r.status === 'feasible') {
    assert.ok(r.assignment, `${r.status} without a plan`);
    const v = verifyPlan(model, r.assignment, true);
    assert.ok(v.valid, v.violations.join('; '));
    if (r.objective !== undefined)
      assert.ok(Math.abs(r.objective + ip.offset - v.objective) <= 1e-6 * Math.max(1, Math.abs(v.objective)));
    assert.notEqual(c.want.optimum, null, 'a plan for a program that has none');
    if (known !== undefined) assert.ok(!better(model.sense, v.objective, known), `${v.objective} beats ${known}`);
    if (r.status === 'optimal' && known !== undefined) assert.equal(v.objective, known);
  } else if (r.assignment) {
    // An unknown answer may carry a partial plan (the greedy's): it still keeps every rule.
    assert.equal(r.status, 'unknown');
    assert.ok(verifyPlan(model, r.assignment, false).valid);
  }
  if (r.status === 'infeasible') assert.equal(c.want.optimum, null, 'infeasible, but a plan exists');
  if (r.bound !== undefined && known !== undefined)
    assert.ok(!better(model.sense, known, r.bound + ip.offset), `bound ${r.bound} past the optimum ${known}`);
}

/** An `it` that runs when the adapter makes the claim, and is skipped with the adapter's reason otherwise. */
function claimed(claim: true | string, title: string, body: () => void): void {
  if (claim === true) it(title, body);
  else it.skip(`${title} (skipped: ${claim})`, body);
}

function hookCases(backend: Backend, claims: Claims): void {
  const honours = (h: HookName): boolean => backend.hooks.includes(h);
  const why = claims.hooks ?? 'every hook honoured';
  const hooks = byName('hooks during a search');
  const start = byName('start plan');
  claimed(honours('start') || why, 'answers from a start plan, with it or a better one', () => {
    const r = run(backend, start, { start: Int32Array.from(start.c.start!) });
    assertContract(start, r);
    assert.ok(r.status === 'feasible' || r.status === 'optimal', r.note);
    assert.ok(!better('min', start.c.want.startObjective!, verifyPlan(start.model, r.assignment!, true).objective));
  });
  claimed(honours('onIncumbent') || why, 'reports incumbents that verify and that the answer does not lose', () => {
    const seen: number[] = [];
    const r = run(backend, hooks, { onIncumbent: (a) => seen.push(verifyPlan(hooks.model, a, true).objective) });
    assertContract(hooks, r);
    assert.ok(seen.length > 0 && seen.every((z) => Number.isFinite(z)), 'an invalid or no incumbent');
    const answer = verifyPlan(hooks.model, r.assignment!, true).objective;
    assert.ok(seen.every((z) => !better('min', z, answer)));
  });
  claimed(honours('onBound') || why, 'reports bounds that only improve and stay on the safe side', () => {
    const seen: number[] = [];
    assertContract(hooks, run(backend, hooks, { onBound: (b) => seen.push(b) }));
    assert.ok(seen.length > 0, 'no bound reported');
    seen.forEach((b, k) => {
      assert.ok(b + hooks.ip.offset <= hooks.c.want.published! + 1e-6);
      if (k > 0) assert.ok(b > seen[k - 1]!);
    });
  });
  claimed(honours('shouldStop') || why, 'stops when asked, before proving anything, with the contract kept', () => {
    let asked = 0;
    const r = run(backend, hooks, { shouldStop: () => ++asked > 0 }, 60_000);
    assertContract(hooks, r);
    assert.ok(asked > 0 && r.status !== 'optimal');
  });
  const ignored = (['onIncumbent', 'onBound', 'shouldStop'] as const).filter((h) => !honours(h));
  if (ignored.length > 0)
    it(`never calls the hooks it does not honour (${ignored.join(', ')})`, () => {
      const fail = (): never => assert.fail('called a hook it does not honour');
      const given = Object.fromEntries(ignored.map((h) => [h, fail])) as SolveHooks;
      assertContract(hooks, run(backend, hooks, given, 300));
    });
}

function runConformance(backend: Backend): void {
  const claims = CLAIMS[backend.name];
  describe(`backend conformance: ${backend.name}`, function () {
    this.timeout(120_000);
    before(async () => {
      await loadEngines();
    });
    for (const l of CASES)
      it(`keeps the contract on "${l.c.name}" (${l.c.file})`, () =>
        assertContract(l, run(backend, l, l.c.start ? { start: Int32Array.from(l.c.start) } : undefined)));
    for (const name of ['tiny minimisation', 'tiny maximisation', 'nothing fits, containers may stay out'])
      claimed(claims.optimality, `proves the optimum of "${name}"`, () => {
        const l = byName(name);
        const r = run(backend, l);
        assert.equal(r.status, 'optimal', r.note);
        assert.equal(verifyPlan(l.model, r.assignment!, true).objective, l.c.want.optimum);
      });
    for (const name of ['infeasible', 'nothing fits anywhere'])
      claimed(claims.infeasibility, `proves "${name}" infeasible`, () => {
        const r = run(backend, byName(name));
        assert.deepEqual([r.status, r.assignment], ['infeasible', undefined]);
      });
    claimed(claims.timeLimit, 'returns no plan when the time limit comes first (never an all-zero point)', () => {
      const r = run(backend, byName('time limit before any plan'));
      assert.deepEqual([r.status, r.assignment, r.objective], ['unknown', undefined, undefined], r.note);
    });
    hookCases(backend, claims);
  });
}

describe('backend conformance fixtures (fixtures/backends)', () => {
  it('hold what they say: brute-force optima, no columns where stated, the start plan at its cost', () => {
    for (const { c, model, ip } of CASES) {
      if (model.items.length <= 8) assert.equal(bruteForce(model), c.want.optimum, c.file);
      if (c.want.columns !== undefined) assert.equal(ip.varCost.length, c.want.columns, c.file);
      if (c.start) assert.equal(verifyPlan(model, Int32Array.from(c.start), true).objective, c.want.startObjective);
    }
  });
});

for (const backend of Object.values(BACKENDS)) runConformance(backend);
