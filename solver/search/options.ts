import type { AssignmentModel } from '../../models/model.js';

/**
 * What the portfolio's second-worker searches share (chains.ts, subsets.ts, lns.ts, colgen.ts): where
 * they apply, the options they take, and one seeded random generator.
 */

/**
 * The plain cost models every search takes: no balance or pack weights, group rules, node preferences or
 * unplaced containers, at least two containers. There, a sub-problem over some containers with the capacity
 * the others leave is exactly the original problem restricted, and the cost is the whole objective.
 */
export function searchesApply(model: AssignmentModel): boolean {
  return (
    model.objective === undefined &&
    !model.rules?.unplacedPenalty &&
    (model.rules?.groups.length ?? 0) === 0 &&
    (model.rules?.nodePreferences?.length ?? 0) === 0 &&
    model.items.length >= 2
  );
}

export interface SearchOptions {
  readonly deadline: number;
  readonly seed?: number;
  /**
   * A better plan found elsewhere (e.g. by HiGHS in the other worker), polled now and then; the search continues from
   * it.
   */
  readonly poll?: () => Int32Array | undefined;
  /** Each strictly better plan that fits, as it is found (objective in the model's sense). */
  readonly onImprove?: (plan: Int32Array, objective: number) => void;
}

/** Uniform numbers in [0, 1) from a linear congruential generator (the searches' own, so runs repeat). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}
