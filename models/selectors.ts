import { z } from 'zod';
import './messages.js';

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

type NodeSelectorRequirement = z.infer<typeof NodeSelectorRequirementSchema>;

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
    operator: z.enum(['Equal', 'Exists', 'Gt', 'Lt']).optional(),
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

/** A label value as the API takes it: at most 63 characters, alphanumerics with - _ . inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A label key: a name as above, with an optional DNS-subdomain prefix and a slash. */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE.test(v);
}

export function isLabelKey(k: string): boolean {
  const slash = k.lastIndexOf('/');
  const name = slash < 0 ? k : k.slice(slash + 1);
  const prefix = slash < 0 ? undefined : k.slice(0, slash);
  if (name.length > 63 || !LABEL_NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
}

/**
 * Whether kube-scheduler can read a node selector requirement: a valid label key and, for In and NotIn, valid label
 * values (Gt and Lt take one integer, checked by the schema); for matchFields, only `metadata.name` with In or
 * NotIn and exactly one value. A term with a requirement it cannot read matches no node.
 */
function readable(r: NodeSelectorRequirement, field: boolean): boolean {
  if (field)
    return r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && r.values?.length === 1;
  if (!isLabelKey(r.key)) return false;
  return r.operator !== 'In' && r.operator !== 'NotIn' ? true : (r.values ?? []).every(isLabelValue);
}

/**
 * Whether a node satisfies required node affinity: any term matches, a term matching when all its
 * expressions hold; an empty term matches nothing, and so does one with a requirement kube-scheduler cannot read
 * (an invalid label value, say). matchFields supports `metadata.name`.
 */
export function nodeAffinityMatches(terms: readonly NodeSelectorTerm[], labels: Labels, nodeName: string): boolean {
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    if (!exprs.every((r) => readable(r, false)) || !fields.every((r) => readable(r, true))) return false;
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
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  // Gt and Lt are alpha (TaintTolerationComparisonOperators, off by default): kube-scheduler's default branch.
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

/** The taints (NoSchedule / NoExecute: the ones that keep new pods off) that no toleration tolerates. */
export function untoleratedTaints(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint[] {
  return taints.filter((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
}

/** The scheduler's rendering of a taint: {key: value} or {key}. */
export function formatTaint(taint: Taint): string {
  return taint.value ? `{${taint.key}: ${taint.value}}` : `{${taint.key}}`;
}
