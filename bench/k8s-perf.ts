import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { Placer } from './k8s-perf-place.js';

/**
 * Kubernetes' own scheduler benchmark, test/integration/scheduler_perf of kubernetes/kubernetes, as the
 * `kubectl get namespaces,nodes,pods -o json` document of the cluster each workload builds: every workload whose
 * operations only create nodes, namespaces and pods from templates, at its published size, built the way
 * scheduler_perf builds it (fixtures/k8s-perf/README.md says where each rule comes from):
 *
 * - the operations of a workload template are unrolled first (createPodSets becomes one createPods per
 *   namespace) and numbered; pods of an operation without a namespace go to `namespace-<operation index>`;
 * - a node without a template is scheduler_perf's base node (`makeBaseNode`: generateName `node-<operation
 *   index>-`, 4 cpu, 32Gi, 110 pods, capacity and allocatable); a node gets its name on the client side,
 *   generateName plus 5 characters (here deterministic, in creation order), and the label
 *   `kubernetes.io/hostname` = its name; `labelNodePrepareStrategy` then labels the nodes round-robin in the
 *   order the API server lists them (by name);
 * - every pod from a template gets the label `signature: signature-label-<index>` (signature batch size 1);
 * - the pods of operations before the measured one (`collectMetrics: true`) are bound to nodes, in
 *   creation order, each to the next node after the previous one's that takes it by resources, taints, node
 *   affinity and required pod (anti-)affinity: the even spread kube-scheduler's LeastAllocated scoring gives
 *   identical pods on identical nodes; the measured pods are pending.
 *
 * Two forms: raw (the objects as scheduler_perf sends them: pods with `metadata.generateName` only, template
 * nodes with `status.capacity` only, no status on pods) and, by default, the form the service reads today:
 * pods named `<generateName><index>`, `status.allocatable` copied from `status.capacity` where a node has
 * none (what the API server's defaulting does), and `status.phase` Running (bound) or Pending.
 */

type Json = Record<string, unknown>;
type Labels = Record<string, string>;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEMPLATES = join(ROOT, 'fixtures', 'k8s-perf', 'templates');
const PERF = 'kubernetes/kubernetes test/integration/scheduler_perf';

/** The performance-config.yaml each workload is read from, with the commit of the version read. */
const CONFIGS = {
  misc: `${PERF}/misc/performance-config.yaml @ 008b3652959ca58af8be3fb5b6ecfe9ae7638282`,
  topology: `${PERF}/topology_spreading/performance-config.yaml @ 05377107b08828b9be7554d2bf2507510d28827f`,
  affinity: `${PERF}/affinity/performance-config.yaml @ 1bd6a8f3c4255ac03133920bb1eb3959934aab09`,
  volumes: `${PERF}/volumes/performance-config.yaml @ 240d43d6c2fefbe01529e81eed0de71a134094ed`,
  batching: `${PERF}/batching/performance-config.yaml @ d7ce957d8a8729e0e9c2e365288277d742491a5b`,
} as const;

/** One operation of a workload template with the workload's params filled in (before scaling). */
type Op =
  | {
      readonly op: 'createNodes';
      readonly count: number;
      /** A literal `count` in the config (not a countParam): not scaled. */
      readonly fixed?: boolean;
      readonly template?: string;
      readonly labelNodes?: { readonly key: string; readonly values: readonly string[] };
    }
  | {
      readonly op: 'createNamespaces';
      readonly prefix: string;
      readonly count: number;
      readonly fixed?: boolean;
      readonly template?: string;
    }
  | {
      readonly op: 'createPods';
      readonly count: number;
      readonly template: string;
      readonly namespace?: string;
      readonly measure?: boolean;
    }
  | {
      readonly op: 'createPodSets';
      readonly count: number;
      readonly prefix: string;
      /** Pods per set (initPodsPerNamespace): not scaled, the number of sets is. */
      readonly perSet: number;
      readonly template: string;
    };

