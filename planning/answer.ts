import type { AssignmentForm } from '../models/options.js';
import { resourceNameAt, unitsToNumber, type AssignmentModel } from '../models/model.js';
import type { PlanSummary, SolveOutcome } from '../solver/solve.js';
import { relativeGap } from '../solver/bounds.js';
import { hasPreferences, hasTopologyPart, preferenceTerms, verifyPlan, type PreferenceTerm } from '../solver/verify.js';
import { topologyJson } from './topology.js';
import type {
  TopologyAnswer,
  Answer,
  EvaluateAnswer,
  EvaluationComparisonSchema,
  PlanAnswer,
  PlanComparisonSchema,
  PlanJson,
} from './schemas.js';

/**
 * Turns a solve outcome into the JSON answer, the same for the API and the CLI. Snapshots name
 * containers and nodes (`assignments`); programs give the node index per container (`assignment`).
 * The answer types are the zod schemas' (planning/schemas.ts), which the OpenAPI document publishes.
 */
type Comparison<L extends string, O extends string> = L extends 'plan'
  ? Answer<typeof PlanComparisonSchema>
  : O extends 'given'
    ? Answer<typeof EvaluationComparisonSchema>
    : never;

/** The plan answer before the use case adds its timings (from the request's arrival) and explanation. */
export type OutcomeJson = Omit<PlanAnswer, 'timings' | 'explanation'> & { timings: SolveOutcome['timings'] };

/** A plan as the answer lists it: per container (`list`), or per node (`byNode`); programs by node index. */
export function planJson(model: AssignmentModel, plan: PlanSummary, form: AssignmentForm = 'list'): PlanJson {
  const a = plan.assignment;
  if (model.kind === 'program') {
    const all = Array.from(a);
    return { assignment: all.map((i) => (i < 0 ? null : i)), unplaced: all.flatMap((i, j) => (i < 0 ? [j] : [])) };
  }
  const unplaced: string[] = [];
  for (let j = 0; j < a.length; j++) if (a[j]! < 0) unplaced.push(model.items[j]!);
  const current = model.rules?.current;
  return {
    ...(form === 'byNode' ? { placements: placementsOf(model, a) } : { assignments: assignmentsOf(model, a) }),
    unplaced,
    ...(current && current.some((c) => c >= 0) ? { moves: movesOf(model, a, current) } : {}),
  };
}

/** {container, node} per placed container, in container order. */
function assignmentsOf(model: AssignmentModel, a: Int32Array): { container: string; node: string }[] {
  // Loops, not flatMap: 150 000 containers are answered in some 20 ms rather than 100.
  const assignments: { container: string; node: string }[] = [];
  for (let j = 0; j < a.length; j++)
    if (a[j]! >= 0) assignments.push({ container: model.items[j]!, node: model.nodes[a[j]!]! });
  return assignments;
}

/** The containers on each node that runs any: nodes in node order, containers in container order. */
function placementsOf(model: AssignmentModel, a: Int32Array): Record<string, string[]> {
  const on: string[][] = model.nodes.map(() => []);
  for (let j = 0; j < a.length; j++) if (a[j]! >= 0) on[a[j]!]!.push(model.items[j]!);
  const placements: Record<string, string[]> = {};
  on.forEach((names, i) => {
    if (names.length > 0) placements[model.nodes[i]!] = names;
  });
  return placements;
}

/** The containers running now that the plan moves or takes out. */
function movesOf(model: AssignmentModel, a: Int32Array, current: Int32Array) {
  const moves: { container: string; from: string; to: string | null }[] = [];
  for (let j = 0; j < a.length; j++) {
    const from = current[j]!;
    if (from >= 0 && a[j] !== from)
      moves.push({ container: model.items[j]!, from: model.nodes[from]!, to: a[j]! < 0 ? null : model.nodes[a[j]!]! });
  }
  return moves;
}

/** used / capacity per node and resource (resources with zero capacity on a node are left out). */
export function utilization(model: AssignmentModel, plan: PlanSummary): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  model.nodes.forEach((node, i) => {
    const row: Record<string, number> = {};
    model.resources.forEach((r, k) => {
      const cap = r.capacity[i] ?? 0n;
      const used = plan.verification.used[k]![i]!;
      if (cap > 0n) row[resourceNameAt(r, i)] = unitsToNumber(used, r.scale) / unitsToNumber(cap, r.scale);
    });
    out[node] = row;
  });
  return out;
}

/** A relative gap |a − b| / (|a| + ε), or null when either side is missing. */
export function gapOf(objective: number | null, reference: number | null): number | null {
  if (objective === null || reference === null || !Number.isFinite(objective) || !Number.isFinite(reference))
    return null;
  return relativeGap(objective, reference);
}

/** The nodes a plan uses, in node order. */
function nodesUsed(model: AssignmentModel, plan: ArrayLike<number>): string[] {
  const used = new Uint8Array(model.nodes.length);
  for (let j = 0; j < plan.length; j++) if (plan[j]! >= 0) used[plan[j]!] = 1;
  return model.nodes.filter((_, i) => used[i] === 1);
}

/**
 * Two plans side by side (the optimum or best plan, and another one: the greedy's, or the caller's):
 * the objective of each and its parts, the gap of the other to the best plan and to the proven bound,
 * the containers placed differently, and the nodes each uses.
 */
