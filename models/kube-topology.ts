import {
  GANG_ANNOTATION,
  KAI_SUBGROUP_LABEL,
  KUEUE_TOPOLOGY,
  gangOf,
  type KaiPodGroup,
  type KubeInput,
  type KubePod,
} from './kube-schema.js';
import { volcanoRequirement, volcanoSubGroup, type VolcanoTopology } from './kube-volcano.js';
import type { NativeGroups } from './kube-workload.js';
import type { PathIssue } from './path.js';
import type { ContainerTopology } from './snapshot.js';

/**
 * Topology-aware placement in Kubernetes input (docs/topology.md):
 * - the levels: options.topology, else the Topology object of Kueue (kueue.x-k8s.io) or KAI Scheduler
 *   (kai.scheduler) in the list, spec.levels[].nodeLabel, top down (several must agree);
 * - Kueue's pod annotations: podset-required-topology, podset-preferred-topology (one of the two), and
 *   podset-slice-required-topology with podset-slice-size; the group is the pod group (kueue.x-k8s.io/pod-group-name),
 *   else the pod alone;
 * - KAI Scheduler's PodGroup (scheduling.run.ai) named by the pod's `pod-group-name` annotation:
 *   spec.topologyConstraint.requiredTopologyLevel and preferredTopologyLevel; the group is the pod group;
 * - Kubernetes' own PodGroup (scheduling.k8s.io, models/kube-workload.ts): its topology key is a required level;
 *   where nothing else names the levels, the keys the PodGroups name are the levels (nested, fewest domains first).
 */
export interface KubeTopology {
  readonly levels: readonly string[] | undefined;
  /** The topology of pod k of the pod list (undefined: none). */
  of(pod: KubePod, k: number): ContainerTopology | undefined;
  /** What the pods asked that is not modelled, once every pod was read. */
  notes(): string[];
}

export function kubeTopology(
  input: KubeInput,
  issues: PathIssue[],
  volcano?: VolcanoTopology,
  native?: NativeGroups,
): KubeTopology {
  const levels =
    input.options?.topology?.levels ??
    levelsOf(input, issues) ??
    volcano?.levels ??
    nestedLevels(input, native?.keys ?? [], issues);
  const groups = new Map(
    (input.podGroupList?.items ?? []).map((g) => [`${g.metadata.namespace ?? 'default'}/${g.metadata.name}`, g]),
  );
  const volcanoGroups = new Map(
    (input.volcanoPodGroupList?.items ?? []).map((g) => [`${g.metadata.namespace ?? 'default'}/${g.metadata.name}`, g]),
  );
  // Volcano's tiers are the levels only where nothing else names them.
  const tiers = levels === volcano?.levels ? volcano : undefined;
  const seen = { unconstrained: 0, subGroups: 0, volcanoAcross: 0, volcanoGangs: 0 };
  return {
    levels,
    of: (pod, k) => {
      const a = pod.metadata.annotations ?? {};
      if (a[KUEUE_TOPOLOGY.unconstrained] === 'true') seen.unconstrained++;
      const name = a['pod-group-name'];
      const kai = name ? groups.get(`${pod.metadata.namespace ?? 'default'}/${name}`) : undefined;
      const kaiSub = kaiSubGroup(kai, pod, k, levels, issues);
      if (kaiSub?.above) seen.subGroups++;
      const vName = a[GANG_ANNOTATION];
      const vGroup = vName ? volcanoGroups.get(`${pod.metadata.namespace ?? 'default'}/${vName}`) : undefined;
      const at: PathIssue['path'] = ['podList', 'items', k, 'metadata', 'annotations', GANG_ANNOTATION];
      const sub = volcanoSubGroup(vGroup, pod, tiers, at, issues);
      if (sub && volcanoRequirement(vGroup, tiers, at, [])) seen.volcanoAcross++;
      const policies = vGroup?.spec?.subGroupPolicy ?? [];
      if (policies.some((p) => p.subGroupSize !== undefined || p.minSubGroups !== undefined)) seen.volcanoGangs++;
      return (
        kueueOf(pod, k, levels, issues) ??
        kaiSub?.topology ??
        kaiOf(kai, k, levels, issues) ??
        sub ??
        volcanoRequirement(vGroup, tiers, at, issues) ??
        native?.topology(pod, k, levels, issues)
      );
    },
    notes: () => notesOf(seen),
  };
}