interface Definition {
  readonly testCase: string;
  readonly workload: string;
  readonly config: string;
  readonly threshold?: number;
  readonly ops: readonly Op[];
  readonly note?: string;
}

const nodes = (count: number, template?: string, zones?: readonly string[]): Op => ({
  op: 'createNodes',
  count,
  ...(template === undefined ? {} : { template }),
  ...(zones === undefined ? {} : { labelNodes: { key: 'topology.kubernetes.io/zone', values: zones } }),
});
const pods = (count: number, template: string, namespace?: string): UnrolledPods => ({
  op: 'createPods',
  count,
  template,
  ...(namespace === undefined ? {} : { namespace }),
});
const measure = (count: number, template: string, namespace?: string): UnrolledPods => ({
  op: 'createPods',
  count,
  template,
  measure: true,
  ...(namespace === undefined ? {} : { namespace }),
});
const namespaces = (prefix: string, count: number, fixed: boolean, template?: string): Op => ({
  op: 'createNamespaces',
  prefix,
  count,
  fixed,
  ...(template === undefined ? {} : { template }),
});

const SOFT = 'preferred (soft) terms only: the preferences part of the objective';

/** The two affinity test cases of the plain kind: nodes, two namespaces, init pods in sched-0, measured in sched-1. */
function schedNamespaces(testCase: string, workload: string, threshold: number, init: number, measured: number) {
  return (template: string, measuredTemplate = template, zoneNodes = false, note?: string): Definition => ({
    testCase,
    workload,
    config: CONFIGS.affinity,
    threshold,
    ops: [
      zoneNodes ? nodes(5000, 'node-default.yaml', ['zone1']) : nodes(5000),
      namespaces('sched', 2, true),
      pods(init, template, 'sched-0'),
      measure(measured, measuredTemplate, 'sched-1'),
    ],
    ...(note === undefined ? {} : { note }),
  });
}

/** The four namespace-selector test cases: init pods in `initNamespaces` labelled namespaces, measured in one more. */
function withNamespaceSelector(
  testCase: string,
  workload: string,
  params: { nodes: number; namespaces: number; perNamespace: number; measure: number; threshold: number },
  template: string,
  zoneLabel: boolean,
  note: string,
): Definition {
  return {
    testCase,
    workload,
    config: CONFIGS.affinity,
    threshold: params.threshold,
    ops: [
      nodes(params.nodes, undefined, zoneLabel ? ['zone1'] : undefined),
      namespaces('init-ns', params.namespaces, false, 'namespace-with-labels.yaml'),
      namespaces('measure-ns', 1, true, 'namespace-with-labels.yaml'),
      { op: 'createPodSets', count: params.namespaces, prefix: 'init-ns', perSet: params.perNamespace, template },
      measure(params.measure, template, 'measure-ns-0'),
    ],
    note,
  };
}

const NS_SELECTOR =
  'the pods select namespaces by label (namespaceSelector team: devops); the service takes only the empty selector';

