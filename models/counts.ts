import { isRecord } from './own.js';
import { GANG_ANNOTATION, GANG_ANNOTATIONS, KAI_SUBGROUP_LABEL, KUEUE_TOPOLOGY } from './kube-schema.js';
import { sharedColumns } from './columns.js';
import { containerShapes } from './replicas.js';
import { DEFAULT_MAX_RULE_WORK, DEFAULT_MAX_TABLE_WORK, type InputIssue, type ProblemLimits } from './validate.js';

/**
 * Size limits checked on the raw body, from its counts alone, before any schema or model work: a body
 * over a limit is refused (422) after one pass over its top-level arrays, whatever else it holds. What a
 * limit bounds:
 * - nodes, containers: every structure the model builds (containers in classes, nodes in groups: no
 *   structure has nodes × containers entries);
 * - resources: the columns the resource names take (every table has one column per resource; past 64 names,
 *   resources that never meet share columns: models/columns.ts);
 * - table work: the tables keyed by distinct node and container keys (default scores × resources, blocks);
 * - pairs: the entries of an explicit per-pair matrix (a snapshot's costs.matrix, a program's cost and
 *   demand matrices), which the model stores;
 * - distinct placement-rule terms × distinct container label sets: the selector evaluations that
 *   compile affinity, anti-affinity and topology spread;
 * - for capacity questions, the problem after the question's transformation (checked where it is built).
 * Malformed bodies pass through here: the schema names their fields.
 */

const arrayAt = (v: unknown, key: string): unknown[] | undefined =>
  isRecord(v) && Array.isArray(v[key]) ? (v[key] as unknown[]) : undefined;

export interface BodyCounts {
  readonly nodes: number;
  readonly containers: number;
  /** Distinct (anti-)affinity and spread terms, and disruption budget selectors. */
  readonly terms: number;
  /** Distinct (namespace, labels) of the containers. */
  readonly labelSets: number;
  /** Entries of the explicit per-pair matrices (0 when there are none). */
  readonly matrixPairs: number;
  /** Distinct resource names the nodes give and the containers request (0: not counted, a program's). */
  readonly resources?: number;
  /**
   * The work of the tables keyed by distinct node and container keys, at most: distinct node capacities × distinct
   * requests × resources (the default score, without `costs`) + distinct node labels and taints × distinct node
   * selectors, affinities and tolerations (the blocks and node preferences).
   */
  readonly tableWork?: number;
  /**
   * Topology-aware groups × nodes × levels (each group's rows, bound and Kueue-style placement visit every node at
   * every level), plus
   * Volcano HyperNode members × (nodes + HyperNodes) (each member is matched against every one).
   */
  readonly topologyWork?: number;
}

/**
 * Kubernetes input: the Node, Pod and Volcano HyperNode objects of {nodeList, podList, hyperNodeList} or of a
 * kind: List (nested lists too).
 */
function kubeObjects(body: Record<string, unknown>): { nodes: unknown[]; pods: unknown[]; hyperNodes: unknown[] } {
  if (body['kind'] !== 'List')
    return {
      nodes: arrayAt(body['nodeList'], 'items') ?? [],
      pods: arrayAt(body['podList'], 'items') ?? [],
      hyperNodes: arrayAt(body['hyperNodeList'], 'items') ?? [],
    };
  const nodes: unknown[] = [];
  const pods: unknown[] = [];
  const hyperNodes: unknown[] = [];
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const o = stack.pop();
    if (!isRecord(o)) continue;
    if (o['kind'] === 'Node') nodes.push(o);
    else if (o['kind'] === 'Pod') pods.push(o);
    else if (o['kind'] === 'HyperNode') hyperNodes.push(o);
    else if (Array.isArray(o['items'])) stack.push(...(o['items'] as unknown[]));
  }
  return { nodes, pods, hyperNodes };
}

/**
 * The topology's levels: options.topology's, the most a Topology object in the list gives, or the topology keys of
 * Kubernetes' own PodGroups (at least 1); and those PodGroups ("namespace/name"), whose pods form topology groups;
 * and the sub-groups KAI PodGroups list (each may enclose others as a topology group of its own).
 */
