import { z } from 'zod';
import {
  QuantitySchema,
  SnapshotOptionsSchema,
  type ContainerInput,
  type NodeInput,
  type PodAffinityTermInput,
  type SnapshotInput,
} from './snapshot.js';
import {
  LabelSelectorSchema,
  LabelsSchema,
  NodeSelectorTermSchema,
  TaintSchema,
  TolerationSchema,
  selectorMatches,
  type LabelSelector,
} from './selectors.js';
import type { PathIssue } from './path.js';

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
 * Where gang (pod group) membership is written: the coscheduling plugin's label (current and older
 * name) and Volcano's annotation. Pods of one namespace with the same group name form one gang.
 */
export const GANG_LABELS = ['scheduling.x-k8s.io/pod-group', 'pod-group.scheduling.sigs.k8s.io'] as const;
export const GANG_ANNOTATION = 'scheduling.k8s.io/group-name';

function gangOf(pod: { metadata: z.infer<typeof ObjectMeta> }): string | undefined {
  for (const key of GANG_LABELS) {
    const v = pod.metadata.labels?.[key];
    if (v) return v;
  }
  return pod.metadata.annotations?.[GANG_ANNOTATION];
}

export const KubeNodeSchema = z.looseObject({
  kind: z.literal('Node').optional(),
  metadata: ObjectMeta,
  spec: z.looseObject({ taints: z.array(TaintSchema).optional(), unschedulable: z.boolean().optional() }).optional(),
  status: z.looseObject({
    allocatable: Quantities,
    conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
  }),
});

const KubeContainer = z.looseObject({
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

const PodAffinityRules = z.looseObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTerm).optional(),
});

export const KubePodSchema = z.looseObject({
  kind: z.literal('Pod').optional(),
  metadata: ObjectMeta,
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
          })
          .optional(),
        podAffinity: PodAffinityRules.optional(),
        podAntiAffinity: PodAffinityRules.optional(),
      })
      .optional(),
    topologySpreadConstraints: z
      .array(
        z.looseObject({
          maxSkew: z.number().int().min(1, 'must be at least 1'),
          topologyKey: z.string().min(1),
          whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
          labelSelector: LabelSelectorSchema.optional(),
        }),
      )
      .optional(),
  }),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});

const List = <T extends z.ZodType>(item: T) => z.looseObject({ items: z.array(item) });

/** Which bound pods may move: "all", or the pods a label selector matches. */
const MovableSchema = z.union([z.literal('all'), LabelSelectorSchema]);

export const KubeOptionsSchema = SnapshotOptionsSchema.extend({ movable: MovableSchema.optional() });

export const KubeInputSchema = z.strictObject({
  nodeList: List(KubeNodeSchema),
  podList: List(KubePodSchema),
  options: KubeOptionsSchema.optional(),
});

export type KubeNode = z.infer<typeof KubeNodeSchema>;
export type KubePod = z.infer<typeof KubePodSchema>;
export type KubeInput = z.infer<typeof KubeInputSchema>;

/** Whether a request body is Kubernetes input (and not a plain snapshot). */
export function isKubeInput(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  return 'nodeList' in body || 'podList' in body || (body as { kind?: unknown }).kind === 'List';
}

/**
 * `{kind: "List", items: [Node…, Pod…]}` (what `kubectl get nodes,pods -A -o json` prints), or items that
 * are NodeLists and PodLists themselves, as `{nodeList, podList}`. Objects of other kinds are skipped.
 */
export function splitKubeObjects(objects: readonly unknown[], options?: unknown): Record<string, unknown> {
  const nodes: unknown[] = [];
  const pods: unknown[] = [];
  // Depth first, in document order, without recursion (lists may nest).
  const stack: unknown[] = [...objects].reverse();
  while (stack.length > 0) {
    const o = stack.pop();
    if (typeof o !== 'object' || o === null) continue;
    const kind = (o as { kind?: unknown }).kind;
    const items = (o as { items?: unknown }).items;
    if (kind === 'Node') nodes.push(o);
    else if (kind === 'Pod') pods.push(o);
    else if (Array.isArray(items) && (kind === 'List' || kind === 'NodeList' || kind === 'PodList'))
      for (let k = items.length - 1; k >= 0; k--) stack.push(items[k]);
  }
  return { nodeList: { items: nodes }, podList: { items: pods }, ...(options === undefined ? {} : { options }) };
}