/** Every workload built, at the size published in its config (the largest 5 000-node one where there are several). */
const DEFINITIONS: readonly Definition[] = [
  {
    testCase: 'SchedulingBasic',
    workload: '5000Nodes_50000Pods',
    config: CONFIGS.misc,
    threshold: 810,
    ops: [nodes(5000), pods(5000, 'pod-default.yaml'), measure(50_000, 'pod-default.yaml')],
    note: 'the largest SchedulingBasic workload; 5000Nodes_10000Pods (1 000 running, threshold 680) is the smaller',
  },
  {
    testCase: 'SchedulingDaemonset',
    workload: '15000Nodes',
    config: CONFIGS.misc,
    threshold: 1100,
    ops: [
      { op: 'createNodes', count: 1, fixed: true, template: 'node-with-name.yaml' },
      nodes(15_000, 'node-default.yaml'),
      measure(30_000, 'daemonset-pod.yaml'),
    ],
    note: 'published at 15 001 nodes (no 5 000-node size); every pod is pinned to scheduler-perf-node by matchFields',
  },
  {
    testCase: 'SchedulingWithExtendedResource',
    workload: '5000pods_5000nodes',
    config: CONFIGS.misc,
    threshold: 180,
    ops: [
      nodes(0),
      nodes(5000, 'misc/node-with-extended-resource.yaml'),
      measure(5000, 'misc/pod-with-extended-resource.yaml', 'test'),
    ],
    note:
      'the DRAExtendedResource=false variant (device-plugin style resources): node i has foo.com/bar-i: 1 and pod i ' +
      'requests it, one distinct resource per node',
  },
  ...topologyDefinitions(),
  ...affinityDefinitions(),
  {
    testCase: 'SchedulingSecrets',
    workload: '5000Nodes_10000Pods',
    config: CONFIGS.volumes,
    threshold: 790,
    ops: [nodes(5000), pods(1000, 'pod-with-secret-volume.yaml'), measure(10_000, 'pod-with-secret-volume.yaml')],
    note: 'a secret volume, which the scheduler does not filter on: placement by resources alone',
  },
  {
    testCase: 'ResourceSaturation',
    workload: '20000Nodes_20000Pods_OpportunisticBatchingDisabled',
    config: CONFIGS.batching,
    ops: [nodes(20_000, 'node-default.yaml'), measure(20_000, 'pod-saturation.yaml')],
    note: 'no published threshold; 3-cpu pods on 4-cpu nodes, one per node (scheduler config: no default spread)',
  },
];

function topologyDefinitions(): Definition[] {
  const moons = ['moon-1', 'moon-2', 'moon-3'];
  return [
    {
      testCase: 'TopologySpreading',
      workload: '5000Nodes_5000Pods',
      config: CONFIGS.topology,
      threshold: 460,
      ops: [
        nodes(5000, 'node-default.yaml', moons),
        pods(5000, 'pod-default.yaml'),
        measure(5000, 'pod-with-topology-spreading.yaml'),
      ],
    },
    {
      testCase: 'PreferredTopologySpreading',
      workload: '5000Nodes_5000Pods',
      config: CONFIGS.topology,
      threshold: 340,
      ops: [
        nodes(5000, 'node-default.yaml', moons),
        pods(5000, 'pod-default.yaml'),
        measure(5000, 'pod-with-preferred-topology-spreading.yaml'),
      ],
      note: 'whenUnsatisfiable: ScheduleAnyway: the preferences part of the objective',
    },
    {
      testCase: 'SchedulingWithNodeInclusionPolicy',
      workload: '5000Nodes',
      config: CONFIGS.topology,
      threshold: 270,
      ops: [nodes(4000), nodes(1000, 'node-with-taint.yaml'), measure(4000, 'pod-with-node-inclusion-policy.yaml')],
      note:
        'spread over hostnames with nodeTaintsPolicy/nodeAffinityPolicy Honor (the template writes the keys ' +
        'NodeTaintsPolicy, NodeAffinityPolicy, which the API server decodes case-insensitively; written here as ' +
        'the API server stores them); the service counts domains as with the default Ignore',
    },
  ];
}

