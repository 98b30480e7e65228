import { senseSign, type AssignmentModel } from '../models/model.js';
import type { BackendName } from '../models/options.js';
import type { ObjectivePrecision } from '../models/precision.js';
import { relativeGap, tighterBound } from './bounds.js';
import type { PlanSource, ProgramSize, WorkerResult } from './protocol.js';
import { fitsNowhereReasons, totalDemandReasons, unplacedReasons, type Reason } from './reasons.js';
import type { BackendReport, PlanSummary, SolveOutcome, Source } from './outcome.js';
import { verifyPlan } from './verify.js';

/**
 * Which plan and which status: the decision at the end of a solve, as a pure function of what the
 * backends returned and posted. It verifies the candidates (best claimed objective first) and never
 * returns one that fails; a status is optimal only when the verified objective meets a proven bound.
 */

/** What one backend's run came to. */
export interface Finished {
  readonly backend: BackendName;
  readonly result?: WorkerResult;
  readonly failed: boolean;
  /** It returned only because it was asked to stop: reported `stopped`. */
  readonly stopped: boolean;
}

/** Everything the workers posted while they ran. */
export interface Gathered {
  greedy?: Int32Array;
  bound?: number | undefined;
  unplaceable?: readonly number[];
  program?: ProgramSize;
  incumbents: { assignment: Int32Array; source: PlanSource; objective: number }[];
}

/** Relative tolerance for "optimal" when costs are not decimal numbers (× the objective's scale). */
const NON_DECIMAL_TOLERANCE = 1e-9;

/** Whether the objective meets the bound, exactly on the resolution's grid or within the tolerance. */
function meets(sense: 'min' | 'max', objective: number, bound: number, p: ObjectivePrecision): boolean {
  const slack = sense === 'min' ? objective - bound : bound - objective;
  if (p.resolution !== undefined) return slack < p.resolution / 2;
  return slack <= NON_DECIMAL_TOLERANCE * Math.max(1, p.scale);
}

/**
 * The returned plan and status: the best verified candidate (backends' final plans and incumbents, best
 * claimed objective first; the greedy last), the tightest bound of those whose plans verified, the
 * status it proves, and the reasons for what is left out.
 */
export function decide(
  model: AssignmentModel,
  runs: readonly Finished[],
  progress: Gathered,
  greedy: PlanSummary,
  precision: ObjectivePrecision,
  notes: string[],
): Omit<SolveOutcome, 'timings'> {
  const reports: BackendReport[] = runs.map((r) => {
    const res = r.result;
    if (res)
      return {
        name: r.backend,
        status: r.stopped ? 'stopped' : res.result.status,
        solverMs: res.solverMs,
        ...(res.result.note ? { note: res.result.note } : {}),
      };
    return { name: r.backend, status: r.failed ? 'failed' : 'stopped', solverMs: null };
  });
  // Proofs of infeasibility of our own (read only when no plan was found).
  const proofs = (): Reason[] =>
    model.rules?.unplacedPenalty
      ? []
      : [...fitsNowhereReasons(model, progress.unplaceable ?? []), ...totalDemandReasons(model)];
  const finish = (
    o: Omit<SolveOutcome, 'timings' | 'notes' | 'program' | 'greedy' | 'backends'>,
  ): Omit<SolveOutcome, 'timings'> => ({
    ...o,
    greedy,
    notes,
    backends: reports,
    program: progress.program ?? null,
  });
  const sign = senseSign(model.sense);
  const candidates: { source: Source; assignment: Int32Array; claimed: number; final: boolean }[] = [];
  let bound = progress.bound;
  let infeasibleProof: BackendName | undefined;
  for (const r of runs) {
    const res = r.result?.result;
    if (!res) continue;
    if (res.status === 'infeasible') infeasibleProof ??= r.backend;
    if (res.assignment && res.status !== 'unknown')
      candidates.push({
        source: r.result?.source ?? r.backend,
        assignment: res.assignment,
        claimed: res.objective ?? NaN,
        final: true,
      });
  }
  for (const inc of progress.incumbents)
    candidates.push({ source: inc.source, assignment: inc.assignment, claimed: inc.objective, final: false });
  // A backend's bound is a proof only if its plan verifies (an optimal claim on a discarded plan proves nothing).
  for (const r of runs) {
    const res = r.result?.result;
    if (!res || res.bound === undefined) continue;
    if (!res.assignment || verifyPlan(model, res.assignment, true).valid)
      bound = tighterBound(model.sense, bound, res.bound);
  }
  // Best claimed first (ties: final plans before incumbents, in run order); the first that verifies wins.
  const order = candidates
    .map((c, k) => ({ c, k }))
    .sort(
      (a, b) =>
        sign *
          ((Number.isNaN(a.c.claimed) ? Infinity * sign : a.c.claimed) -
            (Number.isNaN(b.c.claimed) ? Infinity * sign : b.c.claimed)) || a.k - b.k,
    );
  let best: { source: Source; plan: PlanSummary } | undefined;
  for (const { c } of order) {
    const verification = verifyPlan(model, c.assignment, true);
    if (!verification.valid) {
      notes.push(
        `a ${c.source} plan failed verification and was discarded: ${verification.violations.slice(0, 3).join('; ')}`,
      );
      continue;
    }
    if (!best || sign * verification.objective < sign * best.plan.verification.objective)
      best = { source: c.source, plan: { assignment: c.assignment, verification } };
    if (
      !Number.isNaN(c.claimed) &&
      Math.abs(verification.objective - c.claimed) <= 1e-9 * Math.max(1, Math.abs(c.claimed))
    )
      break;
  }
  if (greedy.verification.complete || model.rules?.unplacedPenalty) {
    if (!best || sign * greedy.verification.objective < sign * best.plan.verification.objective)
      best = { source: 'greedy', plan: greedy };
  }
  const reasons = best ? [] : proofs();
  if (!best && (infeasibleProof !== undefined || reasons.length > 0)) {
    if (reasons.length === 0) {
      reasons.push({
        kind: 'solver-proof',
        solver: infeasibleProof ?? 'glpk',
        message:
          `${infeasibleProof} proved that no plan places every ` +
          `container (each fits somewhere alone, but not all together)`,
      });
    }
    return finish({
      status: 'infeasible',
      source: 'greedy',
      plan: greedy,
      objective: null,
      bound: null,
      gap: null,
      reasons,
    });
  }
  if (!best) {
    notes.push('no complete plan was found within the time limit');
    return finish({
      status: 'unknown',
      source: 'greedy',
      plan: greedy,
      objective: null,
      bound: bound ?? null,
      gap: null,
      reasons: [],
    });
  }
  const chosen: { source: Source; plan: PlanSummary } = best;
  const objective = chosen.plan.verification.objective;
  const optimal = bound !== undefined && meets(model.sense, objective, bound, precision);
  const left = chosen.plan.verification.complete ? [] : unplacedReasons(model, chosen.plan.assignment);
  if (optimal)
    return finish({
      status: 'optimal',
      source: chosen.source,
      plan: chosen.plan,
      objective,
      bound: objective,
      gap: 0,
      reasons: left,
    });
  return finish({
    status: 'feasible',
    source: chosen.source,
    plan: chosen.plan,
    objective,
    bound: bound ?? null,
    gap: bound === undefined ? null : relativeGap(objective, bound),
    reasons: left,
  });
}
