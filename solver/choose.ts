import { senseSign, type AssignmentModel } from '../models/model.js';
import type { BackendName } from '../models/options.js';
import type { ObjectivePrecision } from '../models/precision.js';
import { gridBound, relativeGap, tighterBound } from './bounds.js';
import type { PlanSource, ProgramSize, WorkerResult } from './protocol.js';
import { fitsNowhereReasons, totalDemandReasons, unplacedReasons, type Reason } from './reasons.js';
import type { BackendReport, PlanSummary, SolveOutcome, Source } from './outcome.js';
import { verifyPlan, type Verification } from './verify.js';

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
  /** The worker's verification of `greedy`, when it sent one. */
  greedyVerification?: Verification;
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

/** Whether the bound, on the costs' grid, proves the objective optimal (as decide() reads it). */
export function provesOptimal(
  sense: 'min' | 'max',
  objective: number,
  bound: number,
  precision: ObjectivePrecision,
): boolean {
  const b = gridBound(sense, bound, precision.resolution);
  return b !== undefined && meets(sense, objective, b, precision) && !refutes(sense, objective, b, precision);
}

/** Whether a verified objective is better than the bound beyond the tolerance of `meets`: the bound is wrong. */
function refutes(sense: 'min' | 'max', objective: number, bound: number, p: ObjectivePrecision): boolean {
  const beyond = sense === 'min' ? bound - objective : objective - bound;
  if (p.resolution !== undefined) return beyond >= p.resolution / 2;
  return beyond > NON_DECIMAL_TOLERANCE * Math.max(1, p.scale);
}

/** Why the scale path stepped aside (the greedy then stands without a bound), in the answer's notes too. */
function stepAsideNotes(runs: readonly Finished[], notes: string[]): void {
  for (const r of runs) {
    const note = r.result?.result.note;
    if (!note?.startsWith('the scale path does not hold')) continue;
    const said = `${note}: the plan comes from the heuristics, with no bound from the aggregate program`;
    if (!notes.includes(said)) notes.push(said);
  }
}

/** How each backend's run ended, for the answer, named by the engine that actually ran. */
function reportsOf(runs: readonly Finished[]): BackendReport[] {
  return runs.map((r) => {
    const res = r.result;
    if (!res) return { name: r.backend, status: r.failed ? 'failed' : 'stopped', solverMs: null };
    const status = r.stopped ? 'stopped' : res.result.status;
    const note = res.result.note ? { note: res.result.note } : {};
    return { name: res.engine ?? r.backend, status, solverMs: res.solverMs, ...note };
  });
}

interface Candidate {
  readonly source: Source;
  readonly assignment: Int32Array;
  /** The objective its producer claims (model terms; NaN when none). */
  readonly claimed: number;
}

/**
 * The backends' final plans, those that proved optimal first (of equal plans, the answer names the engine that
 * proved it, not one stopped when the other won), then the incumbents posted during the search, in the order
 * they came.
 */
function candidatesOf(runs: readonly Finished[], progress: Gathered): Candidate[] {
  const out: Candidate[] = [];
  const proved = (r: Finished): number => (r.result?.result.status === 'optimal' ? 0 : 1);
  for (const r of [...runs].sort((a, b) => proved(a) - proved(b))) {
    const res = r.result?.result;
    if (res?.assignment && res.status !== 'unknown') {
      out.push({ source: r.result?.source ?? r.backend, assignment: res.assignment, claimed: res.objective ?? NaN });
    }
  }
  for (const inc of progress.incumbents)
    out.push({ source: inc.source, assignment: inc.assignment, claimed: inc.objective });
  return out;
}

/**
 * verifyPlan, once per distinct plan: a backend's result and the incumbent it posted are equal copies
 * (each check of a 150 000-container plan takes tens of milliseconds of the event loop).
 */
type Verify = (assignment: Int32Array) => Verification;

function verifier(model: AssignmentModel, known: PlanSummary): Verify {
  const done: { assignment: Int32Array; verification: Verification }[] = [];
  // A complete greedy plan verifies the same whether completeness is required or not: it is not walked again.
  if (known.verification.complete) done.push(known);
  const same = (a: Int32Array, b: Int32Array): boolean => a.length === b.length && a.every((x, j) => x === b[j]);
  return (assignment) => {
    const known = done.find((d) => d.assignment === assignment || same(d.assignment, assignment));
    if (known) return known.verification;
    const verification = verifyPlan(model, assignment, true);
    done.push({ assignment, verification });
    return verification;
  };
}

