import type { PathIssue } from './path.js';
import type { KubeInput, KubePod } from './kube-schema.js';
import { IntOrPercent, type DisruptionBudgetInput } from './disruption.js';

/**
 * policy/v1 PodDisruptionBudgets of a `kind: List` as disruption budgets (models/disruption.ts), named
 * "namespace/name". A value that is neither a whole number nor a percentage, both minAvailable and maxUnavailable,
 * or an unknown unhealthyPodEvictionPolicy is an issue at its field, as the API server's validation refuses it.
 */
export function kubeBudgets(input: KubeInput, issues: PathIssue[], notes: string[]): DisruptionBudgetInput[] {
  const list = input.podDisruptionBudgetList?.items ?? [];
  const out = list.flatMap((pdb, k): DisruptionBudgetInput[] => {
    const at = (field: string): (string | number)[] => ['podDisruptionBudgetList', 'items', k, 'spec', field];
    const ns = pdb.metadata.namespace ?? 'default';
    const spec = pdb.spec;
    const value = (field: 'minAvailable' | 'maxUnavailable') => {
      if (spec[field] === undefined) return undefined;
      const v = IntOrPercent.safeParse(spec[field]);
      if (!v.success) issues.push({ path: at(field), message: v.error.issues[0]!.message });
      return v.success ? v.data : undefined;
    };
    const min = value('minAvailable');
    const max = value('maxUnavailable');
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
      issues.push({ path: at('maxUnavailable'), message: 'minAvailable and maxUnavailable cannot be both set' });
    const policy = spec.unhealthyPodEvictionPolicy;
    if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow')
      issues.push({ path: at('unhealthyPodEvictionPolicy'), message: 'must be IfHealthyBudget or AlwaysAllow' });
    if (spec.selector === undefined || spec.selector === null)
      notes.push(`PodDisruptionBudget ${ns}/${pdb.metadata.name} has no selector: it selects no pod, as in policy/v1`);
    return [
      {
        name: `${ns}/${pdb.metadata.name}`,
        namespace: ns,
        ...(spec.selector ? { selector: spec.selector } : {}),
        ...(min !== undefined ? { minAvailable: min } : {}),
        ...(max !== undefined && min === undefined ? { maxUnavailable: max } : {}),
        ...(policy === 'AlwaysAllow' || policy === 'IfHealthyBudget' ? { unhealthyPodEvictionPolicy: policy } : {}),
      },
    ];
  });
  const silent = input.podList.items.filter((p: KubePod) => p.spec.nodeName !== undefined && !p.status?.conditions);
  if (out.length > 0 && silent.length > 0)
    notes.push(`${silent.length} bound pods give no status.conditions: disruption budgets count them Ready`);
  return out;
}