/** The body in the `{nodeList, podList, options}` form (a `kind: List` body is split by kind). */
export function normaliseKubeBody(body: unknown): unknown {
  const b = body as { kind?: unknown; items?: unknown; options?: unknown };
  if (b.kind === 'List') return splitKubeObjects(Array.isArray(b.items) ? b.items : [], b.options);
  return body;
}

type Requests = Map<string, bigint>;

function containerRequests(c: z.infer<typeof KubeContainer>): Requests {
  // A resource with a limit and no request is requested at its limit (the API server's defaulting).
  const out: Requests = new Map(Object.entries(c.resources?.limits ?? {}));
  for (const [k, v] of Object.entries(c.resources?.requests ?? {})) out.set(k, v);
  return out;
}

function addInto(into: Requests, r: Requests): void {
  for (const [k, v] of r) into.set(k, (into.get(k) ?? 0n) + v);
}

/**
 * The pod's effective request, per resource: the larger of (app containers + restartable init containers)
 * and, for each other init container, its own request plus the sidecars declared before it; then overhead.
 */
export function effectiveRequests(pod: KubePod): Requests {
  const app: Requests = new Map();
  for (const c of pod.spec.containers) addInto(app, containerRequests(c));
  const sidecars: Requests = new Map();
  const peaks: Requests[] = [];
  for (const init of pod.spec.initContainers ?? []) {
    const r = containerRequests(init);
    if (init.restartPolicy === 'Always') {
      addInto(sidecars, r);
      continue;
    }
    const peak = new Map(sidecars);
    addInto(peak, r);
    peaks.push(peak);
  }
  addInto(app, sidecars);
  const out: Requests = new Map(app);
  for (const peak of peaks) for (const [k, v] of peak) if (v > (out.get(k) ?? 0n)) out.set(k, v);
  addInto(out, new Map(Object.entries(pod.spec.overhead ?? {})));
  return out;
}

