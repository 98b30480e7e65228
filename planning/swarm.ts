import type { AssignmentModel } from '../models/model.js';
import type { AssignmentForm } from '../models/options.js';
import { verifyPlan } from '../solver/verify.js';
import { gapOf, planJson } from './answer.js';
import type { SwarmSide } from './schemas.js';

/**
 * The Swarm part of an answer to Docker Swarm input: Swarm's own plan (solver/swarm.ts) checked by the verifier,
 * its objective, the tasks it leaves pending, and its gaps to the best plan and to the proven bound.
 */
export function swarmJson(
  model: AssignmentModel,
  plan: Int32Array,
  best: { readonly objective: number | null; readonly bound: number | null },
  form: AssignmentForm,
): SwarmSide {
  const verification = verifyPlan(model, plan, false);
  const complete = verification.complete || model.rules?.unplacedPenalty !== undefined;
  const objective = verification.valid && complete ? verification.objective : null;
  return {
    objective,
    parts: verification.parts,
    valid: verification.valid,
    ...(verification.valid ? {} : { violations: verification.violations.slice(0, 10) }),
    placed: verification.placed,
    pending: model.items.filter((_, j) => plan[j]! < 0),
    gapToBest: gapOf(objective, best.objective),
    gapToBound: gapOf(objective, best.bound),
    ...planJson(model, { assignment: plan, verification }, form),
  };
}