/** The tightest bound posted or returned; a backend's bound counts only if its plan verifies. */
function provenBound(
  model: AssignmentModel,
  runs: readonly Finished[],
  progress: Gathered,
  verify: Verify,
): number | undefined {
  let bound = progress.bound;
  for (const r of runs) {
    const res = r.result?.result;
    if (!res || res.bound === undefined) continue;
    if (!res.assignment || verify(res.assignment).valid) bound = tighterBound(model.sense, bound, res.bound);
  }
  return bound;
}

/**
 * The best plan that verifies: candidates best claimed first (ties in order), each verified, stopping at
 * the first whose verified objective is its claim (none after it can claim better); the greedy if better.
 */
function bestVerified(
  model: AssignmentModel,
  candidates: readonly Candidate[],
  greedy: PlanSummary,
  notes: string[],
  verify: Verify,
): { source: Source; plan: PlanSummary } | undefined {
  const sign = senseSign(model.sense);
  const key = (c: Candidate): number => (Number.isNaN(c.claimed) ? Infinity : sign * c.claimed);
  const order = candidates.map((c, k) => ({ c, k })).sort((x, y) => key(x.c) - key(y.c) || x.k - y.k);
  let best: { source: Source; plan: PlanSummary } | undefined;
  for (const { c } of order) {
    const verification = verify(c.assignment);
    if (!verification.valid) {
      notes.push(
        `a ${c.source} plan failed verification and was discarded: ${verification.violations.slice(0, 3).join('; ')}`,
      );
      continue;
    }
    if (!best || sign * verification.objective < sign * best.plan.verification.objective) {
      best = { source: c.source, plan: { assignment: c.assignment, verification } };
    }
    if (
      !Number.isNaN(c.claimed) &&
      Math.abs(verification.objective - c.claimed) <= 1e-9 * Math.max(1, Math.abs(c.claimed))
    )
      break;
  }
  const greedyCounts = greedy.verification.complete || model.rules?.unplacedPenalty !== undefined;
  if (greedyCounts && (!best || sign * greedy.verification.objective < sign * best.plan.verification.objective)) {
    best = { source: 'greedy', plan: greedy };
  }
  return best;
}

type Decided = Omit<SolveOutcome, 'timings' | 'notes' | 'program' | 'greedy' | 'backends'>;

/** No complete plan: infeasible when proven (by a backend or by a count of ours), unknown otherwise. */
function withoutPlan(
  model: AssignmentModel,
  runs: readonly Finished[],
  progress: Gathered,
  greedy: PlanSummary,
  bound: number | undefined,
  notes: string[],
): Decided {
  const proving = runs.find((r) => r.result?.result.status === 'infeasible');
  const proof = proving ? (proving.result?.engine ?? proving.backend) : undefined;
  const ours = model.rules?.unplacedPenalty
    ? []
    : [...fitsNowhereReasons(model, progress.unplaceable ?? []), ...totalDemandReasons(model)];
  const none = { source: 'greedy' as const, plan: greedy, objective: null, gap: null };
  if (ours.length > 0) return { ...none, status: 'infeasible', bound: null, reasons: ours };
  if (proof === undefined) {
    notes.push('no complete plan was found within the time limit');
    return { ...none, status: 'unknown', bound: bound ?? null, reasons: [] };
  }
  const reasons: Reason[] = [
    {
      kind: 'solver-proof',
      solver: proof,
      message: `${proof} proved that no plan places every container (each fits somewhere alone, but not all together)`,
    },
  ];
  return { ...none, status: 'infeasible', bound: null, reasons };
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
  stepAsideNotes(runs, notes);
  // Every objective is on the costs' grid: so is the tightest bound that holds.
  const verify = verifier(model, greedy);
  const bound = gridBound(model.sense, provenBound(model, runs, progress, verify), precision.resolution);
  const best = bestVerified(model, candidatesOf(runs, progress), greedy, notes, verify);
  const common = { greedy, notes, backends: reportsOf(runs), program: progress.program ?? null };
  if (!best) return { ...withoutPlan(model, runs, progress, greedy, bound, notes), ...common };
  const objective = best.plan.verification.objective;
  const reasons = best.plan.verification.complete ? [] : unplacedReasons(model, best.plan.assignment);
  const chosen = { source: best.source, plan: best.plan, objective, reasons };
  if (bound !== undefined && refutes(model.sense, objective, bound, precision)) {
    notes.push(
      `a verified plan (${objective}) is better than the bound a solver claimed (${bound}): the solver's numerics ` +
        'failed, so the bound is dropped and no optimality is claimed',
    );
    return { ...chosen, status: 'feasible', bound: null, gap: null, ...common };
  }
  if (bound !== undefined && meets(model.sense, objective, bound, precision))
    return { ...chosen, status: 'optimal', bound: objective, gap: 0, ...common };
  return {
    ...chosen,
    status: 'feasible',
    bound: bound ?? null,
    gap: bound === undefined ? null : relativeGap(objective, bound),
    ...common,
  };
}
