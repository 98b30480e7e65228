import { z } from 'zod';
import './messages.js';
import { HyperNodeSchema, VolcanoPodGroupSchema } from './kube-volcano.js';
import { QuantitySchema, SnapshotOptionsSchema } from './snapshot.js';
import {
  LabelSelectorSchema,
  LabelsSchema,
  NodeSelectorTermSchema,
  TaintSchema,
  TolerationSchema,
} from './selectors.js';

/**
 * Kubernetes input: `kubectl get nodes -o json` and `kubectl get pods -A -o json`, unchanged, become a
 * plain snapshot with the same meaning. Only the fields the scheduler reads are checked; everything else
 * kubectl prints (managedFields, status details, …) is let through and ignored.
 *
 * Nodes: status.allocatable (not capacity), labels, spec.taints, spec.unschedulable, the Ready condition.
 * Pods: the effective request (app containers + sidecars, or the largest init container with the sidecars
 * declared before it, plus spec.overhead; limits where requests are absent), nodeSelector, required node
 * affinity, tolerations, required pod (anti-)affinity, topology spread with DoNotSchedule, gang membership
 * (pod group label or Volcano annotation, see GANG_LABELS), spec.priority (its rank among the pods'
 * priorities, for allowUnplaced). Pods with a
 * nodeName that are Running or Pending occupy their node (pinned, unless options.movable selects them);
 * Succeeded and Failed pods occupy nothing; Pending pods without a node are the ones to place.
 */

const Quantities = z.record(z.string().min(1), QuantitySchema);