function affinityDefinitions(): Definition[] {
  return [
    schedNamespaces(
      'SchedulingPodAntiAffinity',
      '5000Nodes_2000Pods',
      60,
      1000,
      2000,
    )('pod-with-pod-anti-affinity.yaml'),
    schedNamespaces(
      'SchedulingPodMatchingAntiAffinity',
      '5000Nodes_5000Pods',
      595,
      1000,
      5000,
    )(
      'pod-with-pod-anti-affinity.yaml',
      'pod-with-pod-anti-affinity-label.yaml',
      false,
      'measured pods carry no affinity; they match the running pods anti-affinity (threshold 543 with QueueingHints)',
    ),
    schedNamespaces(
      'SchedulingPodAffinity',
      '5000Nodes_5000Pods',
      35,
      5000,
      5000,
    )('pod-with-pod-affinity.yaml', 'pod-with-pod-affinity.yaml', true),
    schedNamespaces(
      'SchedulingPreferredPodAffinity',
      '5000Nodes_5000Pods',
      90,
      5000,
      5000,
    )('pod-with-preferred-pod-affinity.yaml', 'pod-with-preferred-pod-affinity.yaml', false, SOFT),
    schedNamespaces(
      'SchedulingPreferredPodAntiAffinity',
      '5000Nodes_5000Pods',
      90,
      5000,
      5000,
    )('pod-with-preferred-pod-anti-affinity.yaml', 'pod-with-preferred-pod-anti-affinity.yaml', false, SOFT),
    {
      testCase: 'SchedulingNodeAffinity',
      workload: '5000Nodes_10000Pods',
      config: CONFIGS.affinity,
      threshold: 220,
      ops: [
        nodes(5000, 'node-default.yaml', ['zone1']),
        pods(5000, 'pod-with-node-affinity.yaml'),
        measure(10_000, 'pod-with-node-affinity.yaml'),
      ],
    },
    mixedBasePod(),
    ...namespaceSelectorDefinitions(),
  ];
}

function mixedBasePod(): Definition {
  const init = [
    'pod-default.yaml',
    'pod-with-pod-affinity.yaml',
    'pod-with-pod-anti-affinity.yaml',
    'pod-with-preferred-pod-affinity.yaml',
    'pod-with-preferred-pod-anti-affinity.yaml',
  ];
  return {
    testCase: 'MixedSchedulingBasePod',
    workload: '5000Nodes_5000Pods',
    config: CONFIGS.affinity,
    threshold: 140,
    ops: [
      nodes(5000, 'node-default.yaml', ['zone1']),
      namespaces('sched', 1, true),
      ...init.map((t) => pods(2000, t, 'sched-0')),
      measure(5000, 'pod-default.yaml'),
    ],
    note: '2 000 running pods of each of five templates (plain, affinity, anti-affinity, preferred of both)',
  };
}

function namespaceSelectorDefinitions(): Definition[] {
  return [
    withNamespaceSelector(
      'SchedulingRequiredPodAntiAffinityWithNSSelector',
      '5000Nodes_2000Pods',
      { nodes: 6000, namespaces: 100, perNamespace: 40, measure: 2000, threshold: 24 },
      'pod-anti-affinity-ns-selector.yaml',
      false,
      `${NS_SELECTOR}; 6 000 nodes for 6 000 mutually anti-affine pods`,
    ),
    withNamespaceSelector(
      'SchedulingPreferredAntiAffinityWithNSSelector',
      '5000Nodes_2000Pods',
      { nodes: 5000, namespaces: 100, perNamespace: 40, measure: 2000, threshold: 55 },
      'pod-preferred-anti-affinity-ns-selector.yaml',
      false,
      SOFT,
    ),
    withNamespaceSelector(
      'SchedulingRequiredPodAffinityWithNSSelector',
      '5000Nodes_2000Pods',
      { nodes: 5000, namespaces: 100, perNamespace: 50, measure: 2000, threshold: 35 },
      'pod-affinity-ns-selector.yaml',
      true,
      NS_SELECTOR,
    ),
    withNamespaceSelector(
      'SchedulingPreferredAffinityWithNSSelector',
      '5000Nodes_5000Pods',
      { nodes: 5000, namespaces: 100, perNamespace: 50, measure: 5000, threshold: 90 },
      'pod-preferred-affinity-ns-selector.yaml',
      false,
      SOFT,
    ),
  ];
}

/** A scheduler_perf workload left out, and why this service cannot represent it. */
export interface LeftOut {
  readonly name: string;
  readonly source: string;
  readonly reason: string;
}

const PREEMPTION =
  'needs preemption (high-priority pods evict running low-priority ones), which the service does not do';
const CHURN = 'a churn operation creates or deletes objects on a timer while the measured pods are scheduled';

