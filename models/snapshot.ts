import { z } from 'zod';
import { MAX_QUANTITY_UNITS, parseQuantity } from './quantity.js';
import { SolveOptionsSchema } from './options.js';
import {
  BLOCK_REASONS,
  int64Doubles,
  type AssignmentModel,
  type BlockReason,
  type GroupRule,
  type ObjectiveWeights,
  type ResourceTable,
} from './model.js';
import {
  LabelSelectorSchema,
  LabelsSchema,
  NodeSelectorTermSchema,
  TaintSchema,
  TolerationSchema,
  nodeAffinityMatches,
  selectorMatches,
  untoleratedTaints,
  type LabelSelector,
  type Toleration,
  type Labels,
} from './selectors.js';
import { hasOwn, own } from './own.js';
import { INT64_MAX, sharedBigInt64, sharedFloat64, sharedInt32, sharedUint8 } from './shared.js';
import type { PathIssue } from './path.js';
import { shapesOf, type ContainerShapes } from './shapes.js';
import {
  fillKeyed,
  forEachCost,
  keyedFromDense,
  keysOf,
  keysOfShapes,
  uniformTable,
  type BlockTable,
  type CostTable,
} from './pairs.js';

/**
 * A cluster snapshot: nodes with capacities, containers with requests, optional placement costs.
 * Quantities are JSON numbers or Kubernetes quantity strings, parsed exactly to milli-units.
 */

export const NameSchema = z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters');
const ResourceNameSchema = z.string().min(1, 'resource names must not be empty').max(253);

/**
 * A quantity, as milli-units (bigint): a JSON number or a Kubernetes quantity string, parsed exactly; or,
 * where the service builds one snapshot from another (Kubernetes input, capacity questions), a bigint
 * that is already milli-units (JSON cannot carry one).
 */
export const QuantitySchema = z.union([z.number(), z.string(), z.bigint()]).transform((value, ctx) => {
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= MAX_QUANTITY_UNITS * 1000n) return value;
    ctx.addIssue({ code: 'custom', message: 'quantity is negative or larger than 2^63-1' });
    return z.NEVER;
  }
  const parsed = parseQuantity(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `quantity ${parsed.message}` });
    return z.NEVER;
  }
  return parsed.value;
});

const ResourceListSchema = z.record(ResourceNameSchema, QuantitySchema);

/** The topology key whose domains are single nodes; a node without this label is its own domain anyway. */
export const HOSTNAME_KEY = 'kubernetes.io/hostname';

export const NodeSchema = z.strictObject({
  name: NameSchema,
  /** Allocatable capacity per resource; a resource not listed has capacity 0. `pods` caps the container count. */
  capacity: ResourceListSchema,
  labels: LabelsSchema.optional(),
  /** NoSchedule and NoExecute taints keep containers off unless tolerated; PreferNoSchedule is a preference only. */
  taints: z.array(TaintSchema).optional(),
  /** Cordoned: takes no new containers (those pinned here stay). */
  unschedulable: z.boolean().optional(),
  /** A node that is not Ready takes no new containers (default true). */
  ready: z.boolean().optional(),
  /** Price of running this node, for the `pack` objective (default 1: count nodes). */
  price: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
});

/**
 * A pod (anti-)affinity term: the containers its selector matches (in `namespaces`, default the owner's), per topology
 * domain.
 */
export const PodAffinityTermSchema = z.strictObject({
  selector: LabelSelectorSchema,
  topologyKey: z.string().min(1, 'must not be empty'),
  namespaces: z.array(z.string()).optional(),
});

export const SpreadSchema = z.strictObject({
  maxSkew: z.number().int().min(1, 'must be at least 1'),
  topologyKey: z.string().min(1, 'must not be empty'),
  selector: LabelSelectorSchema,
});

export const ContainerSchema = z.strictObject({
  name: NameSchema,
  /** Requested amount per resource; a resource not listed is not requested. */
  requests: ResourceListSchema.default({}),
  /** Namespace, for the namespace scope of affinity terms (default ""). */
  namespace: z.string().optional(),
  labels: LabelsSchema.optional(),
  /** Node labels that must all match. */
  nodeSelector: LabelsSchema.optional(),
  /** Required node affinity: any term must match (Kubernetes nodeSelectorTerms). */
  nodeAffinity: z.array(NodeSelectorTermSchema).optional(),
  tolerations: z.array(TolerationSchema).optional(),
  /** Must share a topology domain with a container the term selects. */
  affinity: z.array(PodAffinityTermSchema).optional(),
  /** Must not share a topology domain with a container the term selects (other than itself). */
  antiAffinity: z.array(PodAffinityTermSchema).optional(),
  /** Topology spread (DoNotSchedule): the selected containers' counts per domain differ by at most maxSkew. */
  spread: z.array(SpreadSchema).optional(),
  /** Gang name: all containers of a gang are placed, or (with options.allowUnplaced) none is. */
  gang: z.string().min(1).optional(),
  /** The node it runs on now; placing it elsewhere costs `moveCost` (default options.moveCost, 1). */
  current: NameSchema.optional(),
  moveCost: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
  /** Stays on `current` (a bound pod that may not move); it still uses capacity there. */
  pinned: z.boolean().optional(),
  /** With allowUnplaced: placing one container of a higher priority outweighs any number of lower ones (default 1). */
  priority: z.number().int().min(0).max(1_000_000).optional(),
});

