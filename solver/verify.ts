import { demandUnits, type AssignmentModel } from '../models/model.js';

/**
 * The independent plan verifier. It reads only the validated model (the caller's numbers, exact) and the
 * plan, never the formulation: each container on at most one existing node (exactly one when
 * `requireComplete`), every node's capacity held for every resource in exact integer arithmetic, and the
 * objective recomputed from the costs.
 */
export interface Verification {
  readonly valid: boolean;
  readonly complete: boolean;
  readonly placed: number;
  readonly objective: number;
  readonly violations: readonly string[];
  /** used[k][i]: exact units of resource k used on node i by the plan. */
  readonly used: readonly (readonly bigint[])[];
}

export function verifyPlan(model: AssignmentModel, plan: ArrayLike<number>, requireComplete: boolean): Verification {
  const n = model.nodes.length;
  const m = model.items.length;
  const violations: string[] = [];
  const used = model.resources.map(() => new Array<bigint>(n).fill(0n));
  if (plan.length !== m) {
    return { valid: false, complete: false, placed: 0, objective: NaN, violations: [`plan has ${plan.length} entries for ${m} containers`], used };
  }
  let placed = 0;
  let objective = 0;
  for (let j = 0; j < m; j++) {
    const i = plan[j]!;
    if (i === -1) {
      if (requireComplete) violations.push(`container "${model.items[j]}" is not placed`);
      continue;
    }
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      violations.push(`container "${model.items[j]}" is on node index ${i}, which does not exist`);
      continue;
    }
    placed++;
    objective += model.cost[i * m + j]!;
    model.resources.forEach((r, k) => {
      used[k]![i]! += demandUnits(r, i, j, m);
    });
  }
  model.resources.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      if (used[k]![i]! > r.capacity[i]!) violations.push(`node "${model.nodes[i]}" is over its ${r.name} capacity`);
    }
  });
  return { valid: violations.length === 0, complete: placed === m, placed, objective, violations, used };
}
