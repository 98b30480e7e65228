import { gangOf, type K8sPodGroup, type KubeInput, type KubePod } from './kube-schema.js';
import type { PathIssue } from './path.js';
import type { ContainerTopology } from './snapshot.js';

/**
 * Kubernetes' own gang scheduling (KEP-4671 and KEP-5732, alpha: the GenericWorkload gate and kube-scheduler's
 * GangScheduling plugin, pkg/scheduler/framework/plugins/gangscheduling), in two API generations:
 * - 1.36 on: a pod names its PodGroup (scheduling.k8s.io) in `spec.schedulingGroup.podGroupName`. The PodGroup's
 *   `spec.schedulingPolicy` is basic (pods scheduled one by one) or gang, with `minCount`, and
 *   `spec.schedulingConstraints.topology[0].key` puts all its pods in one domain of that node label;
 * - 1.35: a pod names a Workload (scheduling.k8s.io/v1alpha1) and one of its `spec.podGroups` in `spec.workloadRef`
 *   ({name, podGroup, podGroupReplicaKey}); the policy applies to each replica key apart.
 * A gang here is all of its pods or none. kube-scheduler admits a gang once `minCount` of its pods fit, and holds
 * every pod of a group whose object is missing or that has fewer pods than `minCount`: where the input differs from
 * a gang of all its pods, a note says how it is read (docs/kubernetes-input.md).
 */
export interface NativeGroups {
  /** The gang of a pod (its group's key), where its group has the gang policy or is not in the input. */
  gang(pod: KubePod): string | undefined;
  /** The topology of pod k's PodGroup (schedulingConstraints.topology), checked against the levels. */
  topology(
    pod: KubePod,
    k: number,
    levels: readonly string[] | undefined,
    issues: PathIssue[],
  ): ContainerTopology | undefined;
  /** The topology keys the PodGroups name, in order of first appearance. */
  readonly keys: readonly string[];
  notes(): string[];
}

interface Group {
  /** The policy: undefined where the group's object (PodGroup, or the Workload's pod group) is not in the input. */
  readonly policy?: { readonly gang?: { readonly minCount: number } | undefined };
  readonly found: boolean;
  readonly topologyKey?: string;
  readonly name: string;
}

const nsOf = (pod: KubePod): string => pod.metadata.namespace ?? 'default';

/** The key of a pod's group ("namespace/name", or "namespace/workload/podGroup[/replicaKey]"), or undefined. */
function groupKey(pod: KubePod): string | undefined {
  const name = pod.spec.schedulingGroup?.podGroupName;
  if (name) return `${nsOf(pod)}/${name}`;
  const ref = pod.spec.workloadRef;
  if (!ref) return undefined;
  return `${nsOf(pod)}/${ref.name}/${ref.podGroup}${ref.podGroupReplicaKey ? `/${ref.podGroupReplicaKey}` : ''}`;
}

function groupOf(input: KubeInput, pod: KubePod): Group {
  const key = groupKey(pod)!;
  const name = pod.spec.schedulingGroup?.podGroupName;
  if (name) {
    const g = podGroups(input).get(key);
    const topologyKey = g?.spec?.schedulingConstraints?.topology?.[0]?.key;
    const policy = g ? (g.spec?.schedulingPolicy ?? {}) : undefined;
    return {
      found: g !== undefined,
      name: key,
      ...(policy ? { policy } : {}),
      ...(topologyKey ? { topologyKey } : {}),
    };
  }
  const ref = pod.spec.workloadRef!;
  const workload = (input.workloadList?.items ?? []).find(
    (w) => w.metadata.name === ref.name && (w.metadata.namespace ?? 'default') === nsOf(pod),
  );
  const entry = workload?.spec?.podGroups?.find((g) => g.name === ref.podGroup);
  return { found: entry !== undefined, name: key, ...(entry ? { policy: entry.policy ?? {} } : {}) };
}

const byInput = new WeakMap<KubeInput, Map<string, K8sPodGroup>>();

/** The input's PodGroups by "namespace/name". */
function podGroups(input: KubeInput): Map<string, K8sPodGroup> {
  let map = byInput.get(input);
  if (!map) {
    const items = input.k8sPodGroupList?.items ?? [];
    map = new Map(items.map((g) => [`${g.metadata.namespace ?? 'default'}/${g.metadata.name}`, g]));
    byInput.set(input, map);
  }
  return map;
}