/** The workloads scheduler_perf publishes that are not built, with the reason (by test case; all its workloads). */
export const K8S_PERF_LEFT_OUT: readonly LeftOut[] = [
  { name: 'PreemptionBasic', source: 'misc/, default_preemption/', reason: PREEMPTION },
  { name: 'PreemptionAsync', source: 'misc/, default_preemption/', reason: `${PREEMPTION}; ${CHURN}` },
  {
    name: 'Unschedulable',
    source: 'misc/, default_preemption/',
    reason: `${CHURN} (unschedulable high-priority pods every 200 ms, each triggering a preemption attempt)`,
  },
  { name: 'SchedulingWithMixedChurn', source: 'misc/', reason: `${CHURN} (nodes, pods, services recreated)` },
  {
    name: 'SchedulingWhileGated',
    source: 'misc/',
    reason: 'pods with schedulingGates, a barrier and deletePods while measuring: no single snapshot',
  },
  {
    name: 'SchedulingDeletedPodsWithFinalizers',
    source: 'misc/',
    reason: 'pods with finalizers deleted while being scheduled (deletePods): no single snapshot',
  },
  {
    name: 'SchedulingWithExtendedResource (DRAExtendedResource=true variants), dra/extendedresource/',
    source: 'misc/, dra/extendedresource/',
    reason: 'extended resources backed by DRA (DeviceClass, ResourceSlices, createResourceDriver)',
  },
  {
    name: 'DefaultTopologySpreading',
    source: 'topology_spreading/',
    reason:
      "createAny of a Service: the spread constraints are the scheduler's defaultConstraints applied through the " +
      'Service selector, not fields of the pods',
  },
  {
    name: 'SchedulingGatedPodsWithPodAffinityImpactForThroughput',
    source: 'affinity/',
    reason: 'gated pods (schedulingGates), skipWaitToCompletion and a barrier before the measured pods',
  },
  ...moreLeftOut(),
];

function moreLeftOut(): LeftOut[] {
  const volumes = 'PersistentVolumes and claims (volume binding, CSI attach limits), which the service does not read';
  return [
    { name: 'SchedulingInTreePVs', source: 'volumes/', reason: volumes },
    { name: 'SchedulingMigratedInTreePVs', source: 'volumes/', reason: volumes },
    { name: 'SchedulingCSIPVs', source: 'volumes/', reason: volumes },
    { name: 'PreemptionPVs', source: 'volumes/', reason: `${PREEMPTION}; ${volumes}` },
    {
      name: 'HostPortConflict, AlternatingSignatures',
      source: 'batching/, opportunistic/',
      reason: 'hostPort conflicts (NodePorts plugin), which the service does not model',
    },
    {
      name: 'NodeDeclaredFeaturesDisabled, NodeDeclaredFeaturesEnabled',
      source: 'nodedeclaredfeatures/',
      reason: 'pod-level resources (spec.resources) and node-declared features, which the service does not read',
    },
    {
      name: 'NNNMiss',
      source: 'nnn_hint_fallback/',
      reason: 'gated pods with a nominatedNodeName and a custom scheduler config',
    },
    {
      name: 'EventHandlingPodDelete, EventHandlingPodUpdate, EventHandlingNodeAdd, EventHandlingPodAdd, …',
      source: 'event_handling/',
      reason: 'barriers, updateAny, deletePods and nodes added between stages: scheduling events, not a snapshot',
    },
    {
      name: 'GangScheduling, BasicScheduling, CPG*, WorkloadPodGroupScheduling and the podgroup TAS cases',
      source: 'gangscheduling/, podgroup/, cpg/, tas/',
      reason:
        'PodGroup / CompositePodGroup / Workload API objects (createPodGroups, createAny, waitForPodGroups) that ' +
        'the pods reference; the service reads gangs only from the pod-group label or Volcano annotation',
    },
    { name: 'workload_preemption/ (all)', source: 'workload_preemption/', reason: PREEMPTION },
    { name: 'Starvation*', source: 'starvation/', reason: `${CHURN}; barriers, unschedulable clogger pods` },
    { name: 'PreemptionQueueChurnStress, PreemptionMultiVictimWaveStress', source: 'stress/', reason: PREEMPTION },
    {
      name: 'DeferredResizePreemption*',
      source: 'resize_preemption/',
      reason: `in-place resize (updateAny on the resize subresource); ${PREEMPTION}`,
    },
    {
      name: 'dra/ (all)',
      source: 'dra/',
      reason: 'ResourceClaims, ResourceClaimTemplates, DeviceClasses and ResourceSlices (DRA)',
    },
  ];
}