const FiniteCost = z.number().refine(Number.isFinite, 'must be a finite number');

export const CostsSchema = z.strictObject({
  /** matrix[i][j] = c_ij for node i, container j, in input order. */
  matrix: z.array(z.array(FiniteCost)).optional(),
  /** Per-pair overrides of the matrix (or of `default`). */
  pairs: z.array(z.strictObject({ node: NameSchema, container: NameSchema, cost: FiniteCost })).optional(),
  /** Cost of every pair not in the matrix or pairs (default 0); used only without a matrix. */
  default: FiniteCost.optional(),
});

/**
 * Snapshot options add to the solve options:
 * - allowUnplaced: containers may stay out when not all fit (gangs as a whole); the plan places as many as
 *   possible first, then minimises cost (each unplaced container adds a penalty larger than any cost range).
 * - moveCost: default cost of moving a container away from `current` (1).
 * - objective: see ObjectiveSchema.
 */
export const OBJECTIVES = ['cost', 'balance', 'pack'] as const;
const Weight = z.number().min(0).refine(Number.isFinite, 'must be finite');

/**
 * options.objective: "cost" (default), "balance" (minimise the highest utilisation), "pack" (minimise
 * the nodes used, or their total price), or weights {cost, balance, pack} for a weighted sum (absent
 * weights are 0).
 */
export const ObjectiveSchema = z.union([
  z.enum(OBJECTIVES),
  z.strictObject({ cost: Weight.optional(), balance: Weight.optional(), pack: Weight.optional() }),
]);

export const SnapshotOptionsSchema = SolveOptionsSchema.extend({
  objective: ObjectiveSchema.optional(),
  allowUnplaced: z.boolean().optional(),
  moveCost: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
});

export const snapshotFields = {
  nodes: z.array(NodeSchema).min(1, 'at least one node is required'),
  containers: z.array(ContainerSchema),
  costs: CostsSchema.optional(),
  options: SnapshotOptionsSchema.optional(),
};

type ParsedSnapshot = {
  nodes: z.infer<typeof NodeSchema>[];
  containers: z.infer<typeof ContainerSchema>[];
  costs?: z.infer<typeof CostsSchema> | undefined;
};

/** A cost matrix has one row per node and one entry per container. */
function matrixShape(s: ParsedSnapshot, ctx: z.RefinementCtx): void {
  const matrix = s.costs?.matrix;
  if (!matrix) return;
  if (matrix.length !== s.nodes.length) {
    const message = `must have one row per node (${s.nodes.length}), got ${matrix.length}`;
    ctx.addIssue({ code: 'custom', path: ['costs', 'matrix'], message });
  }
  matrix.forEach((row, i) => {
    if (row.length === s.containers.length) return;
    const message = `must have one entry per container (${s.containers.length}), got ${row.length}`;
    ctx.addIssue({ code: 'custom', path: ['costs', 'matrix', i], message });
  });
}

/** Names unique and known, matrix shapes right, pinned containers with a current node. */
function snapshotRefinement(s: ParsedSnapshot, ctx: z.RefinementCtx): void {
  const nodeNames = reportDuplicates(s.nodes, 'nodes', ctx);
  const containerNames = reportDuplicates(s.containers, 'containers', ctx);
  matrixShape(s, ctx);
  s.containers.forEach((c, k) => {
    if (c.current !== undefined && !nodeNames.has(c.current))
      ctx.addIssue({ code: 'custom', path: ['containers', k, 'current'], message: `unknown node "${c.current}"` });
    if (c.pinned && c.current === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['containers', k, 'pinned'],
        message: 'a pinned container needs `current`',
      });
  });
  s.costs?.pairs?.forEach((p, k) => {
    if (!nodeNames.has(p.node))
      ctx.addIssue({ code: 'custom', path: ['costs', 'pairs', k, 'node'], message: `unknown node "${p.node}"` });
    if (!containerNames.has(p.container)) {
      const message = `unknown container "${p.container}"`;
      ctx.addIssue({ code: 'custom', path: ['costs', 'pairs', k, 'container'], message });
    }
  });
}