function topologyShape(body: Record<string, unknown>): {
  levels: number;
  grouped: Set<string>;
  subKeys: Map<string, string[]>;
  kaiSubGroups: number;
} {
  const options = isRecord(body['options']) ? body['options'] : {};
  let most = arrayAt(options['topology'], 'levels')?.length ?? 0;
  let kaiSubGroups = 0;
  const grouped = new Set<string>();
  const subKeys = new Map<string, string[]>();
  const keys = new Set<unknown>();
  // A kind: List, or the object form's lists ({nodeList, podList, topologyList, k8sPodGroupList, …}).
  const stack: unknown[] = [body, ...Object.values(body)];
  while (stack.length > 0) {
    const o = stack.pop();
    if (!isRecord(o)) continue;
    // KAI's sub-groups (whatever the object's apiVersion says, or if it says none).
    kaiSubGroups += arrayAt(o['spec'], 'subGroups')?.length ?? 0;
    if (o['kind'] === 'Topology') most = Math.max(most, arrayAt(o['spec'], 'levels')?.length ?? 0);
    else if (o['kind'] === 'PodGroup' && String(o['apiVersion']).startsWith('scheduling.volcano.sh/')) {
      // Volcano sub-groups: the pods of a PodGroup split by the values of these label keys.
      const policies = arrayAt(o['spec'], 'subGroupPolicy') ?? [];
      const labelKeys = policies.flatMap((p) => (isRecord(p) ? (arrayAt(p, 'matchLabelKeys') ?? []) : []));
      const meta = isRecord(o['metadata']) ? o['metadata'] : {};
      if (policies.length > 0)
        subKeys.set(`${String(meta['namespace'] ?? 'default')}/${String(meta['name'])}`, labelKeys.map(String));
    } else if (o['kind'] === 'PodGroup' && String(o['apiVersion']).startsWith('scheduling.k8s.io/')) {
      const spec = isRecord(o['spec']) ? o['spec'] : {};
      const topology = arrayAt(spec['schedulingConstraints'], 'topology') ?? [];
      if (topology.length === 0) continue;
      const meta = isRecord(o['metadata']) ? o['metadata'] : {};
      grouped.add(`${String(meta['namespace'] ?? 'default')}/${String(meta['name'])}`);
      for (const t of topology) keys.add(isRecord(t) ? t['key'] : undefined);
    } else if (Array.isArray(o['items'])) stack.push(...(o['items'] as unknown[]));
  }
  return { levels: Math.max(1, most, keys.size), grouped, subKeys, kaiSubGroups };
}

/** Topology-aware groups × nodes × levels: what the topology's tables hold at most. */
function topologyWorkOf(body: Record<string, unknown>, pods: readonly unknown[], kube: boolean, nodes: number): number {
  const { levels, grouped, subKeys, kaiSubGroups } = topologyShape(body);
  return (topologyGroups(pods, kube, { grouped, subKeys }) + kaiSubGroups) * nodes * levels;
}

/** Volcano HyperNode members, each matched against every node and every HyperNode at worst. */
function memberWork(hyperNodes: readonly unknown[], nodes: number): number {
  let members = 0;
  for (const h of hyperNodes) members += (isRecord(h) ? arrayAt(h['spec'], 'members')?.length : 0) ?? 0;
  return members * (nodes + hyperNodes.length);
}

const KUEUE_POD_GROUP = 'kueue.x-k8s.io/pod-group-name';

/**
 * Kubernetes annotations that put a pod in a topology-aware group (models/kube-topology.ts reads them): Kueue's
 * topology annotations, and the gang annotations but Kueue's own pod group (which alone asks for no topology).
 */
const GROUP_ANNOTATIONS: readonly string[] = [
  KUEUE_TOPOLOGY.required,
  KUEUE_TOPOLOGY.preferred,
  KUEUE_TOPOLOGY.sliceLevel,
  ...GANG_ANNOTATIONS.filter((a) => a !== KUEUE_POD_GROUP),
];

