import { greedyPlan } from '../greedy.js';
import type { Backend, BackendResult, SolveInput } from './backend.js';

/** The seed greedy as a backend: a complete greedy plan is `feasible`, an incomplete one `unknown`. */
export const greedyBackend: Backend = {
  name: 'greedy',
  solve({ model }: SolveInput): BackendResult {
    const assignment = greedyPlan(model);
    return assignment.includes(-1) ? { status: 'unknown', assignment, note: 'the greedy left containers unplaced' } : { status: 'feasible', assignment };
  },
};