/** The snapshot's fields without the checks across them (models/replicas.ts parses with it). */
export const SnapshotFieldsSchema = z.strictObject(snapshotFields);

export const SnapshotSchema = SnapshotFieldsSchema.superRefine(snapshotRefinement);

/** The checks across a parsed snapshot's fields alone (names unique and known, matrix shapes). */
export const SnapshotChecksSchema = z.custom<ParsedSnapshot>().superRefine(snapshotRefinement);

/** The same, with no nodes allowed (a purchase may start from none). */
export const SnapshotWithoutNodesSchema = z
  .strictObject({ ...snapshotFields, nodes: z.array(NodeSchema) })
  .superRefine(snapshotRefinement);

export type Snapshot = z.infer<typeof SnapshotSchema>;
/** A snapshot as the schema takes it (quantities as numbers, strings or milli-unit bigints). */
export type SnapshotInput = z.input<typeof SnapshotSchema>;
export type NodeInput = z.input<typeof NodeSchema>;
export type ContainerInput = z.input<typeof ContainerSchema>;
export type PodAffinityTermInput = z.input<typeof PodAffinityTermSchema>;

/** Reports each name seen before; returns the names, each with where it first appears. */
function reportDuplicates(
  named: readonly { readonly name: string }[],
  field: string,
  ctx: z.RefinementCtx,
): Map<string, number> {
  const seen = new Map<string, number>();
  named.forEach(({ name }, k) => {
    const first = seen.get(name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field, k, 'name'],
        message: `duplicate name "${name}" (also at ${field}[${first}])`,
      });
    } else {
      seen.set(name, k);
    }
  });
  return seen;
}

/**
 * Compiles a validated snapshot into the assignment model.
 * Without `costs`, c_ij is the greedy's own score against the empty node: max over requested resources k
 * of r_jk / R_ik (0 for a container that requests nothing). Pairs that cannot fit keep cost 0; they get no variable.
 * The large arrays are in shared memory, so the model goes to the solver threads without a copy.
 */
export function snapshotToModel(s: Snapshot): AssignmentModel {
  const shapes = shapesOf(s.containers);
  const resources = resourceTables(s, shapes);
  const cost = costTable(s, resources, shapes);
  const objective = objectiveWeights(s, resources);
  const base = {
    kind: 'snapshot' as const,
    nodes: s.nodes.map((node) => node.name),
    items: s.containers.map((c) => c.name),
    resources,
    cost,
    sense: 'min' as const,
    ...(s.costs === undefined ? { derivedCosts: true } : {}),
    ...(objective ? { objective } : {}),
  };
  if (!hasRules(s)) return base;
  const compiled = compileRules(s, shapes, cost, objective);
  return { ...base, cost: compiled.cost, rules: compiled.rules };
}

/** The resource names any node or container gives, sorted. */
function resourceNames(s: Snapshot, shapes: ContainerShapes): string[] {
  const names = new Set<string>();
  for (const node of s.nodes) for (const k of Object.keys(node.capacity)) names.add(k);
  for (const j of shapes.first) for (const k of Object.keys(s.containers[j]!.requests)) names.add(k);
  return [...names].sort();
}

/**
 * Resources whose amounts cannot all be held exactly as 64-bit integers: above 2^63−1 milli-units with
 * fractional amounts elsewhere (whole units would be kept at scale 1 instead). Paths name the largest value.
 */
export function quantityRangeIssues(s: Snapshot): PathIssue[] {
  const issues: PathIssue[] = [];
  // A shape's containers have the same requests: the first of the first shape over the limit is named.
  const shapes = shapesOf(s.containers);
  for (const name of resourceNames(s, shapes)) {
    let fractional = false;
    let huge: (string | number)[] | undefined;
    const see = (v: bigint | undefined, path: (string | number)[]): void => {
      if (v === undefined) return;
      if (v % 1000n !== 0n) fractional = true;
      if (v > INT64_MAX) huge ??= path;
    };
    s.nodes.forEach((node, i) => see(own(node.capacity, name), ['nodes', i, 'capacity', name]));
    for (const j of shapes.first) see(own(s.containers[j]!.requests, name), ['containers', j, 'requests', name]);
    if (huge && fractional)
      issues.push({
        path: huge,
        message:
          `quantity is above 2^63−1 milli-units while other ${name} ` +
          `amounts have fractions: they cannot all be exact 64-bit integers`,
      });
  }
  return issues;
}

/**
 * One table per resource any node or container names, sorted by name, in milli-units (scale 3); a
 * resource with an amount above 2^63−1 milli-units (all whole units, see quantityRangeIssues) in units.
 */