function notesOf(seen: { unconstrained: number; subGroups: number; volcanoAcross: number; volcanoGangs: number }) {
  const notes: string[] = [];
  if (seen.volcanoAcross > 0)
    notes.push(
      `${seen.volcanoAcross} pods are in Volcano sub-groups (spec.subGroupPolicy) with a network topology of their ` +
        "own: each sub-group is held to its tier, and their PodGroup's own tier across its sub-groups is not " +
        '(a pod is in one topology-aware group)',
    );
  if (seen.volcanoGangs > 0)
    notes.push(
      `${seen.volcanoGangs} pods are in Volcano PodGroups whose subGroupPolicy sets subGroupSize or minSubGroups: ` +
        "the PodGroup is one gang (all of its pods or none), stricter than Volcano's sub-group gangs",
    );
  if (seen.unconstrained > 0)
    notes.push(
      `${seen.unconstrained} pods set ${KUEUE_TOPOLOGY.unconstrained}: no topology constraint, as Kueue means it ` +
        '(its own greedy would place them by least free capacity)',
    );
  if (seen.subGroups > 0)
    notes.push(
      `${seen.subGroups} pods are in KAI sub-groups whose own topology constraint is held, while one above them ` +
        '(a parent sub-group or the PodGroup) is not (a pod is in one topology-aware group)',
    );
  return notes;
}

/**
 * The topology keys of Kubernetes' own PodGroups as levels, top down: fewest domains first, each domain of a level
 * within one domain of the level above (on the nodes with both labels); undefined when they do not nest.
 */
function nestedLevels(input: KubeInput, keys: readonly string[], issues: PathIssue[]): string[] | undefined {
  if (keys.length === 0) return undefined;
  const labels = input.nodeList.items.map((n) => n.metadata.labels ?? {});
  const domains = (key: string): number => new Set(labels.flatMap((l) => (key in l ? [l[key]] : []))).size;
  const order = [...keys].sort((a, b) => domains(a) - domains(b));
  for (let k = 1; k < order.length; k++) {
    const [upper, lower] = [order[k - 1]!, order[k]!];
    const within = new Map<string, string>();
    const nests = labels.every((l) => {
      if (!(upper in l) || !(lower in l)) return true;
      const seen = within.get(l[lower]!);
      within.set(l[lower]!, l[upper]!);
      return seen === undefined || seen === l[upper];
    });
    if (nests) continue;
    issues.push({
      path: ['k8sPodGroupList', 'items'],
      message:
        `the PodGroups' topology keys ${upper} and ${lower} do not nest (a domain of ${lower} spans two of ` +
        `${upper}): give the levels in options.topology.levels`,
    });
    return undefined;
  }
  return order;
}

/** The levels of the Topology objects in the list (several must give the same), else undefined. */
function levelsOf(input: KubeInput, issues: PathIssue[]): string[] | undefined {
  const items = input.topologyList?.items ?? [];
  if (items.length === 0) return undefined;
  const levels = items.map((t) => t.spec.levels.map((l) => l.nodeLabel));
  const differs = levels.findIndex((l) => JSON.stringify(l) !== JSON.stringify(levels[0]));
  if (differs >= 0) {
    issues.push({
      path: ['topologyList', 'items', differs, 'spec', 'levels'],
      message:
        `Topology "${items[differs]!.metadata.name}" has other levels than "${items[0]!.metadata.name}": ` +
        'give the ones to use in options.topology.levels',
    });
    return undefined;
  }
  return levels[0];
}

