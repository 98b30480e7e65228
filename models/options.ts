import { z } from 'zod';
import './messages.js';

/** Solver settings a caller may choose: `auto` (the default portfolio) or one backend. */
export const SOLVER_NAMES = ['auto', 'glpk', 'highs', 'jslp', 'greedy'] as const;
export type SolverName = (typeof SOLVER_NAMES)[number];
/** A single backend (`auto` is the portfolio that races glpk and highs). */
export type BackendName = Exclude<SolverName, 'auto'>;

/** Default time limit when a request gives none (ms). */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

/**
 * Solve options shared by snapshots and programs.
 * - timeLimitMs: wall-clock budget in milliseconds for the whole solve (default 10 000; the server caps it).
 * - mipGap: relative gap at which the exact solver may stop (default 0 = prove optimality).
 * - solver: "auto" (default) races HiGHS and GLPK; or pin one backend. The greedy always runs beside it.
 * - symmetry: aggregate identical containers and order identical nodes (default true; the optimum is unchanged).
 */
export const SolveOptionsSchema = z.strictObject({
  timeLimitMs: z.number().int().min(1).optional(),
  mipGap: z.number().min(0).max(1).optional(),
  solver: z.enum(SOLVER_NAMES).optional(),
  symmetry: z.boolean().optional(),
});
export type SolveOptionsInput = z.infer<typeof SolveOptionsSchema>;

/**
 * How a snapshot's answer lists its plans: `list` (default), `{container, node}` per container; `byNode`, the
 * containers on each node that runs any, which is some five times smaller at scale.
 */
export const ASSIGNMENT_FORMS = ['list', 'byNode'] as const;
export type AssignmentForm = (typeof ASSIGNMENT_FORMS)[number];

export interface SolveOptions {
  readonly timeLimitMs: number;
  readonly mipGap: number;
  readonly solver: SolverName;
  /** Symmetry-aware formulation (identical containers aggregated, identical nodes ordered); default true. */
  readonly symmetry: boolean;
  /** How the answer lists its plans (snapshots only; programs answer with node indices); absent: `list`. */
  readonly assignments?: AssignmentForm;
  /** Answer with the ordered waves from today's placement to the plan (snapshots only, docs/changes.md). */
  readonly changes?: boolean;
  /** Nodes the plan leaves empty that the change may park pods on (options.temporaryNodes, docs/changes.md). */
  readonly temporaryNodes?: readonly string[];
}

export function resolveOptions(
  input:
    | (SolveOptionsInput & {
        readonly assignments?: AssignmentForm | undefined;
        readonly changes?: boolean | undefined;
        readonly temporaryNodes?: readonly string[] | undefined;
      })
    | undefined,
): SolveOptions {
  return {
    timeLimitMs: input?.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS,
    mipGap: input?.mipGap ?? 0,
    solver: input?.solver ?? 'auto',
    symmetry: input?.symmetry ?? true,
    ...(input?.assignments ? { assignments: input.assignments } : {}),
    ...(input?.changes ? { changes: true } : {}),
    ...(input?.changes && input.temporaryNodes?.length ? { temporaryNodes: input.temporaryNodes } : {}),
  };
}