function resourceTables(s: Snapshot, shapes: ContainerShapes): ResourceTable[] {
  const n = s.nodes.length;
  const m = s.containers.length;
  // A node's `pods` capacity caps how many containers it runs: each container asks for one pod unless it says
  // otherwise.
  const podsCapped = s.nodes.some((node) => hasOwn(node.capacity, 'pods'));
  return resourceNames(s, shapes).map((name) => {
    // A node that gives no `pods` capacity is not capped: room for every container.
    const capacity = s.nodes.map((node) => own(node.capacity, name) ?? (name === 'pods' ? BigInt(m) * 1000n : 0n));
    const perShape = shapes.first.map(
      (j) => own(s.containers[j]!.requests, name) ?? (name === 'pods' && podsCapped ? 1000n : 0n),
    );
    const whole = capacity.some((v) => v > INT64_MAX) || perShape.some((v) => v > INT64_MAX);
    const units = (v: bigint): bigint => (whole ? v / 1000n : v);
    const table = sharedBigInt64(n);
    capacity.forEach((v, i) => (table[i] = units(v)));
    const shapeUnits = perShape.map(units);
    const demand = sharedBigInt64(m);
    for (let j = 0; j < m; j++) demand[j] = shapeUnits[shapes.shapeOf[j]!]!;
    return { name, scale: whole ? 0 : 3, capacity: table, demand, perNode: false };
  });
}

/**
 * The greedy's own score against the empty node, max over requested resources k of r_jk / R_ik (0 for a
 * container that requests nothing), from the same exact values converted once: by the nodes' capacity
 * vectors and the containers' request vectors, one entry per distinct pair.
 */
function defaultScores(s: Snapshot, resources: readonly ResourceTable[], shapes: ContainerShapes): CostTable {
  const cap = resources.map((r) => int64Doubles(r.capacity));
  const dem = resources.map((r) => int64Doubles(r.demand));
  const rows = keysOf(s.nodes.length, (i) => cap.map((c) => c[i]!).join(','));
  const cols = keysOfShapes(shapes, (j) => dem.map((d) => d[j]!).join(','));
  return fillKeyed(rows, cols, sharedFloat64, (i, j) => {
    let score = 0;
    resources.forEach((_, k) => {
      const c = cap[k]![i]!;
      const d = dem[k]![j]!;
      if (c > 0 && d > 0 && d / c > score) score = d / c;
    });
    return score;
  });
}

/** c_ij: the matrix (or `default`) with `pairs` over it, or the greedy's score without costs. */
function costTable(s: Snapshot, resources: readonly ResourceTable[], shapes: ContainerShapes): CostTable {
  const n = s.nodes.length;
  const m = s.containers.length;
  const costs = s.costs;
  if (costs === undefined) return defaultScores(s, resources, shapes);
  let table: CostTable;
  if (costs.matrix) {
    // The caller wrote every entry: the body's size limit bounds the matrix.
    const dense = new Float64Array(n * m);
    costs.matrix.forEach((row, i) => row.forEach((c, j) => (dense[i * m + j] = c)));
    table = keyedFromDense(dense, n, m);
  } else table = uniformTable(n, m, sharedFloat64, costs.default ?? 0);
  if (!costs.pairs || costs.pairs.length === 0) return table;
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  const containerIndex = new Map(s.containers.map((c, j) => [c.name, j]));
  const pairs = new Map<number, number>();
  for (const p of costs.pairs) pairs.set(nodeIndex.get(p.node)! * m + containerIndex.get(p.container)!, p.cost);
  return { ...table, pairs };
}

/** The objective weights, or undefined for the plain cost objective. */
function objectiveWeights(s: Snapshot, resources: readonly ResourceTable[]): ObjectiveWeights | undefined {
  const o = s.options?.objective ?? 'cost';
  if (o === 'cost') return undefined;
  const w =
    o === 'balance'
      ? { cost: 0, balance: 1, pack: 0 }
      : o === 'pack'
        ? { cost: 0, balance: 0, pack: 1 }
        : { cost: o.cost ?? 0, balance: o.balance ?? 0, pack: o.pack ?? 0 };
  return {
    ...w,
    price: s.nodes.map((n) => n.price ?? 1),
    balanceResources: resources.flatMap((r, k) => (r.name === 'pods' ? [] : [k])),
  };
}

function hasRules(s: Snapshot): boolean {
  return (
    s.options?.allowUnplaced === true ||
    s.containers.some((c) => c.priority !== undefined) ||
    s.nodes.some((n) => (n.taints?.length ?? 0) > 0 || n.unschedulable === true || n.ready === false) ||
    s.containers.some(
      (c) =>
        c.nodeSelector ||
        c.nodeAffinity ||
        c.affinity?.length ||
        c.antiAffinity?.length ||
        c.spread?.length ||
        c.gang !== undefined ||
        c.current !== undefined,
    )
  );
}

