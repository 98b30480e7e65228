import { z } from 'zod';
import './messages.js';
import { MAX_QUANTITY_UNITS, parseQuantity } from './quantity.js';
import { DisruptionBudgetSchema } from './disruption.js';
import { ASSIGNMENT_FORMS, SolveOptionsSchema } from './options.js';
import {
  LabelSelectorSchema,
  LabelsSchema,
  NodeSelectorTermSchema,
  TaintSchema,
  TolerationSchema,
} from './selectors.js';

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

/** Which nodes a spread constraint's domains come from (kube-scheduler's node inclusion policies). */
const InclusionPolicy = z.enum(['Honor', 'Ignore']);

/**
 * Topology spread, with kube-scheduler's meaning (docs/kubernetes.md): the selected containers (in the owner's
 * namespace, not terminating; `matchLabelKeys` add the owner's own values to the selector; no selector selects
 * none) are counted per domain of the eligible nodes (those with every hard constraint's key, and, per policy,
 * matching the owner's node affinity (`nodeAffinityPolicy`, default Honor) and tolerated (`nodeTaintsPolicy`,
 * default Ignore)). DoNotSchedule (default): a domain that receives an owner ends with at most maxSkew more than
 * the smallest count (0 while there are fewer than `minDomains` domains), which is exactly what placing the
 * owners one at a time, each admitted by kube-scheduler's own skew check, can reach. ScheduleAnyway: a
 * preference, its excess over maxSkew in the objective's preferences part.
 */
export const SpreadSchema = z.strictObject({
  maxSkew: z.number().int().min(1, 'must be at least 1'),
  topologyKey: z.string().min(1, 'must not be empty'),
  selector: LabelSelectorSchema.optional(),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']).optional(),
  minDomains: z.number().int().min(1, 'must be at least 1').optional(),
  nodeAffinityPolicy: InclusionPolicy.optional(),
  nodeTaintsPolicy: InclusionPolicy.optional(),
  matchLabelKeys: z.array(z.string().min(1, 'must not be empty')).optional(),
});

export type SpreadConstraint = z.infer<typeof SpreadSchema>;

/** A weight of a preferred term, as in Kubernetes (1 to 100). */
const TermWeight = z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100');

/** A preferred pod (anti-)affinity term, with its weight. */
export const WeightedPodTermSchema = z.strictObject({ weight: TermWeight, term: PodAffinityTermSchema });

/** A preferred node affinity term, with its weight. */
export const WeightedNodeTermSchema = z.strictObject({ weight: TermWeight, preference: NodeSelectorTermSchema });

/** A group that encloses a container's own (a KAI parent sub-group or PodGroup, a Volcano PodGroup). */
export const EnclosingGroupSchema = z.strictObject({
  group: z.string().min(1, 'must not be empty'),
  required: z.string().min(1, 'must not be empty').optional(),
  preferred: z.string().min(1, 'must not be empty').optional(),
});

/**
 * A container's place in a topology-aware group (docs/topology.md): the group (default: its gang) and the levels
 * of options.topology.levels it must stay within (`required`), prefers to stay within (`preferred`), and, for
 * slices of `sliceSize` containers, the level each slice stays within (`sliceLevel`). `within`: the groups that
 * enclose it, innermost first, each with its own levels (a group's members are those it names, and those that name
 * it in `within`). Every member of a group gives the same requirements.
 */
export const ContainerTopologySchema = z.strictObject({
  group: z.string().min(1, 'must not be empty').optional(),
  required: z.string().min(1, 'must not be empty').optional(),
  preferred: z.string().min(1, 'must not be empty').optional(),
  sliceSize: z.number().int().min(1, 'must be at least 1').optional(),
  sliceLevel: z.string().min(1, 'must not be empty').optional(),
  within: z.array(EnclosingGroupSchema).min(1, 'must name at least one group').optional(),
});

export type ContainerTopology = z.infer<typeof ContainerTopologySchema>;

