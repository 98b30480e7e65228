import { containerOf, type PodContext } from './kube-pods.js';
import type { KubeInput, KubeNode, KubePod } from './kube-schema.js';
import { unmodelledNotes } from './kube-notes.js';
import { kubeTopology } from './kube-topology.js';
import { nativeGroups } from './kube-workload.js';
import { HYPERNODE_LABEL, volcanoTopology, type VolcanoTopology } from './kube-volcano.js';
import type { PathIssue } from './path.js';
import { kubeBudgets } from './kube-pdb.js';
import { selectorMatches, type Labels } from './selectors.js';
import type { ContainerInput, NodeInput, SnapshotInput } from './snapshot.js';

/**
 * Kubernetes input: `kubectl get nodes -o json` and `kubectl get pods -A -o json` (and Namespace objects, for the
 * namespaceSelector of pod affinity), unchanged, become a plain snapshot with the same meaning: what kube-scheduler
 * reads, as its filters and scores read it (docs/kubernetes.md). Everything else kubectl prints is let through; what
 * kube-scheduler reads and the service does not model is named in a note, with how many pods carry it.
 *
 * Nodes: status.allocatable (the API server's default: status.capacity), labels, spec.taints,
 * spec.unschedulable, the Ready condition. Pods: see models/kube-pods.ts. Pods with a nodeName that are Running or
 * Pending occupy their node (pinned, unless options.movable selects them); Succeeded and Failed pods occupy
 * nothing; Pending pods without a node are the ones to place. A pod with only metadata.generateName is named
 * `generateName` and a number.
 */
export * from './kube-schema.js';
export { effectiveRequests } from './kube-pods.js';

/** Whether a node takes new pods: Ready (a node without a Ready condition counts as Ready). */
function nodeReady(node: KubeNode): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready === undefined || ready.status === 'True';
}

export interface KubeConversion {
  /** The plain snapshot (validated again by the snapshot schema); quantities stay milli-unit bigints. */
  readonly snapshot: SnapshotInput;
  /** What was read and what was skipped, for the answer's notes. */
  readonly notes: string[];
  /** Problems that make the input unusable (path, message). */
  readonly issues: PathIssue[];
}

/** The nodes as snapshot nodes (allocatable, or capacity where a node gives only that); duplicate names are issues. */
function nodesOf(input: KubeInput, issues: PathIssue[], notes: string[]): NodeInput[] {
  const names = new Set<string>();
  const count = { defaulted: 0, empty: 0 };
  const nodes = input.nodeList.items.map((node, i): NodeInput => {
    if (names.has(node.metadata.name))
      issues.push({
        path: ['nodeList', 'items', i, 'metadata', 'name'],
        message: `duplicate node "${node.metadata.name}"`,
      });
    names.add(node.metadata.name);
    const { allocatable, capacity } = node.status ?? {};
    if (!allocatable && capacity) count.defaulted++;
    // Neither: kube-scheduler sees nothing allocatable, not even a pod.
    if (!allocatable && !capacity) count.empty++;
    return {
      name: node.metadata.name,
      capacity: allocatable || capacity ? { ...(allocatable ?? capacity) } : { pods: 0 },
      labels: { ...(node.metadata.labels ?? {}) },
      ...(node.spec?.taints?.length
        ? { taints: node.spec.taints.map(({ key, value, effect }) => ({ key, effect, ...(value ? { value } : {}) })) }
        : {}),
      ...(node.spec?.unschedulable ? { unschedulable: true } : {}),
      ...(nodeReady(node) ? {} : { ready: false }),
    };
  });
  if (count.defaulted > 0)
    notes.push(
      `${count.defaulted} nodes give only status.capacity: their allocatable is their capacity, as the API server sets`,
    );
  if (count.empty > 0)
    notes.push(
      `${count.empty} nodes give neither status.allocatable nor status.capacity: ` +
        'they take no pods, as kube-scheduler sees them',
    );
  return nodes;
}

/** Every namespace the input knows, with its labels (the API server labels each with its own name). */
function namespacesOf(input: KubeInput): Map<string, Labels> {
  const out = new Map<string, Labels>();
  const add = (name: string, labels: Labels = {}): void =>
    void out.set(name, { 'kubernetes.io/metadata.name': name, ...(out.get(name) ?? {}), ...labels });
  for (const ns of input.namespaceList?.items ?? []) add(ns.metadata.name, ns.metadata.labels ?? {});
  for (const p of input.podList.items) add(p.metadata.namespace ?? 'default');
  return out;
}

/**
 * Names for pods that give only a generateName (the API server adds five random characters): generateName and the
 * first number, from 0, that makes a name no other pod of the namespace has.
 */
