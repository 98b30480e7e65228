import type { z } from 'zod';
import './messages.js';
import { gangOf, type KubeContainer, type KubePod, type KubeSpreadSchema } from './kube-schema.js';
import type { PathIssue } from './path.js';
import { selectorMatches, type LabelSelector, type Labels } from './selectors.js';
import type { ContainerInput, PodAffinityTermInput, SpreadConstraint } from './snapshot.js';

/**
 * A Kubernetes pod as a snapshot container, with kube-scheduler's meaning of every field its filters and the
 * scores of its preferences read (docs/kubernetes.md): requests, node selector and affinity (required and
 * preferred), tolerations, pod affinity and anti-affinity (required and preferred, namespaces resolved), topology
 * spread (every field), its controller (for the default spreading), gang, priority, where it runs and whether it is
 * being deleted.
 */

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

/**
 * Whether kube-scheduler's NodeResourcesFit counts a requested resource: cpu, memory, ephemeral-storage, the
 * scalar ones (hugepages-*, attachable-volumes-*, any name with a domain prefix); others without a prefix
 * (`pods` among them: the pod count is one per pod) it skips.
 */
export const countedResource = (name: string): boolean =>
  ['cpu', 'memory', 'ephemeral-storage'].includes(name) ||
  name.startsWith('hugepages-') ||
  name.startsWith('attachable-volumes-') ||
  name.includes('/');

/** The pod's requests that kube-scheduler's NodeResourcesFit counts (a request of 0 asks for nothing). */
export function fitRequests(pod: KubePod): Record<string, bigint> {
  return Object.fromEntries([...effectiveRequests(pod)].filter(([k, v]) => countedResource(k) && v > 0n));
}

/** What every pod's conversion needs: the namespaces and their labels, the priority ranks, which bound pods move. */
export interface PodContext {
  /** Every namespace the input knows (its Namespace objects and its pods'), with its labels. */
  readonly namespaces: ReadonlyMap<string, Labels>;
  /** Whether the input gave Namespace objects (else a namespaceSelector cannot be read). */
  readonly namespaceObjects: boolean;
  readonly priorityRank: ReadonlyMap<number, number>;
  readonly isMovable: (pod: KubePod) => boolean;
  readonly issues: PathIssue[];
}

type KubeTerm = NonNullable<
  NonNullable<NonNullable<KubePod['spec']['affinity']>['podAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']
>[number];

/**
 * A pod (anti-)affinity term's namespaces, as kube-scheduler takes them: `namespaces` and every namespace its
 * `namespaceSelector` matches (the empty one matches all); with neither, the pod's own. A selector that is not
 * empty needs the namespaces' labels: without Namespace objects in the input it is an issue at `path`.
 */
function termNamespaces(t: KubeTerm, ns: string, ctx: PodContext, path: (string | number)[]): string[] {
  const selector = t.namespaceSelector;
  if (!selector) return t.namespaces ?? [ns];
  const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (!empty && !ctx.namespaceObjects)
    ctx.issues.push({
      path: [...path, 'namespaceSelector'],
      message:
        'selects namespaces by their labels, which are not in the input: add the Namespace objects ' +
        '(kubectl get namespaces -o json) to the list',
    });
  const matched = [...ctx.namespaces].filter(([, labels]) => selectorMatches(selector as LabelSelector, labels));
  return [...new Set([...(t.namespaces ?? []), ...matched.map(([name]) => name)])].sort();
}

/** A selector no labels satisfy: kube-scheduler's nil label selector, which selects nothing. */
const NOTHING: LabelSelector = {
  matchExpressions: [
    { key: 'optiplace.io/none', operator: 'Exists' },
    { key: 'optiplace.io/none', operator: 'DoesNotExist' },
  ],
};

/** A term as a snapshot term (a term without a label selector selects none, as kube-scheduler's nil selector). */
function termOf(t: KubeTerm, ns: string, ctx: PodContext, path: (string | number)[]): PodAffinityTermInput {
  const namespaces = termNamespaces(t, ns, ctx, path);
  return {
    selector: (t.labelSelector as LabelSelector | undefined) ?? NOTHING,
    topologyKey: t.topologyKey,
    namespaces,
  };
}

const AFFINITY = 'requiredDuringSchedulingIgnoredDuringExecution';
const PREFERRED = 'preferredDuringSchedulingIgnoredDuringExecution';

