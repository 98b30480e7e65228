import assert from 'node:assert/strict';
import { outcomeJson } from '../../planning/answer.js';
import { greedyPlan } from '../../solver/greedy.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { bruteForce, loadCases, snapshot } from '../helpers.js';
import { sharedPool } from '../setup.js';

/** Named snapshot cases in fixtures/plan/, each with its expected outcome. */
interface PlanCase {
  name: string;
  description: string;
  input: unknown;
  want: {
    status: string;
    objective?: number;
    plan?: Record<string, string[]>;
    reasons?: Record<string, string>[];
    greedy: { objective: number | null; plan: Record<string, string[]>; unplaced?: string[] };
  };
}

/** node → sorted containers, from a list of assignments (every node present). */
function byNode(
  nodes: readonly string[],
  assignments: readonly { container: string; node: string }[],
): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(nodes.map((n) => [n, [] as string[]]));
  for (const a of assignments) out[a.node]!.push(a.container);
  for (const list of Object.values(out)) list.sort();
  return out;
}

const sorted = (plan: Record<string, string[]>): Record<string, string[]> =>
  Object.fromEntries(Object.entries(plan).map(([k, v]) => [k, [...v].sort()]));

describe('snapshot fixtures (fixtures/plan)', () => {
  for (const c of loadCases<PlanCase>('plan')) {
    it(`${c.name} (${c.file})`, async () => {
      const v = snapshot(c.input);
      const outcome = await solveModel(v.model, v.options, sharedPool());
      const json = outcomeJson(v.model, outcome) as unknown as {
        status: string;
        objective: number | null;
        assignments: { container: string; node: string }[];
        unplaced: string[];
        reasons?: Record<string, unknown>[];
        greedy: { objective: number | null; assignments: { container: string; node: string }[]; unplaced: string[] };
      };
      assert.equal(json.status, c.want.status);
      // Every returned plan verifies (partial plans for infeasible answers).
      assert.ok(verifyPlan(v.model, outcome.plan.assignment, c.want.status !== 'infeasible').valid);
      if (c.want.objective !== undefined) {
        assert.ok(
          Math.abs(json.objective! - c.want.objective) < 1e-9,
          `objective ${json.objective}, want ${c.want.objective}`,
        );
        // An independent check: brute force over every assignment of these tiny snapshots.
        const brute = bruteForce(v.model);
        assert.ok(brute !== null && Math.abs(brute - c.want.objective) < 1e-9, `brute force ${brute}`);
      }
      if (c.want.status === 'infeasible') assert.equal(bruteForce(v.model), null);
      if (c.want.plan) assert.deepEqual(byNode(v.model.nodes, json.assignments), sorted(c.want.plan));
      for (const want of c.want.reasons ?? []) {
        assert.ok(
          json.reasons?.some((r) => Object.entries(want).every(([k, val]) => r[k] === val)),
          `missing reason ${JSON.stringify(want)} in ${JSON.stringify(json.reasons)}`,
        );
      }
      // The greedy plan is exactly the rule's.
      assert.deepEqual(byNode(v.model.nodes, json.greedy.assignments), sorted(c.want.greedy.plan));
      assert.deepEqual(json.greedy.unplaced, c.want.greedy.unplaced ?? []);
      if (c.want.greedy.objective === null) assert.equal(json.greedy.objective, null);
      else
        assert.ok(
          Math.abs(json.greedy.objective! - c.want.greedy.objective) < 1e-9,
          `greedy objective ${json.greedy.objective}`,
        );
    });
  }

  it('the seed example places containers in the rule order: 3, 1, 2, 4 on node-1, then 5 on node-2', () => {
    const c = loadCases<PlanCase>('plan').find((x) => x.file === 'seed-example.json')!;
    const v = snapshot(c.input);
    assert.deepEqual(Array.from(greedyPlan(v.model)), [0, 0, 0, 0, 1]);
  });
});