/** Whether a node takes new pods: not cordoned and Ready (a node without a Ready condition counts as Ready). */
function nodeReady(node: KubeNode): boolean {
  const ready = node.status.conditions?.find((c) => c.type === 'Ready');
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

type Issues = KubeConversion['issues'];

/** The nodes as snapshot nodes; duplicate names are issues. */
function nodesOf(input: KubeInput, issues: Issues): NodeInput[] {
  const names = new Set<string>();
  input.nodeList.items.forEach((node, i) => {
    if (names.has(node.metadata.name)) {
      issues.push({
        path: ['nodeList', 'items', i, 'metadata', 'name'],
        message: `duplicate node "${node.metadata.name}"`,
      });
    }
    names.add(node.metadata.name);
  });
  return input.nodeList.items.map((node): NodeInput => ({
    name: node.metadata.name,
    capacity: { ...node.status.allocatable },
    labels: { ...(node.metadata.labels ?? {}) },
    ...(node.spec?.taints?.length
      ? { taints: node.spec.taints.map(({ key, value, effect }) => ({ key, effect, ...(value ? { value } : {}) })) }
      : {}),
    ...(node.spec?.unschedulable ? { unschedulable: true } : {}),
    ...(nodeReady(node) ? {} : { ready: false }),
  }));
}

/** What every pod's conversion needs: the namespaces, the priority ranks, which bound pods may move. */
interface PodContext {
  readonly namespaces: readonly string[];
  readonly priorityRank: ReadonlyMap<number, number>;
  readonly isMovable: (pod: KubePod) => boolean;
  readonly issues: Issues;
}

/** A pod's required pod (anti-)affinity terms as snapshot terms (a term without a label selector selects none). */
function affinityTerms(
  pod: KubePod,
  k: number,
  field: 'podAffinity' | 'podAntiAffinity',
  ctx: PodContext,
): PodAffinityTermInput[] {
  const ns = pod.metadata.namespace ?? 'default';
  const terms = pod.spec.affinity?.[field]?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.flatMap((t, x): PodAffinityTermInput[] => {
    const selector = t.namespaceSelector;
    if (
      selector &&
      (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0)
    ) {
      ctx.issues.push({
        path: [
          'podList',
          'items',
          k,
          'spec',
          'affinity',
          field,
          'requiredDuringSchedulingIgnoredDuringExecution',
          x,
          'namespaceSelector',
        ],
        message:
          'only the empty namespaceSelector ({}: all namespaces) is ' +
          'supported (namespace labels are not in the input)',
      });
    }
    if (!t.labelSelector) return [];
    const namespaces = selector ? [...ctx.namespaces] : (t.namespaces ?? [ns]);
    return [{ selector: t.labelSelector as LabelSelector, topologyKey: t.topologyKey, namespaces }];
  });
}

/** One pod that occupies or needs a node, as a snapshot container named namespace/name. */
function containerOf(pod: KubePod, k: number, ctx: PodContext): ContainerInput {
  const spec = pod.spec;
  const ns = pod.metadata.namespace ?? 'default';
  const affinity = affinityTerms(pod, k, 'podAffinity', ctx);
  const antiAffinity = affinityTerms(pod, k, 'podAntiAffinity', ctx);
  const spread = (spec.topologySpreadConstraints ?? [])
    .filter((c) => c.whenUnsatisfiable === 'DoNotSchedule' && c.labelSelector)
    .map((c) => ({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector: c.labelSelector! }));
  const nodeTerms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const gang = gangOf(pod);
  return {
    name: `${ns}/${pod.metadata.name}`,
    namespace: ns,
    requests: Object.fromEntries(effectiveRequests(pod)),
    labels: { ...(pod.metadata.labels ?? {}) },
    ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(nodeTerms ? { nodeAffinity: nodeTerms } : {}),
    ...(spec.tolerations?.length ? { tolerations: spec.tolerations } : {}),
    ...(affinity.length ? { affinity } : {}),
    ...(antiAffinity.length ? { antiAffinity } : {}),
    ...(spread.length ? { spread } : {}),
    ...(gang ? { gang: `${ns}/${gang}` } : {}),
    ...(ctx.priorityRank.size > 1 ? { priority: ctx.priorityRank.get(spec.priority ?? 0)! } : {}),
    ...(spec.nodeName !== undefined ? { current: spec.nodeName, ...(ctx.isMovable(pod) ? {} : { pinned: true }) } : {}),
  };
}

export function kubeToSnapshot(input: KubeInput): KubeConversion {
  const notes: string[] = [];
  const issues: Issues = [];
  const nodes = nodesOf(input, issues);
  const nodeNames = new Set(nodes.map((n) => n.name));
  const movable = input.options?.movable;
  const pods = input.podList.items;
  const ctx: PodContext = {
    namespaces: [...new Set(pods.map((p) => p.metadata.namespace ?? 'default'))],
    // spec.priority (from the PriorityClass) becomes a rank 1, 2, … so the unplaced penalties stay small.
    priorityRank: new Map(
      [...new Set(pods.map((p) => p.spec.priority ?? 0))].sort((a, b) => a - b).map((p, k) => [p, k + 1]),
    ),
    isMovable: (pod) =>
      movable !== undefined && (movable === 'all' || selectorMatches(movable, pod.metadata.labels ?? {})),
    issues,
  };
  const seen = new Set<string>();
  const count = { finished: 0, bound: 0, pending: 0 };
  const containers: ContainerInput[] = [];
  pods.forEach((pod, k) => {
    const name = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      count.finished++;
      return;
    }
    if (seen.has(name))
      issues.push({ path: ['podList', 'items', k, 'metadata', 'name'], message: `duplicate pod "${name}"` });
    seen.add(name);
    const nodeName = pod.spec.nodeName;
    if (nodeName !== undefined && !nodeNames.has(nodeName)) {
      notes.push(`pod ${name} is bound to node "${nodeName}", which is not in the node list: left out`);
      return;
    }
    if (nodeName !== undefined) count.bound++;
    else count.pending++;
    containers.push(containerOf(pod, k, ctx));
  });
  notes.push(
    `read ${nodes.length} nodes and ${pods.length} pods: ${count.pending} to place, ` +
      `${count.bound} bound${movable ? ' (movable ones may move)' : ''}, ${count.finished} finished (ignored)`,
  );
  const { movable: _movable, ...options } = input.options ?? {};
  return { snapshot: { nodes, containers, ...(Object.keys(options).length ? { options } : {}) }, notes, issues };
}