/** How many topology-aware groups the containers may form, at most. */
function topologyGroups(
  pods: readonly unknown[],
  kube: boolean,
  { grouped, subKeys }: { grouped: ReadonlySet<string>; subKeys: ReadonlyMap<string, string[]> },
): number {
  const groups = new Set<string>();
  pods.forEach((p, k) => {
    if (!isRecord(p)) return;
    if (!kube) {
      const t = p['topology'];
      if (!isRecord(t)) return;
      groups.add(JSON.stringify([t['group'] ?? p['gang'] ?? k]));
      // The groups that enclose it (topology.within) are groups too.
      for (const e of arrayAt(t, 'within') ?? []) groups.add(JSON.stringify([isRecord(e) ? e['group'] : e]));
      return;
    }
    const meta = isRecord(p['metadata']) ? p['metadata'] : {};
    const notes = isRecord(meta['annotations']) ? meta['annotations'] : {};
    const labels = isRecord(meta['labels']) ? meta['labels'] : {};
    const spec = isRecord(p['spec']) ? p['spec'] : {};
    const native = isRecord(spec['schedulingGroup']) ? spec['schedulingGroup']['podGroupName'] : undefined;
    const ns = String(meta['namespace'] ?? 'default');
    if (typeof native === 'string' && grouped.has(`${ns}/${native}`))
      groups.add(JSON.stringify([ns, 'PodGroup', native]));
    if (!GROUP_ANNOTATIONS.some((a) => notes[a] !== undefined)) return;
    const name =
      notes[KUEUE_POD_GROUP] ?? labels[KUEUE_POD_GROUP] ?? notes['pod-group-name'] ?? notes[GANG_ANNOTATION] ?? k;
    // Sub-groups: KAI's leaf label, and the values of the label keys that split a Volcano PodGroup.
    const volcano = subKeys.get(`${ns}/${String(notes[GANG_ANNOTATION])}`);
    const sub = [labels[KAI_SUBGROUP_LABEL], ...(volcano ?? []).map((key) => labels[key])];
    groups.add(JSON.stringify([meta['namespace'], name, sub]));
    // A sub-group's PodGroup may be a group of its own, enclosing it.
    if (volcano || labels[KAI_SUBGROUP_LABEL] !== undefined)
      groups.add(JSON.stringify([meta['namespace'], name, null]));
  });
  return groups.size;
}

/** A pod's terms and labels, in the snapshot's terms (the Kubernetes conversion keeps them one to one). */
function podRules(pod: unknown): { terms: unknown[]; labels: unknown } {
  const meta = isRecord(pod) && isRecord(pod['metadata']) ? pod['metadata'] : {};
  const spec = isRecord(pod) && isRecord(pod['spec']) ? pod['spec'] : {};
  const affinity = isRecord(spec['affinity']) ? spec['affinity'] : {};
  const required = (k: string): unknown[] =>
    arrayAt(affinity[k], 'requiredDuringSchedulingIgnoredDuringExecution') ?? [];
  const preferred = (k: string): unknown[] =>
    arrayAt(affinity[k], 'preferredDuringSchedulingIgnoredDuringExecution') ?? [];
  return {
    terms: [
      ...required('podAffinity'),
      ...required('podAntiAffinity'),
      ...preferred('podAffinity'),
      ...preferred('podAntiAffinity'),
      ...(arrayAt(spec, 'topologySpreadConstraints') ?? []),
    ],
    labels: [meta['namespace'], meta['labels']],
  };
}

/** The snapshot's fields of terms over other containers (each term's selector is matched against label sets). */
const TERM_FIELDS = ['affinity', 'antiAffinity', 'preferredAffinity', 'preferredAntiAffinity', 'spread'] as const;

function containerRules(c: unknown): { terms: unknown[]; labels: unknown } {
  const o = isRecord(c) ? c : {};
  return {
    terms: TERM_FIELDS.flatMap((field) => arrayAt(o, field) ?? []),
    labels: [o['namespace'], o['labels']],
  };
}

/** Quantities already read are bigints (capacity questions count a parsed snapshot). */
const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);

function distinct(values: readonly unknown[], replacer = bigints): number {
  const seen = new Set<string>();
  for (const v of values) seen.add(keyText(v, replacer));
  return seen.size;
}

/**
 * A value's text under the replacer. Without bigints (a body's JSON never has them) `bigints` changes nothing, and
 * JSON.stringify without a replacer function is several times faster: it throws on a bigint, which then takes the
 * replacer's way.
 */
