import { z } from 'zod';
import './messages.js';
import type { AssignmentModel } from './model.js';
import type { InputIssue } from './validate.js';

/**
 * A plan given by the caller (for /v1/evaluate): container → node name (null: unplaced), or a list of
 * {container, node}. Containers it does not name are unplaced.
 */
export const PlanInputSchema = z.union([
  z.record(z.string().min(1), z.string().min(1).nullable()),
  z.array(z.strictObject({ container: z.string().min(1), node: z.string().min(1).nullable() })),
]);
export type PlanInput = z.infer<typeof PlanInputSchema>;

/** The plan as node indices, or the issues (unknown or repeated names) with their paths under `plan`. */
export function planFromInput(
  model: AssignmentModel,
  input: PlanInput,
): { ok: true; plan: Int32Array } | { ok: false; issues: InputIssue[] } {
  const nodeIndex = new Map(model.nodes.map((n, i) => [n, i]));
  const itemIndex = new Map(model.items.map((c, j) => [c, j]));
  const plan = new Int32Array(model.items.length).fill(-1);
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  const entries: [string, string | null, string][] = Array.isArray(input)
    ? input.map((e, k) => [e.container, e.node, `plan[${k}]`])
    : Object.entries(input).map(([c, n]) => [c, n, `plan[${JSON.stringify(c)}]`]);
  for (const [container, node, path] of entries) {
    const j = itemIndex.get(container);
    if (j === undefined) {
      issues.push({ path, message: `unknown container "${container}"` });
      continue;
    }
    if (seen.has(container)) issues.push({ path, message: `container "${container}" is given twice` });
    seen.add(container);
    if (node === null) continue;
    const i = nodeIndex.get(node);
    if (i === undefined) issues.push({ path, message: `unknown node "${node}"` });
    else plan[j] = i;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, plan };
}

/** What runs today: each container on its `current` node (-1 where it has none). */
export function currentPlan(model: AssignmentModel): Int32Array | undefined {
  const current = model.rules?.current;
  return current && current.some((i) => i >= 0) ? Int32Array.from(current) : undefined;
}

/** The evaluate body: a snapshot (plain or Kubernetes) with a `plan` beside it. */
export function splitPlan(body: unknown): { plan: unknown; rest: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { plan: undefined, rest: body };
  const { plan, ...rest } = body as Record<string, unknown>;
  return { plan, rest };
}

/** The plan to evaluate: the caller's, or (when absent) what runs today (`current`). */
export function givenPlan(
  model: AssignmentModel,
  body: unknown,
): { ok: true; plan: Int32Array } | { ok: false; issues: InputIssue[] } {
  if (body === undefined) {
    const today = currentPlan(model);
    if (!today)
      return {
        ok: false,
        issues: [
          {
            path: 'plan',
            message:
              'required (or give containers a `current` node, as bound pods in ' +
              'Kubernetes input have, to evaluate what runs today)',
          },
        ],
      };
    return { ok: true, plan: today };
  }
  const parsed = PlanInputSchema.safeParse(body);
  if (!parsed.success)
    return {
      ok: false,
      issues: [
        { path: 'plan', message: 'must map container names to node names (or null), or list {container, node}' },
      ],
    };
  return planFromInput(model, parsed.data);
}

/** Where a plan puts each placed container, by name: container → node. */
export function namedPlacement(model: AssignmentModel, plan: ArrayLike<number>): Map<string, string> {
  return new Map(
    model.items.flatMap((c, j) => (plan[j]! >= 0 ? [[c, model.nodes[plan[j]!]!] as [string, string]] : [])),
  );
}
