import type { AssignmentModel } from '../models/model.js';
import type { SolveOptions } from '../models/options.js';
import { objectivePrecision, precisionIssues, type ObjectivePrecision } from '../models/precision.js';
import { optionIssues, sizeIssues, type ProblemLimits, type Validated } from '../models/validate.js';
import { greedyPlan } from '../solver/greedy.js';
import { invalid, tooLarge } from './errors.js';

/** A model ready to solve, with what every answer needs beside it. */
export interface Built {
  readonly model: AssignmentModel;
  readonly options: SolveOptions;
  readonly notes: readonly string[];
  readonly greedy: Int32Array;
  readonly precision: ObjectivePrecision;
}

/**
 * A validated body → a model ready to solve: its options and size within the limits (400, 422), its
 * objective exact (422), and its seed greedy plan. Shared by every route's preparation.
 */
export function accept(v: Validated, limits: ProblemLimits): Built {
  if (!v.ok) throw invalid(v.issues);
  const badOptions = optionIssues(v.options, limits);
  if (badOptions.length > 0) throw invalid(badOptions);
  const large = sizeIssues(v.model, limits);
  if (large.length > 0) throw tooLarge(large);
  const precision = objectivePrecision(v.model);
  const inexact = precisionIssues(precision);
  if (inexact.length > 0) throw tooLarge(inexact);
  return { model: v.model, options: v.options, notes: v.notes ?? [], greedy: greedyPlan(v.model), precision };
}
