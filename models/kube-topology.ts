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
  const seen = { unconstrained: 0, volcanoGangs: 0 };
  return {
    levels,
    of: (pod, k) => {
      const a = pod.metadata.annotations ?? {};
      const ns = pod.metadata.namespace ?? 'default';
      if (a[KUEUE_TOPOLOGY.unconstrained] === 'true') seen.unconstrained++;
      const name = a['pod-group-name'];
      const kai = name ? groups.get(`${ns}/${name}`) : undefined;
      const vName = a[GANG_ANNOTATION];
      const vGroup = vName ? volcanoGroups.get(`${ns}/${vName}`) : undefined;
      const at: PathIssue['path'] = ['podList', 'items', k, 'metadata', 'annotations', GANG_ANNOTATION];
      const policies = vGroup?.spec?.subGroupPolicy ?? [];
      if (policies.some((p) => p.subGroupSize !== undefined || p.minSubGroups !== undefined)) seen.volcanoGangs++;
      // A PodGroup's own constraint is its group's: the pods of no sub-group, and enclosing its sub-groups. Each is
      // read once, where it is used (its issues then count).
      const kaiGroup = once(() => named(`${ns}/${name}`, kaiOf(kai, k, levels, issues)));
      const volcanoGroup = once(() => named(`${ns}/${vName}`, volcanoRequirement(vGroup, tiers, at, issues)));
      const kaiSub = kaiSubGroup(kai, pod, k, levels, issues, kaiGroup);
      const sub = volcanoSubGroup(vGroup, pod, tiers, at, issues);
      return (
        kueueOf(pod, k, levels, issues) ??
        kaiSub ??
        kaiGroup() ??
        (sub && enclosed(sub, volcanoGroup())) ??
        volcanoGroup() ??
        native?.topology(pod, k, levels, issues)
      );
    },
    notes: () => notesOf(seen),
  };
}

/** `f`, called once at most. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) [value, done] = [f(), true];
    return value;
  };
}

/** The topology with its group named (undefined stays undefined). */
const named = (group: string, t: ContainerTopology | undefined): ContainerTopology | undefined => t && { group, ...t };

/** A sub-group's topology within its PodGroup's group, where both have one. */
function enclosed(sub: ContainerTopology | undefined, outer: ContainerTopology | undefined) {
  if (!sub || !outer) return sub;
  const { group, required, preferred } = outer;
  return { ...sub, within: [...(sub.within ?? []), { group: group!, required, preferred }] };
}

function notesOf(seen: { unconstrained: number; volcanoGangs: number }) {
  const notes: string[] = [];
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
 * sub-group and those below it; within it, each sub-group higher up with a constraint of its own, then the
 * PodGroup's group (`podGroup`, where it has one). Undefined where no sub-group on the way has one.
 */
function kaiSubGroup(
  group: KaiPodGroup | undefined,
  pod: KubePod,
  k: number,
  levels: readonly string[] | undefined,
  issues: PathIssue[],
  podGroup: () => ContainerTopology | undefined,
): ContainerTopology | undefined {
  const subs = new Map((group?.spec?.subGroups ?? []).map((g) => [g.name, g]));
  const chain: NonNullable<NonNullable<KaiPodGroup['spec']>['subGroups']>[number][] = [];
  for (let at = subs.get(pod.metadata.labels?.[KAI_SUBGROUP_LABEL] ?? ''); at && !chain.includes(at);) {
    chain.push(at);
    at = at.parent === undefined ? undefined : subs.get(at.parent);
  }
  const has = (
    c: { requiredTopologyLevel?: string | undefined; preferredTopologyLevel?: string | undefined } | undefined,
  ) => c?.requiredTopologyLevel !== undefined || c?.preferredTopologyLevel !== undefined;
  const [sub, ...above] = chain.filter((g) => has(g.topologyConstraint));
  if (!sub) return undefined;
  const of = (s: typeof sub): ContainerTopology | undefined => {
    const where = `spec.subGroups "${s.name}" topologyConstraint`;
    const own = kaiOf({ ...group!, spec: { topologyConstraint: s.topologyConstraint } }, k, levels, issues, where);
    return named(`${pod.metadata.namespace ?? 'default'}/${group!.metadata.name}/${s.name}`, own);
  };
  return [...above.map(of), podGroup()].reduce((inner, outer) => enclosed(inner, outer), of(sub));
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