export const MaxPerNodeSchema = z.strictObject({
  group: z.string().min(1, 'must not be empty'),
  limit: z.number().int().min(1, 'must be at least 1'),
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
  /** Topology spread constraints (see SpreadSchema). */
  spread: z.array(SpreadSchema).optional(),
  /** Preferred node affinity: each term it does not match costs its weight in the preferences part. */
  preferredNodeAffinity: z.array(WeightedNodeTermSchema).optional(),
  /** Preferred pod affinity: placed where no other container the term selects shares its domain costs the weight. */
  preferredAffinity: z.array(WeightedPodTermSchema).optional(),
  /** Preferred pod anti-affinity: each other container the term selects in its domain costs the weight. */
  preferredAntiAffinity: z.array(WeightedPodTermSchema).optional(),
  /**
   * The controller it belongs to ("ReplicaSet/web-7d9f", a StatefulSet, a ReplicationController or a Service):
   * containers of one controller without spread constraints of their own get kube-scheduler's system default
   * spreading (ScheduleAnyway: hostname maxSkew 3, topology.kubernetes.io/zone maxSkew 5).
   */
  controller: z.string().min(1, 'must not be empty').optional(),
  /** Running, but being deleted (Kubernetes deletionTimestamp): it uses its node's capacity; spread skips it. */
  terminating: z.boolean().optional(),
  /** Running and not Ready (false): disruption budgets do not count it healthy (default true). */
  ready: z.boolean().optional(),
  /** Gang name: all containers of a gang are placed, or (with options.allowUnplaced) none is. */
  gang: z.string().min(1).optional(),
  /** The node it runs on now; placing it elsewhere costs `moveCost` (default options.moveCost, 1). */
  current: NameSchema.optional(),
  moveCost: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
  /** Stays on `current` (a bound pod that may not move); it still uses capacity there. */
  pinned: z.boolean().optional(),
  /** With allowUnplaced: placing one container of a higher priority outweighs any number of lower ones (default 1). */
  priority: z.number().int().min(0).max(1_000_000).optional(),
  /** Topology-aware placement of its group (needs options.topology). */
  topology: ContainerTopologySchema.optional(),
  /**
   * At most `limit` containers of `group` on one node, counting those running there (Docker Swarm's MaxReplicas, and
   * its host-mode published ports: limit 1). Every container of a group gives the same limit.
   */
  maxPerNode: z.array(MaxPerNodeSchema).optional(),
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
 * the nodes used, or their total price), or weights {cost, balance, pack, preferences} for a weighted sum
 * (absent weights are 0, but for preferences, 1). Every objective includes the preferences part (the soft rules'
 * violations, docs/kubernetes.md) at weight 1 unless `preferences` says otherwise; 0 ignores them.
 */
export const ObjectiveSchema = z.union([
  z.enum(OBJECTIVES),
  z.strictObject({
    cost: Weight.optional(),
    balance: Weight.optional(),
    pack: Weight.optional(),
    preferences: Weight.optional(),
    topology: Weight.optional(),
  }),
]);

export const KEEP_FREE_ORDERS = ['first', 'afterSpans'] as const;

/** options.topology: the levels of the network topology, top down, each a node label (docs/topology.md). */
export const TopologyLevelsSchema = z.strictObject({
  levels: z
    .array(z.string().min(1, 'must not be empty').max(317, 'must be at most 317 characters'))
    .min(1, 'at least one level is required')
    .max(16, 'at most 16 levels'),
  /** Defragment: keep the most domains of this level free of any container, first (docs/topology.md). */
  keepFree: z.string().min(1, 'must not be empty').optional(),
  /** Where keepFree comes: before the groups' spans (`first`, the default), or right after them (`afterSpans`). */
  keepFreeOrder: z.enum(KEEP_FREE_ORDERS).optional(),
  /** Instead of an order: what each domain of keepFree's level in use costs, in hosts spanned (docs/topology.md). */
  keepFreeWeight: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1e9, 'must be at most 1000000000')
    .optional(),
});

export const SnapshotOptionsSchema = SolveOptionsSchema.extend({
  objective: ObjectiveSchema.optional(),
  allowUnplaced: z.boolean().optional(),
  moveCost: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
  assignments: z.enum(ASSIGNMENT_FORMS).optional(),
  topology: TopologyLevelsSchema.optional(),
  /** Answer with the ordered waves from today's placement to the plan (docs/changes.md). */
  changes: z.boolean().optional(),
  /**
   * Nodes of the input that are there for the change only (docs/changes.md): the plan leaves them empty, and the
   * waves may park pods there on the way. Needs `changes`.
   */
  temporaryNodes: z.array(z.string().min(1, 'must not be empty')).max(64, 'at most 64 temporary nodes').optional(),
  /**
   * Pods of each disruption budget a change may move with surge at once: the replacement Ready before the pod is
   * deleted (docs/changes.md). Needs `changes`.
   */
  surge: z.number().int().min(1, 'must be at least 1').max(1000, 'at most 1000').optional(),
});

