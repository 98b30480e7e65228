import { unitsToNumber, type AssignmentModel } from '../models/model.js';
import type { PlanSummary, SolveOutcome } from '../solver/solve.js';

/**
 * Turns a solve outcome into the JSON answer, the same for the API and the CLI. Snapshots name
 * containers and nodes (`assignments`); programs give the node index per container (`assignment`).
 */
export interface PlanJson {
  readonly assignments?: readonly { readonly container: string; readonly node: string }[];
  /** Containers that run somewhere now and that the plan puts elsewhere (to: null when left out). */
  readonly moves?: readonly { readonly container: string; readonly from: string; readonly to: string | null }[];
  readonly assignment?: readonly (number | null)[];
  readonly unplaced: readonly string[] | readonly number[];
}

function planJson(model: AssignmentModel, plan: PlanSummary): PlanJson {
  const a = Array.from(plan.assignment);
  if (model.kind === 'program') {
    return { assignment: a.map((i) => (i < 0 ? null : i)), unplaced: a.flatMap((i, j) => (i < 0 ? [j] : [])) };
  }
  const current = model.rules?.current;
  return {
    assignments: a.flatMap((i, j) => (i < 0 ? [] : [{ container: model.items[j]!, node: model.nodes[i]! }])),
    unplaced: a.flatMap((i, j) => (i < 0 ? [model.items[j]!] : [])),
    ...(current && current.some((c) => c >= 0)
      ? { moves: a.flatMap((i, j) => (current[j]! >= 0 && i !== current[j] ? [{ container: model.items[j]!, from: model.nodes[current[j]!]!, to: i < 0 ? null : model.nodes[i]! }] : [])) }
      : {}),
  };
}

/** used / capacity per node and resource (resources with zero capacity on a node are left out). */
function utilization(model: AssignmentModel, plan: PlanSummary): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  model.nodes.forEach((node, i) => {
    const row: Record<string, number> = {};
    model.resources.forEach((r, k) => {
      const cap = r.capacity[i] ?? 0n;
      if (cap > 0n) row[r.name] = unitsToNumber(plan.verification.used[k]![i]!, r.scale) / unitsToNumber(cap, r.scale);
    });
    out[node] = row;
  });
  return out;
}

export function outcomeJson(model: AssignmentModel, o: SolveOutcome, inputNotes: readonly string[] = []): Record<string, unknown> {
  return {
    status: o.status,
    source: o.source,
    objective: o.objective,
    bound: o.bound,
    gap: o.gap,
    ...planJson(model, o.plan),
    ...(model.rules?.unplacedPenalty ? { unplacedPenalty: model.rules.unplacedPenalty[0] ?? 0 } : {}),
    greedy: {
      objective: o.greedy.verification.complete || model.rules?.unplacedPenalty ? o.greedy.verification.objective : null,
      ...planJson(model, o.greedy),
    },
    ...(o.reasons.length > 0 ? { reasons: o.reasons } : {}),
    utilization: utilization(model, o.plan),
    backends: o.backends,
    model: { nodes: model.nodes.length, containers: model.items.length, ...(o.program ?? {}) },
    notes: [...inputNotes, ...o.notes],
    timings: o.timings,
  };
}