function keyText(v: unknown, replacer: (key: string, v: unknown) => unknown): string {
  if (replacer === bigints)
    try {
      return JSON.stringify(v) ?? '';
    } catch {
      // a bigint: below
    }
  return JSON.stringify(v, replacer) ?? '';
}

/**
 * Where resources share columns (models/columns.ts), a capacity or request key reads each name as its column, and the
 * block key gains the names themselves (a container asking for a member is blocked where another member is given).
 */
function byColumn(column: ReadonlyMap<string, number>): (key: string, v: unknown) => unknown {
  return (key, v) => {
    if (!isRecord(v) || Array.isArray(v)) return bigints(key, v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [column.has(k) ? `#${column.get(k)}` : k, x]));
  };
}

const keysOf = (o: unknown): string[] => (isRecord(o) ? Object.keys(o) : []);

/** The resource names a Kubernetes node or pod, or a plain node or container, mentions. */
function resourceNames(o: unknown, kube: boolean): string[] {
  if (!isRecord(o)) return [];
  if (!kube) return [...keysOf(o['capacity']), ...keysOf(o['requests'])];
  const status = isRecord(o['status']) ? o['status'] : {};
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const containers = [...(arrayAt(spec, 'containers') ?? []), ...(arrayAt(spec, 'initContainers') ?? [])];
  return [
    ...keysOf(status['allocatable']),
    ...keysOf(status['capacity']),
    ...keysOf(spec['overhead']),
    ...containers.flatMap((c) => {
      const r = isRecord(c) && isRecord(c['resources']) ? c['resources'] : {};
      return [...keysOf(r['requests']), ...keysOf(r['limits'])];
    }),
  ];
}

const pick = (o: unknown, ...keys: string[]): unknown[] => keys.map((k) => (isRecord(o) ? o[k] : undefined));

/** A node's capacity, and what its blocks depend on (labels, taints, flags). */
function nodeKeys(o: unknown, kube: boolean): [unknown, unknown] {
  if (!kube) return [pick(o, 'capacity'), pick(o, 'labels', 'taints', 'unschedulable', 'ready')];
  const [meta, spec, status] = pick(o, 'metadata', 'spec', 'status');
  return [pick(status, 'allocatable', 'capacity'), [...pick(meta, 'labels'), ...pick(spec, 'taints', 'unschedulable')]];
}

/** A container's requests, and what its blocks depend on (node selectors, node affinity, tolerations). */
function containerKeys(o: unknown, kube: boolean): [unknown, unknown] {
  if (!kube)
    return [
      pick(o, 'requests'),
      pick(o, 'nodeSelector', 'nodeAffinity', 'preferredNodeAffinity', 'tolerations', 'pinned'),
    ];
  const [spec] = pick(o, 'spec');
  return [
    pick(spec, 'containers', 'initContainers', 'overhead'),
    [...pick(spec, 'nodeSelector', 'tolerations', 'nodeName'), ...pick(pick(spec, 'affinity')[0], 'nodeAffinity')],
  ];
}

/** The most work the tables keyed by distinct node and container keys can take (see BodyCounts.tableWork). */
function tableWork(
  nodes: readonly unknown[],
  containers: readonly unknown[],
  kube: boolean,
  costs: boolean,
  names: Names,
): number {
  const shared = names.column !== undefined;
  const blockKey = (o: unknown, k: unknown): unknown => (shared ? [k, resourceNames(o, kube).sort()] : k);
  const n = nodes.map((o) => nodeKeys(o, kube));
  const c = containers.map((o) => containerKeys(o, kube));
  const replacer = names.column ? byColumn(names.column) : bigints;
  const scores = costs
    ? 0
    : distinct(
        n.map((k) => k[0]),
        replacer,
      ) *
      distinct(
        c.map((k) => k[0]),
        replacer,
      ) *
      Math.max(1, names.columns);
  return (
    scores +
    distinct(n.map((k, i) => blockKey(nodes[i], k[1]))) * distinct(c.map((k, j) => blockKey(containers[j], k[1])))
  );
}

interface Names {
  /** Columns the resources take. */
  readonly columns: number;
  /** Each name's column where resources share columns. */
  readonly column?: ReadonlyMap<string, number>;
}