export const snapshotFields = {
  nodes: z.array(NodeSchema).min(1, 'at least one node is required'),
  containers: z.array(ContainerSchema),
  costs: CostsSchema.optional(),
  options: SnapshotOptionsSchema.optional(),
  /** PodDisruptionBudgets that a change plan keeps (models/disruption.ts, docs/changes.md). */
  disruptionBudgets: z.array(DisruptionBudgetSchema).optional(),
};

type ParsedSnapshot = {
  nodes: z.infer<typeof NodeSchema>[];
  containers: z.infer<typeof ContainerSchema>[];
  costs?: z.infer<typeof CostsSchema> | undefined;
  options?:
    | {
        topology?:
          | {
              levels: string[];
              keepFree?: string | undefined;
              keepFreeOrder?: string | undefined;
              keepFreeWeight?: number | undefined;
            }
          | undefined;
        changes?: boolean | undefined;
        temporaryNodes?: string[] | undefined;
        surge?: number | undefined;
      }
    | undefined;
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

/** options.temporaryNodes: nodes of the input, each once; it and options.surge with options.changes. */
function temporaryChecks(s: ParsedSnapshot, known: (name: string) => boolean, ctx: z.RefinementCtx): void {
  if (s.options?.surge !== undefined && !s.options.changes)
    ctx.addIssue({
      code: 'custom',
      path: ['options', 'surge'],
      message: 'surge is for a change plan: set options.changes',
    });
  const list = s.options?.temporaryNodes;
  if (!list) return;
  const path = (k?: number): (string | number)[] => ['options', 'temporaryNodes', ...(k === undefined ? [] : [k])];
  if (!s.options?.changes)
    ctx.addIssue({
      code: 'custom',
      path: path(),
      message: 'temporary nodes are for a change plan: set options.changes',
    });
  const seen = new Set<string>();
  list.forEach((name, k) => {
    if (!known(name)) ctx.addIssue({ code: 'custom', path: path(k), message: `unknown node "${name}"` });
    else if (seen.has(name)) ctx.addIssue({ code: 'custom', path: path(k), message: `"${name}" is named twice` });
    seen.add(name);
  });
}

/** Names unique and known, matrix shapes right, pinned containers with a current node. */
function snapshotRefinement(s: ParsedSnapshot, ctx: z.RefinementCtx): void {
  const nodeNames = reportDuplicates(s.nodes, 'nodes', ctx);
  const containerNames = reportDuplicates(s.containers, 'containers', ctx);
  matrixShape(s, ctx);
  topologyChecks(s, ctx);
  temporaryChecks(s, nodeNames, ctx);
  perNodeLimits(s, ctx);
  s.containers.forEach((c, k) => {
    if (c.current !== undefined && !nodeNames(c.current))
      ctx.addIssue({ code: 'custom', path: ['containers', k, 'current'], message: `unknown node "${c.current}"` });
    if (c.pinned && c.current === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['containers', k, 'pinned'],
        message: 'a pinned container needs `current`',
      });
  });
  s.costs?.pairs?.forEach((p, k) => {
    if (!nodeNames(p.node))
      ctx.addIssue({ code: 'custom', path: ['costs', 'pairs', k, 'node'], message: `unknown node "${p.node}"` });
    if (!containerNames(p.container)) {
      const message = `unknown container "${p.container}"`;
      ctx.addIssue({ code: 'custom', path: ['costs', 'pairs', k, 'container'], message });
    }
  });
}

/** Each maxPerNode group's limit the same in every container that names it. */
function perNodeLimits(s: ParsedSnapshot, ctx: z.RefinementCtx): void {
  const limits = new Map<string, number>();
  s.containers.forEach((c, k) =>
    c.maxPerNode?.forEach((g, t) => {
      const first = limits.get(g.group);
      if (first === undefined) limits.set(g.group, g.limit);
      else if (first !== g.limit)
        ctx.addIssue({
          code: 'custom',
          path: ['containers', k, 'maxPerNode', t, 'limit'],
          message: `group "${g.group}" has limit ${first} in an earlier container`,
        });
    }),
  );
}