const ObjectMeta = z.looseObject({
  name: z.string().min(1, 'must not be empty'),
  namespace: z.string().optional(),
  labels: LabelsSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * A pod's metadata: a name, or only a generateName (a template, as scheduler_perf's), for which the API server
 * would add a random suffix: the service names it deterministically (`generateName` and a number, first free).
 */
const PodMeta = ObjectMeta.extend({
  name: z.string().min(1, 'must not be empty').optional(),
  generateName: z.string().min(1, 'must not be empty').optional(),
  /** Set while the pod is being deleted: it still takes its node's capacity, and spread does not count it. */
  deletionTimestamp: z.string().optional(),
  ownerReferences: z
    .array(z.looseObject({ kind: z.string(), name: z.string(), controller: z.boolean().optional() }))
    .optional(),
}).refine((m) => m.name !== undefined || m.generateName !== undefined, {
  message: 'required (or metadata.generateName)',
  path: ['name'],
});

/**
 * Where gang (pod group) membership is written: the coscheduling plugin's label (current and older name), Kueue's
 * pod group (label, or annotation), Volcano's annotation and KAI Scheduler's annotation. Pods of one namespace with
 * the same group name form one gang.
 */
export const GANG_LABELS = [
  'scheduling.x-k8s.io/pod-group',
  'pod-group.scheduling.sigs.k8s.io',
  'kueue.x-k8s.io/pod-group-name',
] as const;
export const GANG_ANNOTATION = 'scheduling.k8s.io/group-name';
export const GANG_ANNOTATIONS = ['kueue.x-k8s.io/pod-group-name', GANG_ANNOTATION, 'pod-group-name'] as const;

/** Kueue's topology annotations on a pod (or its template), read with the group annotations. */
export const KUEUE_TOPOLOGY = {
  required: 'kueue.x-k8s.io/podset-required-topology',
  preferred: 'kueue.x-k8s.io/podset-preferred-topology',
  unconstrained: 'kueue.x-k8s.io/podset-unconstrained-topology',
  sliceLevel: 'kueue.x-k8s.io/podset-slice-required-topology',
  sliceSize: 'kueue.x-k8s.io/podset-slice-size',
} as const;

/** Every pod annotation the conversion reads (the CLI's streaming reader keeps these and drops the rest). */
export const READ_ANNOTATIONS: readonly string[] = [...GANG_ANNOTATIONS, ...Object.values(KUEUE_TOPOLOGY)];

export function gangOf(pod: {
  metadata: { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined };
}): string | undefined {
  // Kueue reads its annotation before its label.
  const kueue = pod.metadata.annotations?.['kueue.x-k8s.io/pod-group-name'];
  if (kueue) return kueue;
  for (const key of GANG_LABELS) {
    const v = pod.metadata.labels?.[key];
    if (v) return v;
  }
  for (const key of GANG_ANNOTATIONS) {
    const v = pod.metadata.annotations?.[key];
    if (v) return v;
  }
  return undefined;
}

/**
 * A node: what it may allocate is status.allocatable, which the API server defaults to status.capacity when a node
 * gives only that (as scheduler_perf's node templates do).
 */
export const KubeNodeSchema = z.looseObject({
  kind: z.literal('Node').optional(),
  metadata: ObjectMeta,
  spec: z.looseObject({ taints: z.array(TaintSchema).optional(), unschedulable: z.boolean().optional() }).optional(),
  status: z
    .looseObject({
      allocatable: Quantities.optional(),
      capacity: Quantities.optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

export const KubeContainer = z.looseObject({
  name: z.string().min(1),
  resources: z.looseObject({ requests: Quantities.optional(), limits: Quantities.optional() }).optional(),
  restartPolicy: z.string().optional(),
});

const PodAffinityTerm = z.looseObject({
  labelSelector: LabelSelectorSchema.optional(),
  topologyKey: z.string().min(1, 'must not be empty'),
  namespaces: z.array(z.string()).optional(),
  namespaceSelector: LabelSelectorSchema.optional(),
});

const Weight = z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100');

const PodAffinityRules = z.looseObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z
    .array(z.looseObject({ weight: Weight, podAffinityTerm: PodAffinityTerm }))
    .optional(),
});

const InclusionPolicy = z.enum(['Honor', 'Ignore']);

export const KubeSpreadSchema = z.looseObject({
  maxSkew: z.number().int().min(1, 'must be at least 1'),
  topologyKey: z.string().min(1),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: LabelSelectorSchema.optional(),
  minDomains: z.number().int().min(1, 'must be at least 1').optional(),
  nodeAffinityPolicy: InclusionPolicy.optional(),
  nodeTaintsPolicy: InclusionPolicy.optional(),
  matchLabelKeys: z.array(z.string().min(1)).optional(),
});

export const KubePodSchema = z.looseObject({
  kind: z.literal('Pod').optional(),
  metadata: PodMeta,
  spec: z.looseObject({
    nodeName: z.string().optional(),
    priority: z.number().int().optional(),
    containers: z.array(KubeContainer).min(1, 'a pod has at least one container'),
    initContainers: z.array(KubeContainer).optional(),
    overhead: Quantities.optional(),
    nodeSelector: LabelsSchema.optional(),
    tolerations: z.array(TolerationSchema).optional(),
    affinity: z
      .looseObject({
        nodeAffinity: z
          .looseObject({
            requiredDuringSchedulingIgnoredDuringExecution: z
              .looseObject({ nodeSelectorTerms: z.array(NodeSelectorTermSchema) })
              .optional(),
            preferredDuringSchedulingIgnoredDuringExecution: z
              .array(z.looseObject({ weight: Weight, preference: NodeSelectorTermSchema }))
              .optional(),
          })
          .optional(),
        podAffinity: PodAffinityRules.optional(),
        podAntiAffinity: PodAffinityRules.optional(),
      })
      .optional(),
    topologySpreadConstraints: z.array(KubeSpreadSchema).optional(),
    /** Kubernetes' own gang scheduling (models/kube-workload.ts): the PodGroup (1.36 on) or the Workload (1.35). */
    schedulingGroup: z.looseObject({ podGroupName: z.string().min(1, 'must not be empty').optional() }).optional(),
    workloadRef: z
      .looseObject({
        name: z.string().min(1, 'must not be empty'),
        podGroup: z.string().min(1, 'must not be empty'),
        podGroupReplicaKey: z.string().optional(),
      })
      .optional(),
  }),
  status: z
    .looseObject({
      phase: z.string().optional(),
      /** The Ready condition: a disruption budget counts a running pod healthy only when it is True. */
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

const List = <T extends z.ZodType>(item: T) => z.looseObject({ items: z.array(item) });

/** Which bound pods may move: "all", or the pods a label selector matches. */
const MovableSchema = z.union([z.literal('all'), LabelSelectorSchema]);

export const KubeOptionsSchema = SnapshotOptionsSchema.extend({ movable: MovableSchema.optional() });

/** A Kueue (kueue.x-k8s.io) or KAI Scheduler (kai.scheduler) Topology: its levels, top down, as node labels. */
export const KubeTopologySchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('Topology').optional(),
  metadata: ObjectMeta,
  spec: z.looseObject({
    levels: z
      .array(z.looseObject({ nodeLabel: z.string().min(1, 'must not be empty') }))
      .min(1, 'at least one level is required')
      .max(16, 'at most 16 levels'),
  }),
});

const KaiConstraint = z.looseObject({
  topology: z.string().optional(),
  requiredTopologyLevel: z.string().optional(),
  preferredTopologyLevel: z.string().optional(),
});

/** The label that puts a pod in a leaf sub-group of its KAI PodGroup. */
export const KAI_SUBGROUP_LABEL = 'kai.scheduler/subgroup-name';

/** A KAI Scheduler PodGroup (scheduling.run.ai): its pods' gang and topology constraint. */
export const KaiPodGroupSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('PodGroup').optional(),
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      minMember: z.number().int().optional(),
      topologyConstraint: KaiConstraint.optional(),
      /** Sub-groups (KAI v0.10 on): pods name their leaf in the label kai.scheduler/subgroup-name. */
      subGroups: z
        .array(
          z.looseObject({
            name: z.string().min(1, 'must not be empty'),
            parent: z.string().optional(),
            minMember: z.number().int().optional(),
            topologyConstraint: KaiConstraint.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

/** A pod group's scheduling policy in Kubernetes' own gang scheduling: basic, or gang with its minCount. */
const K8sGroupPolicy = z.looseObject({
  basic: z.looseObject({}).optional(),
  gang: z.looseObject({ minCount: z.number().int().min(1, 'must be at least 1') }).optional(),
});

/**
 * A PodGroup of Kubernetes' own gang scheduling (scheduling.k8s.io, Kubernetes 1.36 on; models/kube-workload.ts): its
 * policy, and the topology key all its pods share a domain of.
 */
export const K8sPodGroupSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('PodGroup').optional(),
  metadata: ObjectMeta.extend({ name: z.string().min(1, 'must not be empty') }),
  spec: z
    .looseObject({
      schedulingPolicy: K8sGroupPolicy.optional(),
      schedulingConstraints: z
        .looseObject({
          topology: z
            .array(z.looseObject({ key: z.string().min(1, 'must not be empty') }))
            .max(1, 'kube-scheduler takes one topology constraint per pod group')
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

/** A Workload of Kubernetes 1.35 (scheduling.k8s.io/v1alpha1): its pod groups and their policies. */
export const K8sWorkloadSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('Workload').optional(),
  metadata: ObjectMeta.extend({ name: z.string().min(1, 'must not be empty') }),
  spec: z
    .looseObject({
      podGroups: z.array(z.looseObject({ name: z.string(), policy: K8sGroupPolicy.optional() })).optional(),
    })
    .optional(),
});

/**
 * A policy/v1 PodDisruptionBudget (models/disruption.ts): a nil selector selects no pod, the empty one every pod of
 * its namespace.
 */
export const KubePdbSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('PodDisruptionBudget').optional(),
  metadata: ObjectMeta.extend({ name: z.string().min(1, 'must not be empty') }),
  spec: z.looseObject({
    selector: LabelSelectorSchema.nullable().optional(),
    minAvailable: z.union([z.number(), z.string()]).optional(),
    maxUnavailable: z.union([z.number(), z.string()]).optional(),
    unhealthyPodEvictionPolicy: z.string().optional(),
  }),
});

/** A Namespace object: its labels are what a pod affinity term's namespaceSelector matches. */
export const KubeNamespaceSchema = z.looseObject({ kind: z.literal('Namespace').optional(), metadata: ObjectMeta });

export const KubeInputSchema = z.strictObject({
  nodeList: List(KubeNodeSchema),
  podList: List(KubePodSchema),
  namespaceList: List(KubeNamespaceSchema).optional(),
  topologyList: List(KubeTopologySchema).optional(),
  podGroupList: List(KaiPodGroupSchema).optional(),
  hyperNodeList: List(HyperNodeSchema).optional(),
  volcanoPodGroupList: List(VolcanoPodGroupSchema).optional(),
  podDisruptionBudgetList: List(KubePdbSchema).optional(),
  k8sPodGroupList: List(K8sPodGroupSchema).optional(),
  workloadList: List(K8sWorkloadSchema).optional(),
  options: KubeOptionsSchema.optional(),
  /** Filled by the List reader (splitKubeObjects): how many objects of each other kind it skipped, for the notes. */
  ignoredKinds: z.record(z.string(), z.number().int().min(0)).optional(),
});

export type KubeNode = z.infer<typeof KubeNodeSchema>;
export type KubePod = z.infer<typeof KubePodSchema>;
export type KubeInput = z.infer<typeof KubeInputSchema>;
export type KubeTopology = z.infer<typeof KubeTopologySchema>;
export type KaiPodGroup = z.infer<typeof KaiPodGroupSchema>;
export type K8sPodGroup = z.infer<typeof K8sPodGroupSchema>;
export type K8sWorkload = z.infer<typeof K8sWorkloadSchema>;

/** Whether a request body is Kubernetes input (and not a plain snapshot). */
export function isKubeInput(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  return 'nodeList' in body || 'podList' in body || (body as { kind?: unknown }).kind === 'List';
}

const LISTS = new Set(['List', 'NodeList', 'PodList', 'NamespaceList']);

/**
 * `{kind: "List", items: [Node…, Pod…, Namespace…]}` (what `kubectl get nodes,pods -A -o json` prints), or items
 * that are lists themselves, as `{nodeList, podList, namespaceList}`. Objects of other kinds are counted by kind in
 * `ignoredKinds`, for the answer's notes.
 */
export function splitKubeObjects(objects: readonly unknown[], options?: unknown): Record<string, unknown> {
  const out = {
    Node: [] as unknown[],
    Pod: [] as unknown[],
    Namespace: [] as unknown[],
    Topology: [] as unknown[],
    PodGroup: [] as unknown[],
    HyperNode: [] as unknown[],
    VolcanoPodGroup: [] as unknown[],
    PodDisruptionBudget: [] as unknown[],
    K8sPodGroup: [] as unknown[],
    Workload: [] as unknown[],
  };
  // A Map: a kind may be named as one of Object.prototype's keys ("constructor").
  const ignored = new Map<string, number>();
  // Depth first, in document order, without recursion (lists may nest).
  const stack: unknown[] = [...objects].reverse();
  while (stack.length > 0) {
    const o = stack.pop();
    if (typeof o !== 'object' || o === null) continue;
    const kind = (o as { kind?: unknown }).kind;
    const items = (o as { items?: unknown }).items;
    if (kind === 'Node' || kind === 'Pod' || kind === 'Namespace') out[kind].push(o);
    else if (kind === 'Topology' && topologyApi(o)) out.Topology.push(o);
    else if (kind === 'PodGroup' && apiGroupOf(o) === 'scheduling.run.ai') out.PodGroup.push(o);
    else if (kind === 'PodGroup' && apiGroupOf(o) === 'scheduling.volcano.sh') out.VolcanoPodGroup.push(o);
    else if (kind === 'PodGroup' && apiGroupOf(o) === 'scheduling.k8s.io') out.K8sPodGroup.push(o);
    else if (kind === 'Workload' && apiGroupOf(o) === 'scheduling.k8s.io') out.Workload.push(o);
    else if (kind === 'HyperNode' && apiGroupOf(o) === 'topology.volcano.sh') out.HyperNode.push(o);
    else if (kind === 'PodDisruptionBudget' && apiVersionOf(o) === 'policy/v1') out.PodDisruptionBudget.push(o);
    else if (Array.isArray(items) && typeof kind === 'string' && LISTS.has(kind))
      for (let k = items.length - 1; k >= 0; k--) stack.push(items[k]);
    else {
      const name = typeof kind === 'string' ? kind : '(no kind)';
      ignored.set(name, (ignored.get(name) ?? 0) + 1);
    }
  }
  return {
    nodeList: { items: out.Node },
    podList: { items: out.Pod },
    ...(out.Namespace.length > 0 ? { namespaceList: { items: out.Namespace } } : {}),
    ...(out.Topology.length > 0 ? { topologyList: { items: out.Topology } } : {}),
    ...(out.PodGroup.length > 0 ? { podGroupList: { items: out.PodGroup } } : {}),
    ...(out.HyperNode.length > 0 ? { hyperNodeList: { items: out.HyperNode } } : {}),
    ...(out.VolcanoPodGroup.length > 0 ? { volcanoPodGroupList: { items: out.VolcanoPodGroup } } : {}),
    ...(out.PodDisruptionBudget.length > 0 ? { podDisruptionBudgetList: { items: out.PodDisruptionBudget } } : {}),
    ...(out.K8sPodGroup.length > 0 ? { k8sPodGroupList: { items: out.K8sPodGroup } } : {}),
    ...(out.Workload.length > 0 ? { workloadList: { items: out.Workload } } : {}),
    ...(options === undefined ? {} : { options }),
    ...(ignored.size > 0 ? { ignoredKinds: Object.fromEntries(ignored) } : {}),
  };
}

const apiVersionOf = (o: object): unknown => (o as { apiVersion?: unknown }).apiVersion;

/** The API group of an object's apiVersion ("" for the core group). */
function apiGroupOf(o: object): string {
  const v = (o as { apiVersion?: unknown }).apiVersion;
  return typeof v === 'string' && v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

/** A Topology of Kueue or KAI Scheduler (other groups' objects of that kind are skipped, with a note). */
const topologyApi = (o: object): boolean => ['kueue.x-k8s.io', 'kai.scheduler'].includes(apiGroupOf(o));

/** The body in the `{nodeList, podList, options}` form (a `kind: List` body is split by kind). */
export function normaliseKubeBody(body: unknown): unknown {
  const b = body as { kind?: unknown; items?: unknown; options?: unknown };
  if (b.kind === 'List') return splitKubeObjects(Array.isArray(b.items) ? b.items : [], b.options);
  return body;
}