function podNames(pods: readonly KubePod[]): string[] {
  const taken = new Set(
    pods.flatMap((p) => (p.metadata.name ? [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`] : [])),
  );
  const next = new Map<string, number>();
  return pods.map((p) => {
    if (p.metadata.name) return p.metadata.name;
    const ns = p.metadata.namespace ?? 'default';
    const prefix = p.metadata.generateName!;
    let k = next.get(`${ns}/${prefix}`) ?? 0;
    while (taken.has(`${ns}/${prefix}${k}`)) k++;
    next.set(`${ns}/${prefix}`, k + 1);
    taken.add(`${ns}/${prefix}${k}`);
    return `${prefix}${k}`;
  });
}

function podContext(input: KubeInput, issues: PathIssue[]): PodContext {
  const movable = input.options?.movable;
  const pods = input.podList.items;
  return {
    namespaces: namespacesOf(input),
    namespaceObjects: (input.namespaceList?.items.length ?? 0) > 0,
    // spec.priority (from the PriorityClass) becomes a rank 1, 2, … so the unplaced penalties stay small.
    priorityRank: new Map(
      [...new Set(pods.map((p) => p.spec.priority ?? 0))].sort((a, b) => a - b).map((p, k) => [p, k + 1]),
    ),
    isMovable: (pod) =>
      movable !== undefined && (movable === 'all' || selectorMatches(movable, pod.metadata.labels ?? {})),
    issues,
  };
}

/**
 * Volcano's HyperNodes as levels: each node labelled with its HyperNode of each tier (kube-volcano.ts), where no
 * Topology object or options.topology names the levels.
 */
function volcanoOf(
  input: KubeInput,
  nodes: NodeInput[],
  issues: PathIssue[],
  notes: string[],
): VolcanoTopology | undefined {
  const hyperNodes = input.hyperNodeList?.items ?? [];
  if (hyperNodes.length === 0) return undefined;
  if (input.options?.topology || (input.topologyList?.items.length ?? 0) > 0) {
    notes.push(
      `${hyperNodes.length} Volcano HyperNodes were not read: a Topology or options.topology names the levels`,
    );
    return undefined;
  }
  const named = nodes.map((n) => ({ name: n.name, labels: (n.labels ?? {}) as Labels }));
  const v = volcanoTopology(hyperNodes, named, issues);
  if (!v) return undefined;
  for (const n of nodes) n.labels = { ...(n.labels ?? {}), ...v.labels.get(n.name) };
  notes.push(
    `read ${hyperNodes.length} Volcano HyperNodes: tiers ${v.tiers.join(', ')} are the topology's levels ` +
      `(node labels ${HYPERNODE_LABEL}<tier>)`,
  );
  return v;
}

export function kubeToSnapshot(input: KubeInput): KubeConversion {
  const notes: string[] = [];
  const issues: PathIssue[] = [];
  const nodes = nodesOf(input, issues, notes);
  const nodeNames = new Set(nodes.map((n) => n.name));
  const pods = input.podList.items;
  const ctx = podContext(input, issues);
  const volcano = volcanoOf(input, nodes, issues, notes);
  const native = nativeGroups(input);
  const topology = kubeTopology(input, issues, volcano, native);
  const names = podNames(pods);
  const seen = new Set<string>();
  const count = { finished: 0, bound: 0, pending: 0, named: 0 };
  const containers: ContainerInput[] = [];
  pods.forEach((pod, k) => {
    const name = `${pod.metadata.namespace ?? 'default'}/${names[k]}`;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return void count.finished++;
    if (seen.has(name))
      issues.push({ path: ['podList', 'items', k, 'metadata', 'name'], message: `duplicate pod "${name}"` });
    seen.add(name);
    if (!pod.metadata.name) count.named++;
    const nodeName = pod.spec.nodeName;
    if (nodeName !== undefined && !nodeNames.has(nodeName))
      return void notes.push(`pod ${name} is bound to node "${nodeName}", which is not in the node list: left out`);
    if (nodeName !== undefined) count.bound++;
    else count.pending++;
    const t = topology.of(pod, k);
    // Kubernetes' own pod group comes before the gang labels and annotations of other schedulers.
    const gang = native.gang(pod);
    containers.push({
      ...containerOf(pod, names[k]!, k, ctx),
      ...(gang ? { gang } : {}),
      ...(t ? { topology: t } : {}),
    });
  });
  const movable = input.options?.movable;
  notes.unshift(
    `read ${nodes.length} nodes and ${pods.length} pods: ${count.pending} to place, ` +
      `${count.bound} bound${movable ? ' (movable ones may move)' : ''}, ${count.finished} finished (ignored)`,
  );
  if (count.named > 0) notes.push(`${count.named} pods give only metadata.generateName: named generateName + a number`);
  notes.push(...unmodelledNotes(input), ...topology.notes(), ...native.notes());
  const budgets = kubeBudgets(input, issues, notes);
  const { movable: _movable, ...given } = input.options ?? {};
  const options = topology.levels && !given.topology ? { ...given, topology: { levels: [...topology.levels] } } : given;
  const snapshot = {
    nodes,
    containers,
    ...(Object.keys(options).length ? { options } : {}),
    ...(budgets.length > 0 ? { disruptionBudgets: budgets } : {}),
  };
  return { snapshot, notes, issues };
}