/** One workload, ready to post to /v1/plan. */
export interface K8sPerfWorkload {
  /** `<test case>/<workload>`, as scheduler_perf names it. */
  readonly name: string;
  readonly nodes: number;
  /** Pods bound to nodes before the measured operation (running). */
  readonly initPods: number;
  /** Pods of the measured operation (pending: to place). */
  readonly measurePods: number;
  /** The published kube-scheduler throughput (pods/s) the CI run must exceed, when the config gives one. */
  readonly threshold?: number;
  /** `{kind: 'List', items: [Namespace…, Node…, Pod…]}`, built anew on each access (a getter). */
  readonly body: object;
  /** The config file and commit the workload is read from. */
  readonly source: string;
  /** What to know about it (soft rules the service ignores, limits it may exceed, …). */
  readonly note?: string;
}

export interface K8sPerfOptions {
  /** Multiplies every count param (1: the published size); literal counts stay. Counts above 0 stay ≥ 1. */
  readonly scale?: number;
  /** Post the objects as scheduler_perf creates them (generateName-only pods, capacity-only nodes). */
  readonly raw?: boolean;
}

/** Every workload built (see the module comment), in the order of their configs; bodies are built lazily. */
export function k8sPerfWorkloads(options: K8sPerfOptions = {}): K8sPerfWorkload[] {
  const scale = options.scale ?? 1;
  const raw = options.raw ?? false;
  if (!(scale > 0)) throw new Error(`scale must be > 0, got ${scale}`);
  return DEFINITIONS.map((def) => {
    const ops = unroll(scaled(def.ops, scale));
    const count = (f: (o: UnrolledPods) => boolean): number =>
      ops.reduce((s, o) => s + (o.op === 'createPods' && f(o) ? o.count : 0), 0);
    return {
      name: `${def.testCase}/${def.workload}`,
      nodes: ops.reduce((s, o) => s + (o.op === 'createNodes' ? o.count : 0), 0),
      initPods: count((o) => !o.measure),
      measurePods: count((o) => o.measure === true),
      ...(def.threshold === undefined ? {} : { threshold: def.threshold }),
      get body(): object {
        return build(ops, raw);
      },
      source: def.config,
      ...(def.note === undefined ? {} : { note: def.note }),
    };
  });
}

type Unrolled = Exclude<Op, { op: 'createPodSets' }>;
type UnrolledPods = Extract<Op, { op: 'createPods' }>;

function scaled(ops: readonly Op[], scale: number): Op[] {
  const s = (n: number): number => (n === 0 ? 0 : Math.max(1, Math.round(n * scale)));
  return ops.map((o): Op => {
    if ((o.op === 'createNodes' || o.op === 'createNamespaces') && o.fixed) return o;
    return { ...o, count: s(o.count) };
  });
}

/** scheduler_perf's unrollWorkloadTemplate: a createPodSets becomes one createPods per namespace `<prefix>-<i>`. */
function unroll(ops: readonly Op[]): Unrolled[] {
  return ops.flatMap((o): Unrolled[] =>
    o.op === 'createPodSets'
      ? Array.from({ length: o.count }, (_, i) => pods(o.perSet, o.template, `${o.prefix}-${i}`))
      : [o],
  );
}