/**
 * Penalties for leaving containers out, lexicographic by priority: each one is more than the whole range
 * of the weighted objective plus every penalty of the lower priorities, so placing one more container of
 * a priority always wins over any change below it. Powers of two, so sums stay exact.
 */
function unplacedPenalties(s: Snapshot, cost: CostTable, objective: ObjectiveWeights | undefined): number[] {
  const w = objective ?? { cost: 1, balance: 0, pack: 0, price: [] as number[] };
  let range = 0;
  const lo = new Float64Array(s.containers.length);
  const hi = new Float64Array(s.containers.length);
  forEachCost(cost, s.nodes.length, s.containers.length, (j, c) => {
    if (c < lo[j]!) lo[j] = c;
    if (c > hi[j]!) hi[j] = c;
  });
  for (let j = 0; j < s.containers.length; j++) range += hi[j]! - lo[j]!;
  range = w.cost * range + w.balance + w.pack * s.nodes.reduce((t, node) => t + (node.price ?? 1), 0);
  const priorities = [...new Set(s.containers.map((c) => c.priority ?? 1))].sort((a, b) => a - b);
  const penaltyOf = new Map<number, number>();
  let below = range; // the objective range plus all penalties of lower priorities
  for (const p of priorities) {
    const penalty = 2 ** Math.ceil(Math.log2(below + 1));
    penaltyOf.set(p, penalty);
    below += penalty * s.containers.filter((c) => (c.priority ?? 1) === p).length;
  }
  return s.containers.map((c) => penaltyOf.get(c.priority ?? 1)!);
}

/**
 * Containers grouped by (namespace, labels), so a selector is evaluated once per distinct label set,
 * not once per container.
 */
interface LabelGroup {
  readonly namespace: string;
  readonly labels: Labels;
  readonly members: number[];
}

function labelGroups(s: Snapshot, shapes: ContainerShapes): LabelGroup[] {
  const byKey = new Map<string, LabelGroup>();
  const groupOf = shapes.first.map((j) => {
    const c = s.containers[j]!;
    const labels = c.labels ?? {};
    const key = JSON.stringify([
      c.namespace ?? '',
      Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ]);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { namespace: c.namespace ?? '', labels, members: [] }));
    return g;
  });
  for (let j = 0; j < s.containers.length; j++) groupOf[shapes.shapeOf[j]!]!.members.push(j);
  return [...byKey.values()];
}

/** The domains of a topology key: nodes grouped by their label value; every node is its own hostname domain. */
function topology(
  s: Snapshot,
  key: string,
  eligible: (i: number) => boolean = () => true,
): { domains: number[][]; hasKey: boolean[] } {
  const byValue = new Map<string, number[]>();
  const hasKey = s.nodes.map(() => false);
  s.nodes.forEach((node, i) => {
    const value = own(node.labels, key) ?? (key === HOSTNAME_KEY ? node.name : undefined);
    if (value === undefined || !eligible(i)) return;
    hasKey[i] = true;
    const d = byValue.get(value);
    if (d) d.push(i);
    else byValue.set(value, [i]);
  });
  return { domains: [...byValue.values()], hasKey };
}

type Term = {
  readonly selector: LabelSelector;
  readonly topologyKey: string;
  readonly namespaces?: string[] | undefined;
};

/** Everything compileRules' parts share: indices, the label groups, and caches keyed by JSON. */
interface RuleContext {
  readonly s: Snapshot;
  readonly shapes: ContainerShapes;
  readonly n: number;
  readonly m: number;
  readonly groups: LabelGroup[];
  readonly topologies: Map<string, ReturnType<typeof topology>>;
  /** Label groups by namespace and label pair, built on first use by `selected`. */
  groupIndex?: Map<string, LabelGroup[]>;
  readonly nodeMatches: (j: number, i: number) => boolean;
}

const nsOf = (s: Snapshot, j: number): string => s.containers[j]!.namespace ?? '';

/** The containers a term selects (in its namespaces, default the owner's), in index order. */
function selected(ctx: RuleContext, term: Term, owner: number): number[] {
  const namespaces = term.namespaces ?? [nsOf(ctx.s, owner)];
  const out = [...new Set(namespaces)]
    .flatMap((ns) => candidateGroups(ctx, ns, term.selector))
    .flatMap((g) => (selectorMatches(term.selector, g.labels) ? g.members : []));
  return out.sort((a, b) => a - b);
}

/**
 * The label groups of a namespace that can match a selector: those with its first matchLabels pair (from
 * an index built once), else every group of the namespace. Each is still checked against the whole selector.
 */
