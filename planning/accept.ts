import type { AssignmentModel } from '../models/model.js';
import type { SolveOptions } from '../models/options.js';
import { objectivePrecision, precisionIssues, type ObjectivePrecision } from '../models/precision.js';
import { optionIssues, sizeIssues, type ProblemLimits, type Validated } from '../models/validate.js';
import { greedyPlan } from '../solver/greedy.js';
import { swarmAssignment } from '../solver/swarm.js';
import { greedyAfterBound } from '../solver/scale/solve.js';
import type { PlanSummary } from '../solver/outcome.js';
import { verifyPlan } from '../solver/verify.js';
import { invalid, tooLarge } from './errors.js';

/** A model ready to solve, with what every answer needs beside it. */
export interface Built {
  readonly model: AssignmentModel;
  readonly options: SolveOptions;
  readonly notes: readonly string[];
  /** Absent: the solve computes it (at scale with time to spare, after its first bound). */
  readonly greedy?: Int32Array;
  /**
   * The greedy plan verified where it was computed (an input thread for the service), so that the event loop
   * never walks a 150 000-container plan for it. Its assignment is `greedy` itself.
   */
  readonly greedyChecked?: PlanSummary;
  readonly precision: ObjectivePrecision;
  /** Docker Swarm input: Swarm's own plan (solver/swarm.ts), the baseline its answers show. */
  readonly swarm?: Int32Array;
  /** options.temporaryNodes: the model the change is ordered in, those nodes open (models/validate.ts). */
  readonly changeModel?: AssignmentModel;
}

/** Containers from which the greedy plan is verified where it is computed (tens of ms at 150 000). */
const VERIFY_HERE_FROM = 20_000;

/** A built model with its greedy plan. */
export type Seeded = Built & { readonly greedy: Int32Array };

/**
 * A validated body → a model ready to solve: its options and size within the limits (400, 422), its
 * objective exact (422), and its seed greedy plan. Shared by every route's preparation. With `greedy:
 * "in the solve"`, a model the solve takes at scale with time to spare leaves the greedy to the solver
 * thread, which computes it right after the first bound instead of before it (solver/scale/solve.ts).
 */
export function accept(v: Validated, limits: ProblemLimits): Seeded;
export function accept(v: Validated, limits: ProblemLimits, greedy: 'here' | 'in the solve'): Built;
export function accept(v: Validated, limits: ProblemLimits, when: 'here' | 'in the solve' = 'here'): Built {
  if (!v.ok) throw invalid(v.issues);
  const badOptions = optionIssues(v.options, limits);
  if (badOptions.length > 0) throw invalid(badOptions);
  const large = sizeIssues(v.model, limits);
  if (large.length > 0) throw tooLarge(large);
  const precision = objectivePrecision(v.model);
  const inexact = precisionIssues(precision);
  if (inexact.length > 0) throw tooLarge(inexact);
  const swarm = v.swarm && swarmAssignment(v.model.items, v.model.nodes, v.model.rules?.current, v.swarm);
  const base = {
    model: v.model,
    options: v.options,
    notes: v.notes ?? [],
    precision,
    ...(swarm ? { swarm } : {}),
    ...(v.changeModel ? { changeModel: v.changeModel } : {}),
  };
  const later = when === 'in the solve' && v.options.solver !== 'greedy';
  if (later && greedyAfterBound(v.model, v.options.timeLimitMs)) return base;
  const greedy = greedyPlan(v.model);
  // Small plans are verified on the event loop (in well under a millisecond): the input thread is what a
  // burst of small requests waits for.
  if (v.model.items.length < VERIFY_HERE_FROM) return { ...base, greedy };
  const greedyChecked = { assignment: greedy, verification: verifyPlan(v.model, greedy, false) };
  return { ...base, greedy, greedyChecked };
}
