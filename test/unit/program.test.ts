import assert from 'node:assert/strict';
import { outcomeJson } from '../../planning/answer.js';
import { solveModel } from '../../solver/solve.js';
import { bruteForce, loadCases, program } from '../helpers.js';
import { sharedPool } from '../setup.js';

/** Named program cases in fixtures/solve/, solved in both senses. */
interface ProgramCase {
  name: string;
  input: Record<string, unknown>;
  want: Record<'min' | 'max', { status: string; objective: number; assignment: number[] }> & {
    greedy: { assignment: number[] };
  };
}

describe('program fixtures (fixtures/solve)', () => {
  for (const c of loadCases<ProgramCase>('solve')) {
    for (const sense of ['min', 'max'] as const) {
      it(`${c.name}, ${sense} (${c.file})`, async () => {
        const v = program({ ...c.input, sense });
        const json = outcomeJson(v.model, await solveModel(v.model, v.options, sharedPool())) as unknown as {
          status: string;
          objective: number;
          assignment: (number | null)[];
          greedy: { assignment: (number | null)[] };
        };
        const want = c.want[sense];
        assert.equal(json.status, want.status);
        assert.equal(json.objective, want.objective);
        assert.equal(bruteForce(v.model), want.objective);
        assert.deepEqual(json.assignment, want.assignment);
        assert.deepEqual(json.greedy.assignment, c.want.greedy.assignment);
      });
    }
  }
});