/** What building a workload accumulates. */
interface Cluster {
  readonly raw: boolean;
  readonly namespaces: Map<string, Labels>;
  readonly nodes: Json[];
  readonly pods: Json[];
  /** How many objects each generateName (per namespace for pods) has named so far. */
  readonly generated: Map<string, number>;
  readonly placer: Placer;
}

function build(ops: readonly Unrolled[], raw: boolean): object {
  const cluster: Cluster = {
    raw,
    namespaces: new Map(),
    nodes: [],
    pods: [],
    generated: new Map(),
    placer: new Placer(),
  };
  ops.forEach((o, index) => {
    if (o.op === 'createNodes') createNodes(cluster, o, index);
    else if (o.op === 'createNamespaces') createNamespaces(cluster, o);
    else createPods(cluster, o, index);
  });
  const namespaceItems = [...cluster.namespaces].map(([name, labels]) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
  }));
  return { apiVersion: 'v1', kind: 'List', items: [...namespaceItems, ...cluster.nodes, ...cluster.pods] };
}

/** The name suffix alphabet of k8s.io/apimachinery's rand.String, in code point order (names sort as created). */
const ALPHABET = '2456789bcdfghjklmnpqrstvwxz';

/** generateName + 5 characters, deterministic: the n-th name of a prefix (rand.String(5) in node_util.go). */
function suffix(n: number): string {
  let s = '';
  for (let k = 0, v = n; k < 5; k++, v = Math.floor(v / ALPHABET.length)) s = ALPHABET[v % ALPHABET.length]! + s;
  return s;
}

function nextIndex(cluster: Cluster, key: string): number {
  const n = cluster.generated.get(key) ?? 0;
  cluster.generated.set(key, n + 1);
  return n;
}