/** keepFreeOrder and keepFreeWeight need keepFree, and exclude each other (both say where keepFree comes). */
function keepFreeChecks(s: ParsedSnapshot, ctx: z.RefinementCtx): void {
  const t = s.options?.topology;
  const issue = (field: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: ['options', 'topology', field], message });
  const unset = ': name the level to keep free in options.topology.keepFree';
  if (t?.keepFree === undefined) {
    if (t?.keepFreeOrder !== undefined) issue('keepFreeOrder', `orders keepFree, which is not given${unset}`);
    if (t?.keepFreeWeight !== undefined) issue('keepFreeWeight', `weighs keepFree, which is not given${unset}`);
  } else if (t.keepFreeOrder !== undefined && t.keepFreeWeight !== undefined)
    issue('keepFreeWeight', 'says where keepFree comes, as options.topology.keepFreeOrder does: give one of the two');
}

/** The levels distinct; each container's topology names known levels, in an order that can hold, alike per group. */
function topologyChecks(s: ParsedSnapshot, ctx: z.RefinementCtx): void {
  const levels = s.options?.topology?.levels;
  const keepFree = s.options?.topology?.keepFree;
  if (levels && keepFree !== undefined && !levels.includes(keepFree))
    ctx.addIssue({
      code: 'custom',
      path: ['options', 'topology', 'keepFree'],
      message: `"${keepFree}" is not one of options.topology.levels (${levels.join(', ')})`,
    });
  keepFreeChecks(s, ctx);
  levels?.forEach((l, k) => {
    const first = levels.indexOf(l);
    if (first < k)
      ctx.addIssue({
        code: 'custom',
        path: ['options', 'topology', 'levels', k],
        message: `level "${l}" appears twice (also at levels[${first}])`,
      });
  });
  const groups = new Map<string, number>();
  const sizes = new Map<string, number>();
  s.containers.forEach((c, k) => {
    if (!c.topology) return;
    const issue = (field: string | undefined, message: string): void =>
      ctx.addIssue({ code: 'custom', path: ['containers', k, 'topology', ...(field ? [field] : [])], message });
    const problem = containerTopologyProblem(c.topology, levels, c.gang);
    if (problem) return issue(problem.field, problem.message);
    const group = c.topology.group ?? c.gang!;
    sizes.set(group, (sizes.get(group) ?? 0) + 1);
    const first = groups.get(group);
    if (first === undefined) groups.set(group, k);
    else if (!sameTopology(s.containers[first]!.topology!, c.topology))
      issue(undefined, `differs from containers[${first}].topology, in the same group "${group}"`);
  });
  for (const [group, k] of groups) {
    const size = s.containers[k]!.topology!.sliceSize;
    const members = sizes.get(group)!;
    if (size !== undefined && members % size !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['containers', k, 'topology', 'sliceSize'],
        message: `group "${group}" has ${members} members, not a whole number of slices of ${size}`,
      });
  }
  if (levels) withinChecks(s, levels, groups, ctx);
}

/**
 * Each enclosing group (topology.within) names known levels in an order that can hold, is not the container's own
 * group nor named twice, and is asked alike by every container that names it: as an enclosing group, or as its own
 * group (whose members then give no slices: slices are of a group's own members).
 */
function withinChecks(
  s: ParsedSnapshot,
  levels: readonly string[],
  own: ReadonlyMap<string, number>,
  ctx: z.RefinementCtx,
): void {
  const first = new Map<string, { k: number; t: number }>();
  s.containers.forEach((c, k) =>
    c.topology?.within?.forEach((e, t) => {
      const issue = (field: string | undefined, message: string): void =>
        ctx.addIssue({
          code: 'custom',
          path: ['containers', k, 'topology', 'within', t, ...(field ? [field] : [])],
          message,
        });
      if (e.required === undefined && e.preferred === undefined)
        return issue(undefined, 'names no level: give required or preferred');
      const problem = containerTopologyProblem(e, levels, e.group);
      if (problem) return issue(problem.field, problem.message);
      const self = c.topology!.group ?? c.gang;
      if (e.group === self || c.topology!.within!.findIndex((x) => x.group === e.group) < t)
        return issue('group', `"${e.group}" is this container's own group or named before: name each group once`);
      const o = own.get(e.group);
      const ownTopology = o === undefined ? undefined : s.containers[o]!.topology!;
      if (ownTopology?.sliceSize !== undefined)
        return issue('group', `group "${e.group}" has slices (containers[${o}].topology), so it cannot enclose others`);
      if (ownTopology && !sameLevels(ownTopology, e))
        return issue(undefined, `differs from containers[${o}].topology, in the same group "${e.group}"`);
      // The groups around a group are the same wherever it is named (so groups nest, without cycles).
      const tail = aroundOf(c.topology!.within!.slice(t + 1));
      if (ownTopology && aroundOf(ownTopology.within ?? []) !== tail)
        return issue(
          'group',
          `"${e.group}" is within ${tail} here, within ${aroundOf(ownTopology.within ?? [])} in ` +
            `containers[${o}].topology: a group has the same groups around it wherever it is named`,
        );
      const seen = first.get(e.group);
      if (seen === undefined) return void first.set(e.group, { k, t });
      const there = s.containers[seen.k]!.topology!.within!;
      const at = `containers[${seen.k}].topology.within[${seen.t}]`;
      if (!sameLevels(there[seen.t]!, e)) issue(undefined, `differs from ${at}, in the same group "${e.group}"`);
      else if (aroundOf(there.slice(seen.t + 1)) !== tail)
        issue(
          'group',
          `"${e.group}" is within ${tail} here, within ${aroundOf(there.slice(seen.t + 1))} at ${at}: ` +
            'a group has the same groups around it wherever it is named',
        );
    }),
  );
}

