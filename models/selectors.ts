import { z } from 'zod';

/**
 * Kubernetes matching rules, with their API meaning: label selectors (pods), node selector terms (node
 * affinity), taints and tolerations. Pure functions over label maps, used by the snapshot compiler.
 */

export type Labels = Readonly<Record<string, string>>;

const LabelKey = z.string().min(1, 'must not be empty').max(317);
const LabelValue = z.string().max(63, 'must be at most 63 characters');

export const LabelsSchema = z.record(LabelKey, LabelValue);

export const LabelSelectorRequirementSchema = z
  .strictObject({
    key: LabelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(LabelValue).optional(),
  })
  .superRefine(valuesRule);

/** A pod label selector: matchLabels AND matchExpressions; the empty selector matches every pod. */
export const LabelSelectorSchema = z.strictObject({
  matchLabels: LabelsSchema.optional(),
  matchExpressions: z.array(LabelSelectorRequirementSchema).optional(),
});
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

export const NodeSelectorRequirementSchema = z
  .strictObject({
    key: LabelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: z.array(LabelValue).optional(),
  })
  .superRefine(valuesRule);

/** One node selector term: its expressions ANDed; a node matches required node affinity if any term matches. */
export const NodeSelectorTermSchema = z.strictObject({
  matchExpressions: z.array(NodeSelectorRequirementSchema).optional(),
  matchFields: z.array(NodeSelectorRequirementSchema).optional(),
});
export type NodeSelectorTerm = z.infer<typeof NodeSelectorTermSchema>;

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export const TaintSchema = z.strictObject({
  key: LabelKey,
  value: LabelValue.optional(),
  effect: z.enum(TAINT_EFFECTS),
  timeAdded: z.string().optional(),
});
export type Taint = z.infer<typeof TaintSchema>;

export const TolerationSchema = z
  .strictObject({
    key: z.string().optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: z.string().optional(),
    effect: z.union([z.enum(TAINT_EFFECTS), z.literal('')]).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.operator === 'Exists' && t.value)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be empty when operator is Exists' });
    if (!t.key && t.operator !== 'Exists')
      ctx.addIssue({ code: 'custom', path: ['operator'], message: 'must be Exists when key is empty' });
  });
export type Toleration = z.infer<typeof TolerationSchema>;

function valuesRule(r: { operator: string; values?: string[] | undefined }, ctx: z.RefinementCtx): void {
  const n = r.values?.length ?? 0;
  if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0)
    ctx.addIssue({ code: 'custom', path: ['values'], message: `must be non-empty for operator ${r.operator}` });
  if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0)
    ctx.addIssue({ code: 'custom', path: ['values'], message: `must be empty for operator ${r.operator}` });
  if (r.operator === 'Gt' || r.operator === 'Lt') {
    if (n !== 1 || !/^-?\d+$/.test(r.values?.[0] ?? ''))
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be a single integer for operator ${r.operator}`,
      });
  }
}

function requirementMatches(
  labels: Labels,
  r: { key: string; operator: string; values?: string[] | undefined },
): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      // Both sides must parse as integers, as in the API; a label that does not parse never matches.
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const left = BigInt(value!);
      const right = BigInt(r.values?.[0] ?? '0');
      return r.operator === 'Gt' ? left > right : left < right;
    }
    default:
      return false;
  }
}

/** Whether a pod label selector matches the labels (the empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((r) => requirementMatches(labels, r));
}

/**
 * Whether a node satisfies required node affinity: any term matches, a term matching when all its
 * expressions hold; an empty term matches nothing. matchFields supports `metadata.name`.
 */
export function nodeAffinityMatches(terms: readonly NodeSelectorTerm[], labels: Labels, nodeName: string): boolean {
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((r) => requirementMatches(labels, r)) &&
      fields.every((r) => requirementMatches({ 'metadata.name': nodeName }, r))
    );
  });
}

/** Whether a toleration tolerates a taint, with the API's matching rules. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The taints (NoSchedule / NoExecute: the ones that keep new pods off) that no toleration tolerates. */
export function untoleratedTaints(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint[] {
  return taints.filter((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
}

/** The scheduler's rendering of a taint: {key: value} or {key}. */
export function formatTaint(taint: Taint): string {
  return taint.value ? `{${taint.key}: ${taint.value}}` : `{${taint.key}}`;
}