function candidateGroups(ctx: RuleContext, namespace: string, selector: LabelSelector): readonly LabelGroup[] {
  const first = Object.entries(selector.matchLabels ?? {})[0];
  const index = (ctx.groupIndex ??= indexGroups(ctx.groups));
  const key = first ? JSON.stringify([namespace, first[0], first[1]]) : JSON.stringify([namespace]);
  return index.get(key) ?? [];
}

/** Label groups by namespace, and by namespace and each of their label pairs. */
function indexGroups(groups: readonly LabelGroup[]): Map<string, LabelGroup[]> {
  const index = new Map<string, LabelGroup[]>();
  const add = (key: string, g: LabelGroup): void => {
    const list = index.get(key);
    if (list) list.push(g);
    else index.set(key, [g]);
  };
  for (const g of groups) {
    add(JSON.stringify([g.namespace]), g);
    for (const [k, v] of Object.entries(g.labels)) add(JSON.stringify([g.namespace, k, v]), g);
  }
  return index;
}

function cachedTopology(ctx: RuleContext, key: string): ReturnType<typeof topology> {
  let t = ctx.topologies.get(key);
  if (!t) ctx.topologies.set(key, (t = topology(ctx.s, key)));
  return t;
}

/** Owners of each distinct term (same selector, topology key and namespaces), in order of first appearance. */
function termOwners(
  ctx: RuleContext,
  termsOf: (j: number) => readonly Term[] | undefined,
): { owners: number[]; term: Term }[] {
  const { s, shapes } = ctx;
  type Entry = { owners: number[]; term: Term };
  const byKey = new Map<string, Entry>();
  // A shape's containers have the same terms and namespace.
  const entriesOf = shapes.first.map((j) =>
    (termsOf(j) ?? []).map((t) => {
      const key = JSON.stringify([t.selector, t.topologyKey, t.namespaces ?? [nsOf(s, j)]]);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { owners: [], term: t }));
      return entry;
    }),
  );
  for (let j = 0; j < s.containers.length; j++) for (const e of entriesOf[shapes.shapeOf[j]!]!) e.owners.push(j);
  return [...byKey.values()];
}

/**
 * The label keys any container's node selector or node affinity reads, and whether any reads node names
 * (matchFields): all a node's blocks depend on besides its flags and taints.
 */
function referencedNodeKeys(s: Snapshot): { keys: string[]; names: boolean } {
  const keys = new Set<string>();
  let names = false;
  for (const c of s.containers) {
    for (const k of Object.keys(c.nodeSelector ?? {})) keys.add(k);
    for (const t of c.nodeAffinity ?? []) {
      for (const e of t.matchExpressions ?? []) keys.add(e.key);
      if ((t.matchFields?.length ?? 0) > 0) names = true;
    }
  }
  return { keys: [...keys].sort(), names };
}

/**
 * The per-pair blocks, by keys (models/pairs.ts): cordoned or not-Ready nodes, nodeSelector and node
 * affinity, untolerated taints, required affinity that cannot hold (a term selecting nobody, a node
 * without the topology key), pinned containers. A node's key is what its blocks depend on (its flags,
 * taints, the label values selectors read); a container's key is its selector, affinity, tolerations and
 * affinity conditions. Each distinct pair of keys is evaluated once.
 */
function blockTable(ctx: RuleContext, current: Int32Array, affinity: ReadonlyMap<number, string[]>): BlockTable {
  const { s, n } = ctx;
  const code = (r: BlockReason): number => BLOCK_REASONS.indexOf(r);
  const { keys, names } = referencedNodeKeys(s);
  const affinityKeys = [...new Set([...affinity.values()].flat().filter((f) => f.startsWith('key:')))].sort();
  const hasKey = (i: number, flag: string): boolean => {
    const key = flag.slice(4);
    return key === HOSTNAME_KEY || own(s.nodes[i]!.labels, key) !== undefined;
  };
  const rows = keysOf(n, (i) => {
    const node = s.nodes[i]!;
    return JSON.stringify([
      node.unschedulable ?? false,
      node.ready ?? true,
      keys.map((k) => own(node.labels, k) ?? null),
      node.taints ?? [],
      names ? node.name : null,
      affinityKeys.map((f) => hasKey(i, f)),
    ]);
  });
  // A container's column depends on its shape alone: its selectors, tolerations and affinity terms.
  const cols = keysOfShapes(ctx.shapes, (j) => {
    const c = s.containers[j]!;
    const flags = affinity.get(j) ?? [];
    if (c.pinned) return JSON.stringify(['pinned', flags]);
    return JSON.stringify([c.nodeSelector ?? null, c.nodeAffinity ?? null, c.tolerations ?? null, flags]);
  });
  const reason = (i: number, j: number): BlockReason => {
    const c = s.containers[j]!;
    const node = s.nodes[i]!;
    if (!c.pinned) {
      if (node.unschedulable) return 'unschedulable';
      if (node.ready === false) return 'not-ready';
      if (!ctx.nodeMatches(j, i)) return 'selector';
      if (untoleratedTaints(node.taints ?? [], c.tolerations ?? []).length > 0) return 'taint';
    }
    const flags = affinity.get(j) ?? [];
    return flags.some((f) => f === 'none' || !hasKey(i, f)) ? 'affinity' : '';
  };
  const table = fillKeyed(rows, cols, sharedUint8, (i, j) => code(reason(i, j)));
  const pinned = s.containers.some((c) => c.pinned);
  const pinnedTo = pinned ? Int32Array.from(s.containers, (c, j) => (c.pinned ? current[j]! : -1)) : undefined;
  return { ...table, ...(pinnedTo ? { pinnedTo } : {}), pinnedCode: code('pinned') };
}

