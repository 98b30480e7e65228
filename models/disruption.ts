import { z } from 'zod';
import type { DisruptionBudget } from './model.js';
import { LabelSelectorSchema, selectorMatches } from './selectors.js';

/**
 * Disruption budgets (policy/v1 PodDisruptionBudget) as the Kubernetes disruption controller and the Eviction API
 * read them (pkg/controller/disruption/disruption.go, pkg/registry/core/pod/storage/eviction.go; docs/changes.md):
 * - a budget counts the pods of its namespace that its selector matches (the empty selector: all of them; no
 *   selector: none);
 * - minAvailable n: expected = the pods it counts, desiredHealthy = n;
 * - minAvailable p%: expected = the scale of the pods' controllers, desiredHealthy = ⌈p · expected / 100⌉;
 * - maxUnavailable n or p%: expected = the controllers' scale, desiredHealthy = max(0, expected − n) with
 *   n = ⌈p · expected / 100⌉ for a percentage;
 * - neither: expected = desiredHealthy = 0;
 * - currentHealthy: the pods it counts that run, are Ready and not being deleted;
 * - disruptionsAllowed = currentHealthy − desiredHealthy, 0 when negative or when expected ≤ 0.
 * A controller's scale is its replicas: `expectedPods` where the input gives it, else the containers of the
 * snapshot that name the same controller (the answer says so). Pods with no controller add nothing to the
 * scale, as the controller skips them.
 */
export const IntOrPercent = z.union([
  z.number().int('must be a whole number').min(0, 'must not be negative'),
  z
    .string()
    .regex(/^[0-9]+%$/, 'must be a whole number or a percentage such as "25%"')
    .refine((s) => Number(s.slice(0, -1)) <= 100, 'must be at most 100%'),
]);

export const DisruptionBudgetSchema = z
  .strictObject({
    name: z.string().min(1, 'must not be empty').max(253),
    namespace: z.string().min(1).optional(),
    /** Absent: it selects no pod, as a nil selector in policy/v1; {} selects every pod of its namespace. */
    selector: LabelSelectorSchema.optional(),
    minAvailable: IntOrPercent.optional(),
    maxUnavailable: IntOrPercent.optional(),
    /** The replicas of the controllers of the pods it selects, for a percentage or maxUnavailable. */
    expectedPods: z.number().int().min(0).optional(),
    unhealthyPodEvictionPolicy: z.enum(['IfHealthyBudget', 'AlwaysAllow']).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.minAvailable !== undefined && b.maxUnavailable !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['maxUnavailable'],
        message: 'minAvailable and maxUnavailable cannot be both set',
      });
  });

export type DisruptionBudgetInput = z.infer<typeof DisruptionBudgetSchema>;

/** What a budget reads of a container. */
export interface BudgetContainer {
  readonly namespace?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly controller?: string | undefined;
  readonly current?: string | undefined;
  readonly terminating?: boolean | undefined;
  readonly ready?: boolean | undefined;
}

/** GetScaledValueFromIntOrPercent(v, total, roundUp = true). */
export function scaledUp(v: number | string, total: number): number {
  return typeof v === 'number' ? v : Math.ceil((Number(v.slice(0, -1)) * total) / 100);
}

/** The budgets, with the notes on what was counted in place of the controllers' replicas. */
export function compileBudgets(
  budgets: readonly DisruptionBudgetInput[],
  containers: readonly BudgetContainer[],
): { budgets: DisruptionBudget[]; notes: string[] } {
  const notes: string[] = [];
  // Selectors are matched once per distinct (namespace, labels): the work the size limits count (models/counts.ts).
  const sets = new Map<string, { ns: string; labels: Readonly<Record<string, string>>; items: number[] }>();
  containers.forEach((c, j) => {
    const ns = c.namespace ?? 'default';
    const key = JSON.stringify([ns, c.labels ?? {}]);
    const set = sets.get(key) ?? { ns, labels: c.labels ?? {}, items: [] };
    set.items.push(j);
    sets.set(key, set);
  });
  const out = budgets.map((b) => {
    const ns = b.namespace ?? 'default';
    const selector = b.selector;
    const items = selector
      ? [...sets.values()]
          .filter((set) => set.ns === ns && selectorMatches(selector, set.labels))
          .flatMap((set) => set.items)
          .sort((x, y) => x - y)
      : [];
    if (items.length === 0) notes.push(`disruption budget ${b.name} selects no container`);
    const healthy = items.filter((j) => {
      const c = containers[j]!;
      return c.current !== undefined && !c.terminating && c.ready !== false;
    });
    const scale = (): number => b.expectedPods ?? controllersScale(b, items, containers, notes);
    const { expected, desiredHealthy } = desired(b, items.length, scale);
    const allowed = expected <= 0 ? 0 : Math.max(0, healthy.length - desiredHealthy);
    const alwaysAllowUnhealthy = b.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    const currentHealthy = healthy.length;
    return { name: b.name, items, healthy, expected, desiredHealthy, currentHealthy, allowed, alwaysAllowUnhealthy };
  });
  return { budgets: out, notes };
}

function desired(
  b: DisruptionBudgetInput,
  counted: number,
  scale: () => number,
): { expected: number; desiredHealthy: number } {
  if (b.maxUnavailable !== undefined) {
    const expected = scale();
    return { expected, desiredHealthy: Math.max(0, expected - scaledUp(b.maxUnavailable, expected)) };
  }
  if (b.minAvailable === undefined) return { expected: 0, desiredHealthy: 0 };
  if (typeof b.minAvailable === 'number') return { expected: counted, desiredHealthy: b.minAvailable };
  const expected = scale();
  return { expected, desiredHealthy: scaledUp(b.minAvailable, expected) };
}

/** The containers of the snapshot that name each distinct controller of the selected ones, summed. */
function controllersScale(
  b: DisruptionBudgetInput,
  items: readonly number[],
  containers: readonly BudgetContainer[],
  notes: string[],
): number {
  const ns = b.namespace ?? 'default';
  const controllers = new Set(items.flatMap((j) => containers[j]!.controller ?? []));
  const unmanaged = items.filter((j) => containers[j]!.controller === undefined).length;
  const size = containers.filter((c) => (c.namespace ?? 'default') === ns && controllers.has(c.controller ?? ''));
  notes.push(
    `disruption budget ${b.name}: its controllers' replicas are taken as their ${size.length} containers in the ` +
      'input (give expectedPods for the replicas)' +
      (unmanaged > 0 ? `; ${unmanaged} selected container(s) without a controller add nothing, as in Kubernetes` : ''),
  );
  return size.length;
}