/** A pod's required and preferred pod (anti-)affinity terms as snapshot terms. */
function podTerms(pod: KubePod, k: number, field: 'podAffinity' | 'podAntiAffinity', ctx: PodContext) {
  const ns = pod.metadata.namespace ?? 'default';
  const rules = pod.spec.affinity?.[field];
  const base = ['podList', 'items', k, 'spec', 'affinity', field];
  const required = (rules?.[AFFINITY] ?? []).map((t, x) => termOf(t, ns, ctx, [...base, AFFINITY, x]));
  const preferred = (rules?.[PREFERRED] ?? []).map((w, x) => ({
    weight: w.weight,
    term: termOf(w.podAffinityTerm, ns, ctx, [...base, PREFERRED, x, 'podAffinityTerm']),
  }));
  return { required, preferred };
}

/** Every topology spread constraint, with all its fields (a constraint without a selector counts no pod). */
function spreadOf(c: z.infer<typeof KubeSpreadSchema>): SpreadConstraint {
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    whenUnsatisfiable: c.whenUnsatisfiable,
    ...(c.labelSelector ? { selector: c.labelSelector as LabelSelector } : {}),
    ...(c.minDomains !== undefined ? { minDomains: c.minDomains } : {}),
    ...(c.nodeAffinityPolicy ? { nodeAffinityPolicy: c.nodeAffinityPolicy } : {}),
    ...(c.nodeTaintsPolicy ? { nodeTaintsPolicy: c.nodeTaintsPolicy } : {}),
    ...(c.matchLabelKeys ? { matchLabelKeys: c.matchLabelKeys } : {}),
  };
}

/**
 * The controller whose pods share kube-scheduler's default spreading: the owner reference marked controller, when
 * it is a ReplicaSet, StatefulSet or ReplicationController (Services are not in the input; see docs/kubernetes.md).
 */
const SPREAD_CONTROLLERS = new Set(['ReplicaSet', 'StatefulSet', 'ReplicationController']);

function controllerOf(pod: KubePod): string | undefined {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true && SPREAD_CONTROLLERS.has(o.kind));
  return owner ? `${owner.kind}/${owner.name}` : undefined;
}

/** The pod's required and preferred scheduling fields as snapshot fields. */
function schedulingOf(pod: KubePod, k: number, ctx: PodContext): Partial<ContainerInput> {
  const spec = pod.spec;
  const affinity = podTerms(pod, k, 'podAffinity', ctx);
  const anti = podTerms(pod, k, 'podAntiAffinity', ctx);
  const nodeTerms = spec.affinity?.nodeAffinity?.[AFFINITY]?.nodeSelectorTerms;
  const preferredNode = spec.affinity?.nodeAffinity?.[PREFERRED] ?? [];
  const spread = (spec.topologySpreadConstraints ?? []).map(spreadOf);
  return {
    ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(nodeTerms ? { nodeAffinity: nodeTerms } : {}),
    ...(preferredNode.length
      ? { preferredNodeAffinity: preferredNode.map((p) => ({ weight: p.weight, preference: p.preference })) }
      : {}),
    ...(spec.tolerations?.length ? { tolerations: spec.tolerations } : {}),
    ...(affinity.required.length ? { affinity: affinity.required } : {}),
    ...(anti.required.length ? { antiAffinity: anti.required } : {}),
    ...(affinity.preferred.length ? { preferredAffinity: affinity.preferred } : {}),
    ...(anti.preferred.length ? { preferredAntiAffinity: anti.preferred } : {}),
    ...(spread.length ? { spread } : {}),
  };
}

/** One pod that occupies or needs a node, as a snapshot container named namespace/name. */
/** A bound pod whose Ready condition is not True (pods that give no conditions count Ready; see kube.ts). */
const notReady = (pod: KubePod): boolean => {
  const conditions = pod.status?.conditions;
  return conditions !== undefined && !conditions.some((c) => c.type === 'Ready' && c.status === 'True');
};

export function containerOf(pod: KubePod, name: string, k: number, ctx: PodContext): ContainerInput {
  const spec = pod.spec;
  const ns = pod.metadata.namespace ?? 'default';
  const gang = gangOf(pod);
  const controller = controllerOf(pod);
  return {
    name: `${ns}/${name}`,
    namespace: ns,
    requests: fitRequests(pod),
    labels: { ...(pod.metadata.labels ?? {}) },
    ...schedulingOf(pod, k, ctx),
    ...(gang ? { gang: `${ns}/${gang}` } : {}),
    ...(controller ? { controller } : {}),
    ...(ctx.priorityRank.size > 1 ? { priority: ctx.priorityRank.get(spec.priority ?? 0)! } : {}),
    ...(spec.nodeName !== undefined ? { current: spec.nodeName, ...(ctx.isMovable(pod) ? {} : { pinned: true }) } : {}),
    ...(pod.metadata.deletionTimestamp !== undefined && spec.nodeName !== undefined ? { terminating: true } : {}),
    ...(spec.nodeName !== undefined && notReady(pod) ? { ready: false } : {}),
  };
}