/** The resource names of the nodes and containers, and the columns they take (models/columns.ts). */
function namesOf(nodes: readonly unknown[], pods: readonly unknown[], kube: boolean): Names {
  const held = [...nodes, ...pods].map((o) => [...new Set(resourceNames(o, kube))]);
  const names = [...new Set(held.flat())].sort();
  const column = sharedColumns(names, held, (name) => name === 'pods');
  return column ? { columns: new Set(column.values()).size, column } : { columns: names.length };
}

/** The selectors of the disruption budgets (plain, or the PodDisruptionBudgets of a kind: List), with namespaces. */
function budgetSelectors(body: Record<string, unknown>, kube: boolean): unknown[] {
  if (!kube) return (arrayAt(body, 'disruptionBudgets') ?? []).map((b) => pick(b, 'namespace', 'selector'));
  const out: unknown[] = [];
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const o = stack.pop();
    if (!isRecord(o)) continue;
    if (o['kind'] === 'PodDisruptionBudget')
      out.push([...pick(o['metadata'], 'namespace'), ...pick(o['spec'], 'selector')]);
    else if (Array.isArray(o['items'])) stack.push(...(o['items'] as unknown[]));
  }
  return out;
}

/** The counts of a snapshot body (plain or Kubernetes). */
export function snapshotCounts(body: unknown): BodyCounts {
  if (!isRecord(body)) return { nodes: 0, containers: 0, terms: 0, labelSets: 0, matrixPairs: 0 };
  if ('services' in body && !('containers' in body)) return swarmCounts(body);
  const kube = 'nodeList' in body || 'podList' in body || body['kind'] === 'List';
  const { nodes, pods, hyperNodes } = kube
    ? kubeObjects(body)
    : { nodes: arrayAt(body, 'nodes') ?? [], pods: arrayAt(body, 'containers') ?? [], hyperNodes: [] };
  // Replicas differ only in name and node: their terms and labels are their shape's.
  const shapes = kube ? undefined : containerShapes(pods);
  const rules = shapes ? shapes.representatives.map(containerRules) : pods.map(kube ? podRules : containerRules);
  const withTerms = rules.filter((r) => r.terms.length > 0);
  const budgets = budgetSelectors(body, kube);
  const matched = withTerms.length > 0 || budgets.length > 0;
  // Replicas ask for the same resources as their shape.
  const names = namesOf(nodes, shapes ? shapes.representatives : pods, kube);
  return {
    nodes: nodes.length,
    containers: pods.length,
    terms: matched ? distinct([...withTerms.flatMap((r) => r.terms), ...budgets]) : 0,
    labelSets: matched ? distinct(rules.map((r) => r.labels)) : 0,
    matrixPairs: isRecord(body['costs']) && Array.isArray(body['costs']['matrix']) ? nodes.length * pods.length : 0,
    resources: names.columns,
    tableWork: tableWork(nodes, shapes ? shapes.representatives : pods, kube, isRecord(body['costs']), names),
    topologyWork: topologyWorkOf(body, pods, kube, nodes.length) + memberWork(hyperNodes, nodes.length),
  };
}

/** The counts of a program body: nodes are cost rows, containers the first row's entries. */
export function programCounts(body: unknown): BodyCounts {
  const cost = arrayAt(body, 'cost') ?? [];
  const containers = Array.isArray(cost[0]) ? cost[0].length : 0;
  return { nodes: cost.length, containers, terms: 0, labelSets: 0, matrixPairs: cost.length * containers };
}