/** The groups of a `within` list, as the messages name them. */
const aroundOf = (within: readonly { group: string }[]): string =>
  within.length === 0 ? 'no group' : within.map((x) => `"${x.group}"`).join(', ');

type Levels = { readonly required?: string | undefined; readonly preferred?: string | undefined };

const sameLevels = (a: Levels, b: Levels): boolean => a.required === b.required && a.preferred === b.preferred;

function sameTopology(a: ContainerTopology, b: ContainerTopology): boolean {
  return (
    sameLevels(a, b) &&
    a.sliceSize === b.sliceSize &&
    a.sliceLevel === b.sliceLevel &&
    JSON.stringify(a.within ?? []) === JSON.stringify(b.within ?? [])
  );
}

/** What is wrong with one container's topology, at which field (undefined: nothing). */
function containerTopologyProblem(
  t: ContainerTopology,
  levels: readonly string[] | undefined,
  gang: string | undefined,
): { field?: string; message: string } | undefined {
  if (!levels) return { message: 'needs options.topology.levels, the levels it names' };
  if (t.group === undefined && gang === undefined) return { message: 'needs a group: topology.group or gang' };
  for (const field of ['required', 'preferred', 'sliceLevel'] as const) {
    const l = t[field];
    if (l !== undefined && !levels.includes(l))
      return { field, message: `"${l}" is not one of options.topology.levels (${levels.join(', ')})` };
  }
  if ((t.sliceSize === undefined) !== (t.sliceLevel === undefined))
    return t.sliceSize === undefined
      ? { field: 'sliceSize', message: 'required with sliceLevel' }
      : { field: 'sliceLevel', message: 'required with sliceSize' };
  const at = (l: string | undefined): number => (l === undefined ? -1 : levels.indexOf(l));
  if (t.required !== undefined && t.preferred !== undefined && at(t.preferred) < at(t.required))
    return { field: 'preferred', message: `level "${t.preferred}" is above the required level "${t.required}"` };
  if (t.required !== undefined && t.sliceLevel !== undefined && at(t.sliceLevel) < at(t.required))
    return { field: 'sliceLevel', message: `level "${t.sliceLevel}" is above the required level "${t.required}"` };
  if (
    t.required === undefined &&
    t.preferred !== undefined &&
    t.sliceLevel !== undefined &&
    at(t.sliceLevel) < at(t.preferred)
  )
    return { field: 'sliceLevel', message: `level "${t.sliceLevel}" is above the preferred level "${t.preferred}"` };
  if (t.required === undefined && t.preferred === undefined && t.sliceLevel === undefined)
    return { message: 'names no level: give required, preferred, or sliceSize with sliceLevel' };
  return undefined;
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

/** Reports each name seen before; returns whether a name is among them (its set built at the first question). */
function reportDuplicates(
  named: readonly { readonly name: string }[],
  field: string,
  ctx: z.RefinementCtx,
): (name: string) => boolean {
  const names = named.map(({ name }) => name);
  // Sorted, equal names are neighbours. Listings come in name order, or in runs of it, which sort in about one
  // pass: at 150 000 containers some 10 ms against 60 to 120 for a map of every name (70 when shuffled).
  const sorted = [...names].sort();
  let duplicates = false;
  for (let k = 1; k < sorted.length && !duplicates; k++) duplicates = sorted[k] === sorted[k - 1];
  let set: Set<string> | undefined;
  const has = (name: string): boolean => (set ??= new Set(names)).has(name);
  if (!duplicates) return has;
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, k);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [field, k, 'name'],
      message: `duplicate name "${name}" (also at ${field}[${first}])`,
    });
  });
  return has;
}