export function sideBySide<L extends 'plan' | 'best', O extends 'greedy' | 'given'>(
  model: AssignmentModel,
  best: { readonly label: L; readonly plan: PlanSummary; readonly objective: number | null },
  other: { readonly label: O; readonly plan: PlanSummary; readonly objective: number | null },
  bound: number | null,
): Comparison<L, O> {
  const a = best.plan.assignment;
  const b = other.plan.assignment;
  const name = (i: number): string | null => (i < 0 ? null : model.nodes[i]!);
  const differ: Record<string, string | null>[] = [];
  for (let j = 0; j < model.items.length; j++)
    if (a[j] !== b[j])
      differ.push({ container: model.items[j]!, [best.label]: name(a[j]!), [other.label]: name(b[j]!) });
  const side = (x: { readonly plan: PlanSummary; readonly objective: number | null }) => ({
    objective: x.objective,
    ...(showsParts(model) ? { parts: x.plan.verification.parts } : {}),
    placed: x.plan.verification.placed,
    nodesUsed: nodesUsed(model, x.plan.assignment),
  });
  return {
    [best.label]: side(best),
    [other.label]: {
      ...side(other),
      gapToBest: gapOf(other.objective, best.objective),
      gapToBound: gapOf(other.objective, bound),
    },
    placedDifferently: differ,
  } as unknown as Comparison<L, O>;
}

/** Parts are shown for a weighted objective, and where the model has preferences (their part is in it). */
const showsParts = (model: AssignmentModel): boolean =>
  model.objective !== undefined || hasPreferences(model) || hasTopologyPart(model);

/** The preferences a plan leaves unmet, where the model has any. */
function unmet(model: AssignmentModel, plan: ArrayLike<number>): { preferences?: PreferenceTerm[] } {
  return hasPreferences(model) ? { preferences: preferenceTerms(model, plan) } : {};
}

/** The topology section, where the input names topology levels. */
function topologyOf(model: AssignmentModel, o: SolveOutcome, form: AssignmentForm): { topology?: TopologyAnswer } {
  const t = topologyJson(model, o.plan, o.greedy, o, (p) => planJson(model, p, form));
  return t ? { topology: t } : {};
}

export function outcomeJson(
  model: AssignmentModel,
  o: SolveOutcome,
  inputNotes: readonly string[] = [],
  form: AssignmentForm = 'list',
): OutcomeJson {
  const greedyObjective =
    o.greedy.verification.complete || model.rules?.unplacedPenalty ? o.greedy.verification.objective : null;
  // The answer is the greedy plan itself (`solver: "greedy"`, or nothing better found): its parts are written once.
  const plan = planJson(model, o.plan, form);
  const use = utilization(model, o.plan);
  const same = o.greedy.assignment === o.plan.assignment;
  return {
    status: o.status,
    source: o.source,
    objective: o.objective,
    bound: o.bound,
    gap: o.gap,
    ...plan,
    ...(model.rules?.unplacedPenalty ? { unplacedPenalty: model.rules.unplacedPenalty[0] ?? 0 } : {}),
    ...(showsParts(model) ? { parts: o.objective === null ? null : o.plan.verification.parts } : {}),
    ...unmet(model, o.plan.assignment),
    greedy: {
      objective: greedyObjective,
      ...(showsParts(model) ? { parts: o.greedy.verification.parts } : {}),
      ...unmet(model, o.greedy.assignment),
      ...(same ? plan : planJson(model, o.greedy, form)),
      utilization: same ? use : utilization(model, o.greedy),
    },
    ...(o.objective !== null
      ? {
          comparison: sideBySide(
            model,
            { label: 'plan', plan: o.plan, objective: o.objective },
            { label: 'greedy', plan: o.greedy, objective: greedyObjective },
            o.bound,
          ),
        }
      : {}),
    ...(o.reasons.length > 0 ? { reasons: o.reasons } : {}),
    ...topologyOf(model, o, form),
    utilization: use,
    backends: o.backends,
    model: { nodes: model.nodes.length, containers: model.items.length, ...(o.program ?? {}) },
    notes: [...inputNotes, ...o.notes],
    timings: o.timings,
  };
}

/**
 * The evaluate answer: the given plan checked by the verifier (every rule it breaks), its objective, its
 * gap to the optimum (exact when proven) and to the proven bound, the optimal plan beside it, and the
 * utilisation of both per node and resource.
 */
export function evaluationJson(
  model: AssignmentModel,
  plan: Int32Array,
  o: SolveOutcome,
  inputNotes: readonly string[] = [],
  form: AssignmentForm = 'list',
): Omit<EvaluateAnswer, 'optimal'> & { optimal: OutcomeJson } {
  const check = verifyPlan(model, plan, true);
  const given: PlanSummary = { assignment: plan, verification: check };
  const optimal = outcomeJson(model, o, inputNotes, form);
  return {
    given: {
      valid: check.valid,
      violations: check.violations,
      objective: check.objective,
      ...(showsParts(model) ? { parts: check.parts } : {}),
      ...unmet(model, plan),
      gapToOptimum: check.valid && o.status === 'optimal' ? gapOf(check.objective, o.objective) : null,
      gapToBound: check.valid ? gapOf(check.objective, o.bound) : null,
      ...planJson(model, given, form),
      utilization: utilization(model, given),
    },
    optimal,
    ...(o.objective !== null
      ? {
          comparison: sideBySide(
            model,
            { label: 'best', plan: o.plan, objective: o.objective },
            { label: 'given', plan: given, objective: check.objective },
            o.bound,
          ),
        }
      : {}),
  };
}