/** The limits these counts pass (empty) or the issues (→ 422) that say which and by how much. */
export function countIssues(c: BodyCounts, limits: ProblemLimits, kind: 'snapshot' | 'program'): InputIssue[] {
  const issues: InputIssue[] = [];
  const [nodes, containers] = kind === 'snapshot' ? ['nodes', 'containers'] : ['cost', 'cost[0]'];
  if (c.nodes > limits.maxNodes)
    issues.push({ path: nodes, message: `${c.nodes} nodes exceed the limit of ${limits.maxNodes}` });
  if (c.containers > limits.maxContainers)
    issues.push({
      path: containers,
      message: `${c.containers} containers exceed the limit of ${limits.maxContainers}`,
    });
  if (c.matrixPairs > limits.maxPairs)
    issues.push({
      path: kind === 'snapshot' ? 'costs.matrix' : nodes,
      message:
        `${c.nodes} nodes × ${c.containers} containers = ` +
        `${c.matrixPairs} matrix entries exceed the limit of ${limits.maxPairs}`,
    });
  if ((c.resources ?? 0) > limits.maxResources)
    issues.push({
      path: kind === 'snapshot' ? 'nodes' : 'capacity',
      message: `${c.resources} resources exceed the limit of ${limits.maxResources}`,
    });
  const maxTableWork = limits.maxTableWork ?? DEFAULT_MAX_TABLE_WORK;
  if ((c.tableWork ?? 0) > maxTableWork)
    issues.push({
      path: kind === 'snapshot' ? 'nodes' : 'cost',
      message:
        `the nodes' distinct capacities, labels and taints against the containers' distinct requests, selectors and ` +
        `tolerations take up to ${c.tableWork} steps to tabulate, more than the limit of ${maxTableWork}: give ` +
        '`costs`, or fewer distinct node or container shapes',
    });
  const maxRuleWork = limits.maxRuleWork ?? DEFAULT_MAX_RULE_WORK;
  if ((c.topologyWork ?? 0) > maxRuleWork)
    issues.push({
      path: containers,
      message:
        `topology-aware groups × ${c.nodes} nodes × levels and Volcano HyperNode members × nodes and HyperNodes ` +
        `come to ${c.topologyWork}, more than the limit of ${maxRuleWork}: fewer groups (containers of one group ` +
        'share topology.group or a gang) or HyperNode members',
    });
  if (c.terms * c.labelSets > maxRuleWork) {
    issues.push({
      path: containers,
      message:
        `${c.terms} distinct affinity, anti-affinity and spread terms and budget selectors × ${c.labelSets} distinct ` +
        `container label sets = ${c.terms * c.labelSets} exceed the limit of ${maxRuleWork}`,
    });
  }
  return issues;
}

/** A count from a Swarm document: a non-negative number (else 0: the schema refuses it, later). */
const countAt = (v: unknown, ...path: string[]): number => {
  let at = v;
  for (const key of path) at = isRecord(at) ? at[key] : undefined;
  return typeof at === 'number' && at > 0 ? at : 0;
};

/**
 * The counts of Docker Swarm input (models/swarm.ts), from the documents alone: the tasks are the replicas of the
 * replicated services (1 where a service gives none), a task per node for each global service, and the listed
 * tasks. Each service's placement and preferences are evaluated on every node: that is its table work.
 */
function swarmCounts(body: Record<string, unknown>): BodyCounts {
  const nodes = arrayAt(body, 'nodes') ?? [];
  const services = arrayAt(body, 'services') ?? [];
  let containers = (arrayAt(body, 'tasks') ?? []).length;
  let work = 0;
  const kinds = new Set<string>();
  const generic = (r: unknown): void => {
    for (const g of arrayAt(r, 'GenericResources') ?? [])
      for (const spec of isRecord(g) ? Object.values(g) : [])
        if (isRecord(spec) && typeof spec['Kind'] === 'string') kinds.add(spec['Kind']);
  };
  for (const n of nodes) generic(isRecord(n) && isRecord(n['Description']) ? n['Description']['Resources'] : undefined);
  for (const s of services) {
    const spec = isRecord(s) ? s['Spec'] : undefined;
    const mode = isRecord(spec) ? spec['Mode'] : undefined;
    const global = isRecord(mode) && 'Global' in mode;
    const replicated = isRecord(mode) && isRecord(mode['Replicated']) && 'Replicas' in mode['Replicated'];
    containers += global ? nodes.length : replicated ? countAt(mode, 'Replicated', 'Replicas') : 1;
    const placement = isRecord(spec) && isRecord(spec['TaskTemplate']) ? spec['TaskTemplate'] : undefined;
    const rules = (arrayAt(placement?.['Placement'], 'Constraints') ?? []).length;
    work += (rules + (arrayAt(placement?.['Placement'], 'Preferences') ?? []).length + 1) * nodes.length;
    generic(isRecord(placement?.['Resources']) ? placement['Resources']['Reservations'] : undefined);
  }
  return {
    nodes: nodes.length,
    containers,
    terms: 0,
    labelSets: 0,
    matrixPairs: 0,
    resources: 2 + kinds.size,
    tableWork: work,
  };
}