/**
 * Anti-affinity, one term at a time, in size linear in the containers. With O the term's owners and S the
 * containers it selects, write A = O \ S, B = O ∩ S, C = S \ O: an owner in A keeps every container of S
 * out of its domain, and one in B keeps every other one. So each domain holds containers of at most one
 * of A, B, C, and at most one of B: apart(A, B ∪ C), atMost(B, 1) and apart(B, C) together are exactly
 * the owners' rules.
 */
function antiAffinityRules(ctx: RuleContext): GroupRule[] {
  const out: GroupRule[] = [];
  for (const { owners, term } of termOwners(ctx, (j) => ctx.s.containers[j]!.antiAffinity)) {
    const { domains } = cachedTopology(ctx, term.topologyKey);
    const matched = selected(ctx, term, owners[0]!);
    const name = `anti-affinity ${term.topologyKey} ${JSON.stringify(term.selector)}`;
    const inS = new Set(matched);
    const inO = new Set(owners);
    const a = owners.filter((j) => !inS.has(j));
    const b = owners.filter((j) => inS.has(j));
    const c = matched.filter((j) => !inO.has(j));
    const bc = [...b, ...c].sort((x, y) => x - y);
    if (a.length > 0 && bc.length > 0) out.push({ kind: 'apart', name, a, b: bc, domains });
    if (b.length > 1) out.push({ kind: 'atMost', name, items: b, domains, limit: 1 });
    if (b.length > 0 && c.length > 0) out.push({ kind: 'apart', name, a: b, b: c, domains });
  }
  return out;
}

/**
 * Affinity: each owner shares a domain with another container its term selects; an owner whose term
 * selects only itself is free (as in Kubernetes), one whose term selects nobody may go nowhere, and no
 * owner may go on a node without the topology key. Those blocks are returned as conditions per owner
 * ('none', or 'key:' and the topology key), for blockTable.
 */
function affinityRules(ctx: RuleContext): { rules: GroupRule[]; conditions: Map<number, string[]> } {
  const rules: GroupRule[] = [];
  const conditions = new Map<number, string[]>();
  const add = (j: number, condition: string): void => {
    const list = conditions.get(j);
    if (!list) conditions.set(j, [condition]);
    else if (!list.includes(condition)) list.push(condition);
  };
  for (const { owners, term } of termOwners(ctx, (j) => ctx.s.containers[j]!.affinity)) {
    const matched = selected(ctx, term, owners[0]!);
    const { domains } = cachedTopology(ctx, term.topologyKey);
    const items: number[] = [];
    for (const j of owners) {
      const alone = matched.length === 0 || (matched.length === 1 && matched[0] === j);
      if (alone) {
        if (matched.length === 0) add(j, 'none');
        continue;
      }
      add(j, `key:${term.topologyKey}`);
      items.push(j);
    }
    if (items.length > 0)
      rules.push({
        kind: 'together',
        name: `affinity ${term.topologyKey} ${JSON.stringify(term.selector)}`,
        items,
        with: matched,
        domains,
      });
  }
  for (const list of conditions.values()) list.sort();
  return { rules, conditions };
}

/**
 * Topology spread: one rule per distinct constraint, over the selected containers, on the domains of the
 * nodes its owners may use by node selector and affinity (taints ignored, as the scheduler's default policy).
 */
