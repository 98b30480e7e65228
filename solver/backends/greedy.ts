import { greedyPlan } from '../greedy.js';
import type { Backend, BackendResult, SolveInput } from './backend.js';

/** A greedy plan as a backend result: complete is `feasible`, incomplete `unknown`. */
export function greedyResult(assignment: Int32Array): BackendResult {
  return assignment.includes(-1)
    ? { status: 'unknown', assignment, note: 'the greedy left containers unplaced' }
    : { status: 'feasible', assignment };
}

/** The seed greedy as a backend. */
export const greedyBackend: Backend = {
  name: 'greedy',
  hooks: [],
  solve: ({ model }: SolveInput): BackendResult => greedyResult(greedyPlan(model)),
};