/** scheduler_perf's makeBaseNode (util.go): the node of a createNodes operation without a template. */
function baseNode(prefix: string): Json {
  const resources = { pods: '110', cpu: '4', memory: '32Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { generateName: prefix },
    spec: {},
    status: {
      capacity: { ...resources },
      allocatable: { ...resources },
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function createNodes(cluster: Cluster, o: Extract<Op, { op: 'createNodes' }>, opIndex: number): void {
  const first = cluster.nodes.length;
  for (let i = 0; i < o.count; i++) {
    const node = o.template ? template(o.template, { Index: i, Count: o.count }) : baseNode(`node-${opIndex}-`);
    const meta = node['metadata'] as Json;
    const name =
      typeof meta['name'] === 'string'
        ? meta['name']
        : `${String(meta['generateName'])}${suffix(nextIndex(cluster, `node/${String(meta['generateName'])}`))}`;
    meta['name'] = name;
    meta['labels'] = { ...((meta['labels'] as Labels | undefined) ?? {}), 'kubernetes.io/hostname': name };
    const status = node['status'] as Json;
    stringifyQuantities(status, ['capacity', 'allocatable']);
    if (!cluster.raw && status['allocatable'] === undefined)
      status['allocatable'] = { ...(status['capacity'] as Json) };
    cluster.nodes.push(node);
  }
  if (o.labelNodes) labelNodes(cluster.nodes, first, o.count, o.labelNodes);
  for (let i = first; i < cluster.nodes.length; i++) cluster.placer.addNode(cluster.nodes[i]!);
}

/** labelNodePrepareStrategy: values round-robin over the nodes as listed (by name), from this operation's first. */
function labelNodes(all: Json[], first: number, count: number, strategy: { key: string; values: readonly string[] }) {
  // The API server lists by name in byte order (its storage key order).
  const listed = [...all].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  listed.slice(first, first + count).forEach((node, k) => {
    const meta = node['metadata'] as { labels: Labels };
    meta.labels[strategy.key] = strategy.values[k % strategy.values.length]!;
  });
}

function nameOf(o: Json): string {
  return String((o['metadata'] as Json)['name']);
}

function createNamespaces(cluster: Cluster, o: Extract<Op, { op: 'createNamespaces' }>): void {
  const labels = o.template ? (((template(o.template, {})['metadata'] as Json)['labels'] as Labels) ?? {}) : {};
  for (let i = 0; i < o.count; i++) cluster.namespaces.set(`${o.prefix}-${i}`, { ...labels });
}

function createPods(cluster: Cluster, o: UnrolledPods, opIndex: number): void {
  const namespace = o.namespace ?? `namespace-${opIndex}`;
  if (!cluster.namespaces.has(namespace)) cluster.namespaces.set(namespace, {});
  for (let i = 0; i < o.count; i++) {
    const pod = template(o.template, { Index: i, Count: o.count });
    const meta = pod['metadata'] as Json;
    meta['namespace'] = namespace;
    meta['labels'] = { ...((meta['labels'] as Labels | undefined) ?? {}), signature: `signature-label-${i}` };
    if (!cluster.raw && typeof meta['name'] !== 'string') {
      const prefix = String(meta['generateName']);
      meta['name'] = `${prefix}${nextIndex(cluster, `pod/${namespace}/${prefix}`)}`;
    }
    canonicalSpreadKeys(pod['spec'] as Json);
    for (const c of [...podContainers(pod)])
      stringifyQuantities(c['resources'] as Json | undefined, ['requests', 'limits']);
    if (!o.measure) {
      const node = cluster.placer.place(pod, namespace, cluster.namespaces);
      (pod['spec'] as Json)['nodeName'] = node;
    }
    if (!cluster.raw) pod['status'] = { phase: o.measure ? 'Pending' : 'Running' };
    cluster.pods.push(pod);
  }
}

function podContainers(pod: Json): Json[] {
  const spec = pod['spec'] as { containers?: Json[]; initContainers?: Json[] };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
}

/** Quantities as the API server prints them: strings (`cpu: 3` in a template is "3"). */
function stringifyQuantities(holder: Json | undefined, fields: readonly string[]): void {
  for (const f of fields) {
    const list = holder?.[f] as Json | undefined;
    if (list) for (const [k, v] of Object.entries(list)) if (typeof v === 'number') list[k] = String(v);
  }
}

const SPREAD_FIELDS = [
  'maxSkew',
  'topologyKey',
  'whenUnsatisfiable',
  'labelSelector',
  'minDomains',
  'nodeAffinityPolicy',
  'nodeTaintsPolicy',
  'matchLabelKeys',
];

/** Field names of topologySpreadConstraints as the API server stores them (Go decodes JSON keys case-insensitively). */
function canonicalSpreadKeys(spec: Json): void {
  const constraints = spec['topologySpreadConstraints'] as Json[] | undefined;
  spec['topologySpreadConstraints'] = constraints?.map((c) =>
    Object.fromEntries(
      Object.entries(c).map(([k, v]) => [SPREAD_FIELDS.find((f) => f.toLowerCase() === k.toLowerCase()) ?? k, v]),
    ),
  );
  if (constraints === undefined) delete spec['topologySpreadConstraints'];
}

const templateText = new Map<string, string>();
/** Templates without actions, parsed once (each use gets a deep copy). */
const templateParsed = new Map<string, Json>();

/**
 * A template instantiated: `{{.Index}}` and `{{.Count}}` replaced (the only text/template actions the templates
 * used here contain; anything else is an error), then the YAML parsed into a fresh object.
 */
function template(path: string, env: Record<string, number>): Json {
  const parsed = templateParsed.get(path);
  if (parsed) return structuredClone(parsed);
  let text = templateText.get(path);
  if (text === undefined) {
    text = readFileSync(join(TEMPLATES, path), 'utf8');
    templateText.set(path, text);
    if (!text.includes('{{')) templateParsed.set(path, parseYaml(text) as Json);
  }
  const rendered = text.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (whole, key: string) => {
    const v = env[key];
    if (v === undefined) throw new Error(`${path}: ${whole} has no value here`);
    return String(v);
  });
  if (rendered.includes('{{')) throw new Error(`${path}: unsupported template action`);
  return parseYaml(rendered) as Json;
}