function spreadRules(ctx: RuleContext): GroupRule[] {
  const { s } = ctx;
  const spreads = new Map<string, { owner: number; t: z.infer<typeof SpreadSchema> }>();
  // The first owner of each constraint: the first container of the first shape that has it.
  ctx.shapes.first.forEach((j) => {
    const c = s.containers[j]!;
    c.spread?.forEach((t) => {
      const key = JSON.stringify([
        t.selector,
        t.topologyKey,
        t.maxSkew,
        nsOf(s, j),
        c.nodeSelector ?? {},
        c.nodeAffinity ?? [],
      ]);
      if (!spreads.has(key)) spreads.set(key, { owner: j, t });
    });
  });
  const out: GroupRule[] = [];
  for (const { owner, t } of spreads.values()) {
    // Owners with the same node selector and affinity share the domains (one object, computed once).
    const c = s.containers[owner]!;
    const key = JSON.stringify([t.topologyKey, c.nodeSelector ?? {}, c.nodeAffinity ?? []]);
    let eligible = ctx.topologies.get(key);
    if (!eligible) ctx.topologies.set(key, (eligible = topology(s, t.topologyKey, (i) => ctx.nodeMatches(owner, i))));
    const { domains } = eligible;
    const items = selected(ctx, { selector: t.selector, topologyKey: t.topologyKey }, owner);
    if (domains.length > 1 && items.length > 0)
      out.push({
        kind: 'spread',
        name: `spread ${t.topologyKey} maxSkew ${t.maxSkew} ${JSON.stringify(t.selector)}`,
        items,
        domains,
        maxSkew: t.maxSkew,
      });
  }
  return out;
}

function gangRules(s: Snapshot): GroupRule[] {
  const gangs = new Map<string, number[]>();
  s.containers.forEach((c, j) => {
    if (c.gang === undefined) return;
    const g = gangs.get(c.gang);
    if (g) g.push(j);
    else gangs.set(c.gang, [j]);
  });
  return [...gangs].flatMap(([name, items]): GroupRule[] =>
    items.length > 1 ? [{ kind: 'gang', name: `gang ${name}`, items }] : [],
  );
}

/** The cost of moving each container away from its current node (0 for one that runs nowhere or is pinned). */
function moveCosts(s: Snapshot, current: Int32Array): CostTable['moves'] | undefined {
  const defaultMove = s.options?.moveCost ?? 1;
  let any = false;
  const cost = sharedFloat64(s.containers.length);
  s.containers.forEach((c, j) => {
    if (current[j]! < 0 || c.pinned) return;
    cost[j] = c.moveCost ?? defaultMove;
    any = true;
  });
  return any ? { from: current, cost } : undefined;
}

/**
 * Compiles the placement rules: the per-pair blocks, the group rules over topology domains, the move
 * costs (into the cost table) and the unplaced penalty.
 */
function compileRules(
  s: Snapshot,
  shapes: ContainerShapes,
  base: CostTable,
  objective: ObjectiveWeights | undefined,
): { rules: AssignmentModel['rules'] & object; cost: CostTable } {
  const n = s.nodes.length;
  const m = s.containers.length;
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  const current = sharedInt32(m);
  s.containers.forEach((c, j) => (current[j] = c.current === undefined ? -1 : nodeIndex.get(c.current)!));
  const nodeMatches = (j: number, i: number): boolean => {
    const c = s.containers[j]!;
    const node = s.nodes[i]!;
    for (const [k, v] of Object.entries(c.nodeSelector ?? {})) if (own(node.labels, k) !== v) return false;
    return c.nodeAffinity === undefined || nodeAffinityMatches(c.nodeAffinity, node.labels ?? {}, node.name);
  };
  const ctx: RuleContext = { s, shapes, n, m, groups: labelGroups(s, shapes), topologies: new Map(), nodeMatches };
  const affinity = affinityRules(ctx);
  const blocked = blockTable(ctx, current, affinity.conditions);
  const groups = [...antiAffinityRules(ctx), ...affinity.rules, ...spreadRules(ctx), ...gangRules(s)];
  const moves = moveCosts(s, current);
  const cost: CostTable = moves ? { ...base, moves } : base;
  const unplacedPenalty = s.options?.allowUnplaced ? unplacedPenalties(s, cost, objective) : undefined;
  const taints = s.nodes.some((node) => (node.taints?.length ?? 0) > 0)
    ? {
        nodes: s.nodes.map((node) => node.taints ?? []),
        ...tolerationSets(s.containers.map((c) => c.tolerations ?? [])),
      }
    : undefined;
  const rules = {
    blocked,
    groups,
    current,
    ...(taints ? { taints } : {}),
    ...(unplacedPenalty ? { unplacedPenalty } : {}),
  };
  return { rules, cost };
}

/** Tolerations by distinct set, and the set of each container. */
export function tolerationSets(lists: readonly (readonly Toleration[])[]): { sets: Toleration[][]; setOf: Int32Array } {
  const { key, first } = keysOf(lists.length, (j) => JSON.stringify(lists[j]));
  return { sets: first.map((j) => [...lists[j]!]), setOf: key };
}