/** Kueue's annotations on the pod, checked against the levels; undefined when it has none. */
function kueueOf(
  pod: KubePod,
  k: number,
  levels: readonly string[] | undefined,
  issues: PathIssue[],
): ContainerTopology | undefined {
  const a = pod.metadata.annotations ?? {};
  const required = a[KUEUE_TOPOLOGY.required];
  const preferred = a[KUEUE_TOPOLOGY.preferred];
  const sliceLevel = a[KUEUE_TOPOLOGY.sliceLevel];
  const sliceSize = a[KUEUE_TOPOLOGY.sliceSize];
  if (required === undefined && preferred === undefined && sliceLevel === undefined) return undefined;
  const at = (key: string): PathIssue['path'] => ['podList', 'items', k, 'metadata', 'annotations', key];
  const issue = (key: string, message: string): undefined => void issues.push({ path: at(key), message });
  if (required !== undefined && preferred !== undefined)
    return issue(KUEUE_TOPOLOGY.preferred, `Kueue takes one of ${KUEUE_TOPOLOGY.required} and this one`);
  for (const key of [KUEUE_TOPOLOGY.required, KUEUE_TOPOLOGY.preferred, KUEUE_TOPOLOGY.sliceLevel]) {
    const level = a[key];
    if (level === undefined) continue;
    if (!levels)
      return issue(key, 'names a topology level, but the list has no Topology and options.topology is not given');
    if (!levels.includes(level)) return issue(key, `"${level}" is not a level of the topology (${levels.join(', ')})`);
  }
  const size = sliceSize === undefined ? undefined : Number(sliceSize);
  if (sliceLevel !== undefined && (size === undefined || !Number.isInteger(size) || size < 1))
    return issue(KUEUE_TOPOLOGY.sliceSize, 'must be a whole number of at least 1 with podset-slice-required-topology');
  const group = gangOf(pod) ? undefined : `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? k}`;
  return {
    ...(group ? { group } : {}),
    ...(required !== undefined ? { required } : {}),
    ...(preferred !== undefined ? { preferred } : {}),
    ...(sliceLevel !== undefined ? { sliceLevel, sliceSize: size! } : {}),
  };
}

/**
 * The topology of the pod's KAI sub-group (spec.subGroups, the leaf named by the label kai.scheduler/subgroup-name):
 * the constraint of the nearest sub-group, from the leaf up its parents, that has one, over the pods of that
 * sub-group and those below it; `above` where a sub-group or the PodGroup higher up has one too (not held).
 * Undefined where no sub-group on the way has one.
 */
function kaiSubGroup(
  group: KaiPodGroup | undefined,
  pod: KubePod,
  k: number,
  levels: readonly string[] | undefined,
  issues: PathIssue[],
): { topology: ContainerTopology | undefined; above: boolean } | undefined {
  const subs = new Map((group?.spec?.subGroups ?? []).map((g) => [g.name, g]));
  const chain: NonNullable<NonNullable<KaiPodGroup['spec']>['subGroups']>[number][] = [];
  for (let at = subs.get(pod.metadata.labels?.[KAI_SUBGROUP_LABEL] ?? ''); at && !chain.includes(at);) {
    chain.push(at);
    at = at.parent === undefined ? undefined : subs.get(at.parent);
  }
  const has = (
    c: { requiredTopologyLevel?: string | undefined; preferredTopologyLevel?: string | undefined } | undefined,
  ) => c?.requiredTopologyLevel !== undefined || c?.preferredTopologyLevel !== undefined;
  const first = chain.findIndex((g) => has(g.topologyConstraint));
  if (first < 0) return undefined;
  const above = chain.slice(first + 1).some((g) => has(g.topologyConstraint)) || has(group?.spec?.topologyConstraint);
  const sub = chain[first]!;
  const where = `spec.subGroups "${sub.name}" topologyConstraint`;
  const own = kaiOf({ ...group!, spec: { topologyConstraint: sub.topologyConstraint } }, k, levels, issues, where);
  const name = `${pod.metadata.namespace ?? 'default'}/${group!.metadata.name}/${sub.name}`;
  return { topology: own && { group: name, ...own }, above };
}

/** The topology constraint of the pod's KAI PodGroup, checked against the levels; undefined when none. */
function kaiOf(
  group: NonNullable<KubeInput['podGroupList']>['items'][number] | undefined,
  k: number,
  levels: readonly string[] | undefined,
  issues: PathIssue[],
  where = 'spec.topologyConstraint',
): ContainerTopology | undefined {
  const c = group?.spec?.topologyConstraint;
  if (!c || (c.requiredTopologyLevel === undefined && c.preferredTopologyLevel === undefined)) return undefined;
  for (const [field, level] of [
    ['requiredTopologyLevel', c.requiredTopologyLevel],
    ['preferredTopologyLevel', c.preferredTopologyLevel],
  ] as const) {
    if (level === undefined || levels?.includes(level)) continue;
    issues.push({
      path: ['podList', 'items', k, 'metadata', 'annotations', 'pod-group-name'],
      message:
        `its PodGroup "${group!.metadata.name}" gives ${where}.${field} "${level}", ` +
        `not a level of the topology (${(levels ?? []).join(', ') || 'none given'})`,
    });
    return undefined;
  }
  return {
    ...(c.requiredTopologyLevel !== undefined ? { required: c.requiredTopologyLevel } : {}),
    ...(c.preferredTopologyLevel !== undefined ? { preferred: c.preferredTopologyLevel } : {}),
  };
}