export function nativeGroups(input: KubeInput): NativeGroups {
  const groups = new Map<string, Group>();
  const members = new Map<string, number>();
  // Other schedulers' gangs are named namespace/name too: a pod group of the same name gets its API group beside.
  const others = new Set(
    input.podList.items.flatMap((p) => (groupKey(p) === undefined && gangOf(p) ? [`${nsOf(p)}/${gangOf(p)}`] : [])),
  );
  for (const pod of input.podList.items) {
    const key = groupKey(pod);
    const phase = pod.status?.phase;
    if (key === undefined || phase === 'Succeeded' || phase === 'Failed') continue;
    if (!groups.has(key)) {
      const g = groupOf(input, pod);
      groups.set(key, others.has(key) ? { ...g, name: `${key} (scheduling.k8s.io)` } : g);
    }
    members.set(key, (members.get(key) ?? 0) + 1);
  }
  const keys = [...new Set([...groups.values()].flatMap((g) => (g.topologyKey ? [g.topologyKey] : [])))];
  const named = new Set<string>();
  return {
    keys,
    gang: (pod) => {
      const key = groupKey(pod);
      const g = key === undefined ? undefined : groups.get(key);
      return g && (!g.found || g.policy?.gang) ? g.name : undefined;
    },
    topology: (pod, k, levels, issues) => {
      const key = groupKey(pod);
      const g = key === undefined ? undefined : groups.get(key);
      // No levels: the keys did not nest, and that issue is reported (models/kube-topology.ts).
      if (!g?.topologyKey || !levels) return undefined;
      if (levels.includes(g.topologyKey)) return { group: g.name, required: g.topologyKey };
      // Once per group, at its first pod.
      if (named.has(g.name)) return undefined;
      named.add(g.name);
      issues.push({
        path: ['podList', 'items', k, 'spec', 'schedulingGroup', 'podGroupName'],
        message:
          `its PodGroup "${g.name}" gives spec.schedulingConstraints.topology[0].key "${g.topologyKey}", not a ` +
          `level of the topology (${levels.join(', ')})`,
      });
      return undefined;
    },
    notes: () => notesOf(groups, members),
  };
}

/** Most groups a note names; the rest are counted. */
const MAX_NAMED = 5;

const listed = (names: readonly string[]): string =>
  names.length <= MAX_NAMED
    ? names.join(', ')
    : `${names.slice(0, MAX_NAMED).join(', ')} and ${names.length - MAX_NAMED} more`;

function notesOf(groups: ReadonlyMap<string, Group>, members: ReadonlyMap<string, number>): string[] {
  const keyOf = new Map([...groups].map(([key, g]) => [g, key]));
  if (groups.size === 0) return [];
  const all = [...groups.values()];
  const gangs = all.filter((g) => !g.found || g.policy?.gang);
  const notes = [
    `read ${groups.size} Kubernetes pod groups (scheduling.k8s.io): ${gangs.length} gangs, ` +
      `${all.filter((g) => g.topologyKey).length} with a topology constraint`,
  ];
  const missing = all.filter((g) => !g.found).map((g) => g.name);
  if (missing.length > 0)
    notes.push(
      `${missing.length} pod groups are named by pods but not in the input (${listed(missing)}): kube-scheduler ` +
        'keeps their pods pending until the PodGroup (or Workload) exists; here each is a gang of its pods',
    );
  const count = (g: Group): number => members.get(keyOf.get(g)!)!;
  const few = all.filter((g) => (g.policy?.gang?.minCount ?? 0) > count(g));
  if (few.length > 0)
    notes.push(
      `${few.length} gangs have fewer pods in the input than their minCount (${listed(few.map((g) => g.name))}): ` +
        'kube-scheduler places none of them until the rest exist; here the pods there are a gang',
    );
  const more = all.filter((g) => (g.policy?.gang?.minCount ?? Infinity) < count(g));
  if (more.length > 0)
    notes.push(
      `${more.length} gangs have more pods than their minCount (${listed(more.map((g) => g.name))}): ` +
        'kube-scheduler admits one once minCount of its pods fit; here all of its pods are placed or none',
    );
  return notes;
}
