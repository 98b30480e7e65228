import { z } from 'zod';
import { parseQuantity } from './quantity.js';
import { SolveOptionsSchema } from './options.js';
import { BLOCK_REASONS, type AssignmentModel, type BlockReason, type GroupRule, type ObjectiveWeights, type ResourceTable } from './model.js';
import {
  LabelSelectorSchema,
  LabelsSchema,
  NodeSelectorTermSchema,
  TaintSchema,
  TolerationSchema,
  nodeAffinityMatches,
  selectorMatches,
  untoleratedTaints,
  formatTaint,
  type LabelSelector,
  type Labels,
} from './selectors.js';

/**
 * A cluster snapshot: nodes with capacities, containers with requests, optional placement costs.
 * Quantities are JSON numbers or Kubernetes quantity strings, parsed exactly to milli-units.
 */

const NameSchema = z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters');
const ResourceNameSchema = z.string().min(1, 'resource names must not be empty').max(253);

/** A quantity, as milli-units (bigint). */
export const QuantitySchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
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

/** A pod (anti-)affinity term: the containers its selector matches (in `namespaces`, default the owner's), per topology domain. */
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
export const ObjectiveSchema = z.union([z.enum(OBJECTIVES), z.strictObject({ cost: Weight.optional(), balance: Weight.optional(), pack: Weight.optional() })]);

export const SnapshotOptionsSchema = SolveOptionsSchema.extend({
  objective: ObjectiveSchema.optional(),
  allowUnplaced: z.boolean().optional(),
  moveCost: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
});

export const SnapshotSchema = z
  .strictObject({
    nodes: z.array(NodeSchema).min(1, 'at least one node is required'),
    containers: z.array(ContainerSchema),
    costs: CostsSchema.optional(),
    options: SnapshotOptionsSchema.optional(),
  })
  .superRefine((s, ctx) => {
    reportDuplicates(s.nodes.map((n) => n.name), 'nodes', ctx);
    reportDuplicates(s.containers.map((c) => c.name), 'containers', ctx);
    const matrix = s.costs?.matrix;
    if (matrix) {
      if (matrix.length !== s.nodes.length) {
        ctx.addIssue({ code: 'custom', path: ['costs', 'matrix'], message: `must have one row per node (${s.nodes.length}), got ${matrix.length}` });
      }
      matrix.forEach((row, i) => {
        if (row.length !== s.containers.length) {
          ctx.addIssue({ code: 'custom', path: ['costs', 'matrix', i], message: `must have one entry per container (${s.containers.length}), got ${row.length}` });
        }
      });
    }
    const nodeNames = new Set(s.nodes.map((n) => n.name));
    s.containers.forEach((c, k) => {
      if (c.current !== undefined && !nodeNames.has(c.current)) ctx.addIssue({ code: 'custom', path: ['containers', k, 'current'], message: `unknown node "${c.current}"` });
      if (c.pinned && c.current === undefined) ctx.addIssue({ code: 'custom', path: ['containers', k, 'pinned'], message: 'a pinned container needs `current`' });
    });
    const containerNames = new Set(s.containers.map((c) => c.name));
    s.costs?.pairs?.forEach((p, k) => {
      if (!nodeNames.has(p.node)) ctx.addIssue({ code: 'custom', path: ['costs', 'pairs', k, 'node'], message: `unknown node "${p.node}"` });
      if (!containerNames.has(p.container)) {
        ctx.addIssue({ code: 'custom', path: ['costs', 'pairs', k, 'container'], message: `unknown container "${p.container}"` });
      }
    });
  });

export type Snapshot = z.infer<typeof SnapshotSchema>;

function reportDuplicates(names: readonly string[], field: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    const first = seen.get(name);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field, k, 'name'], message: `duplicate name "${name}" (also at ${field}[${first}])` });
    } else {
      seen.set(name, k);
    }
  });
}

/**
 * Compiles a validated snapshot into the assignment model.
 * Without `costs`, c_ij is the greedy's own score against the empty node: max over requested resources k
 * of r_jk / R_ik (0 for a container that requests nothing). Pairs that cannot fit keep cost 0; they get no variable.
 */
export function snapshotToModel(s: Snapshot): AssignmentModel {
  const n = s.nodes.length;
  const m = s.containers.length;
  const names = new Set<string>();
  for (const node of s.nodes) for (const k of Object.keys(node.capacity)) names.add(k);
  for (const c of s.containers) for (const k of Object.keys(c.requests)) names.add(k);
  // A node's `pods` capacity caps how many containers it runs: each container asks for one pod unless it says otherwise.
  const podsCapped = s.nodes.some((node) => node.capacity.pods !== undefined);
  const resources: ResourceTable[] = [...names].sort().map((name) => ({
    name,
    scale: 3,
    // A node that gives no `pods` capacity is not capped: room for every container.
    capacity: s.nodes.map((node) => node.capacity[name] ?? (name === 'pods' ? BigInt(m) * 1000n : 0n)),
    demand: s.containers.map((c) => c.requests[name] ?? (name === 'pods' && podsCapped ? 1000n : 0n)),
    perNode: false,
  }));

  const cost = new Array<number>(n * m).fill(0);
  const costs = s.costs;
  if (costs === undefined) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let score = 0;
        for (const r of resources) {
          const req = r.demand[j] ?? 0n;
          const cap = r.capacity[i] ?? 0n;
          if (req > 0n && cap > 0n) score = Math.max(score, Number(req) / Number(cap));
        }
        cost[i * m + j] = score;
      }
    }
  } else {
    if (costs.matrix) {
      costs.matrix.forEach((row, i) => row.forEach((c, j) => (cost[i * m + j] = c)));
    } else {
      cost.fill(costs.default ?? 0);
    }
    const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
    const containerIndex = new Map(s.containers.map((c, j) => [c.name, j]));
    for (const p of costs.pairs ?? []) {
      const i = nodeIndex.get(p.node);
      const j = containerIndex.get(p.container);
      if (i !== undefined && j !== undefined) cost[i * m + j] = p.cost;
    }
  }
  const objective = objectiveWeights(s, resources);
  const base = {
    kind: 'snapshot' as const,
    nodes: s.nodes.map((node) => node.name),
    items: s.containers.map((c) => c.name),
    resources,
    cost,
    sense: 'min' as const,
    ...(objective ? { objective } : {}),
  };
  return hasRules(s) ? { ...base, rules: compileRules(s, cost, objective) } : base;
}

/** The objective weights, or undefined for the plain cost objective. */
function objectiveWeights(s: Snapshot, resources: readonly ResourceTable[]): ObjectiveWeights | undefined {
  const o = s.options?.objective ?? 'cost';
  if (o === 'cost') return undefined;
  const w = o === 'balance' ? { cost: 0, balance: 1, pack: 0 } : o === 'pack' ? { cost: 0, balance: 0, pack: 1 } : { cost: o.cost ?? 0, balance: o.balance ?? 0, pack: o.pack ?? 0 };
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
      (c) => c.nodeSelector || c.nodeAffinity || c.affinity?.length || c.antiAffinity?.length || c.spread?.length || c.gang !== undefined || c.current !== undefined,
    )
  );
}

/**
 * Penalties for leaving containers out, lexicographic by priority: each one is more than the whole range
 * of the weighted objective plus every penalty of the lower priorities, so placing one more container of
 * a priority always wins over any change below it. Powers of two, so sums stay exact.
 */
function unplacedPenalties(s: Snapshot, cost: readonly number[], objective: ObjectiveWeights | undefined): number[] {
  const n = s.nodes.length;
  const m = s.containers.length;
  const w = objective ?? { cost: 1, balance: 0, pack: 0, price: [] as number[] };
  let range = 0;
  for (let j = 0; j < m; j++) {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, cost[i * m + j]!);
      hi = Math.max(hi, cost[i * m + j]!);
    }
    range += hi - lo;
  }
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

/** The domains of a topology key: nodes grouped by their label value; every node is its own hostname domain. */
function topology(s: Snapshot, key: string, eligible: (i: number) => boolean = () => true): { domains: number[][]; hasKey: boolean[] } {
  const byValue = new Map<string, number[]>();
  const hasKey = s.nodes.map(() => false);
  s.nodes.forEach((node, i) => {
    const value = node.labels?.[key] ?? (key === HOSTNAME_KEY ? node.name : undefined);
    if (value === undefined || !eligible(i)) return;
    hasKey[i] = true;
    const d = byValue.get(value);
    if (d) d.push(i);
    else byValue.set(value, [i]);
  });
  return { domains: [...byValue.values()], hasKey };
}

/**
 * Compiles the placement rules: the per-pair blocks (cordoned or not-Ready nodes, nodeSelector and node
 * affinity, untolerated taints, pinned containers), the group rules over topology domains, move costs
 * (added to `cost` in place) and the unplaced penalty.
 */
function compileRules(s: Snapshot, cost: number[], objective: ObjectiveWeights | undefined): AssignmentModel['rules'] & object {
  const n = s.nodes.length;
  const m = s.containers.length;
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  const code = (r: BlockReason): number => BLOCK_REASONS.indexOf(r);
  const current = Int32Array.from(s.containers, (c) => (c.current === undefined ? -1 : nodeIndex.get(c.current)!));
  const labelsOf = (j: number): Labels => s.containers[j]!.labels ?? {};
  const nsOf = (j: number): string => s.containers[j]!.namespace ?? '';
  const selects = (j: number, term: { selector: LabelSelector; namespaces?: string[] | undefined }, owner: number): boolean =>
    (term.namespaces ?? [nsOf(owner)]).includes(nsOf(j)) && selectorMatches(term.selector, labelsOf(j));
  const nodeMatches = (j: number, i: number): boolean => {
    const c = s.containers[j]!;
    const node = s.nodes[i]!;
    const labels = node.labels ?? {};
    for (const [k, v] of Object.entries(c.nodeSelector ?? {})) if (labels[k] !== v) return false;
    return c.nodeAffinity === undefined || nodeAffinityMatches(c.nodeAffinity, labels, node.name);
  };

  const blocked = new Uint8Array(n * m);
  const blockedDetail = new Map<number, string>();
  for (let j = 0; j < m; j++) {
    const c = s.containers[j]!;
    for (let i = 0; i < n; i++) {
      const node = s.nodes[i]!;
      let reason: BlockReason = '';
      if (c.pinned) reason = current[j] === i ? '' : 'pinned';
      else if (node.unschedulable) reason = 'unschedulable';
      else if (node.ready === false) reason = 'not-ready';
      else if (!nodeMatches(j, i)) reason = 'selector';
      else {
        const taint = untoleratedTaints(node.taints ?? [], c.tolerations ?? [])[0];
        if (taint) {
          reason = 'taint';
          blockedDetail.set(i * m + j, formatTaint(taint));
        }
      }
      blocked[i * m + j] = code(reason);
    }
  }

  const groups: GroupRule[] = [];
  const termKey = (t: { selector: LabelSelector; topologyKey: string; namespaces?: string[] | undefined }, owner: number): string =>
    JSON.stringify([t.selector, t.topologyKey, t.namespaces ?? [nsOf(owner)]]);

  // Anti-affinity: owners of one term against every container it selects.
  const anti = new Map<string, { owners: number[]; term: z.infer<typeof PodAffinityTermSchema> }>();
  s.containers.forEach((c, j) =>
    c.antiAffinity?.forEach((t) => {
      const key = termKey(t, j);
      const entry = anti.get(key);
      if (entry) entry.owners.push(j);
      else anti.set(key, { owners: [j], term: t });
    }),
  );
  for (const { owners, term } of anti.values()) {
    const { domains } = topology(s, term.topologyKey);
    const matched = s.containers.map((_, p) => p).filter((p) => selects(p, term, owners[0]!));
    const name = `anti-affinity ${term.topologyKey} ${JSON.stringify(term.selector)}`;
    const ownerSet = new Set(owners);
    const matchedSet = new Set(matched);
    if (owners.length === matched.length && owners.every((j) => matchedSet.has(j))) {
      if (owners.length > 1) groups.push({ kind: 'atMost', name, items: owners, domains, limit: 1 });
    } else if (!matched.some((p) => ownerSet.has(p))) {
      if (matched.length > 0) groups.push({ kind: 'apart', name, a: owners, b: matched, domains });
    } else {
      for (const j of owners) {
        const others = matched.filter((p) => p !== j);
        if (others.length > 0) groups.push({ kind: 'apart', name, a: [j], b: others, domains });
      }
    }
  }

  // Affinity: each owner shares a domain with another selected container; alone and self-selected, it is free.
  s.containers.forEach((c, j) =>
    c.affinity?.forEach((term) => {
      const others = s.containers.map((_, p) => p).filter((p) => p !== j && selects(p, term, j));
      const { domains, hasKey } = topology(s, term.topologyKey);
      if (others.length === 0) {
        if (!selects(j, term, j)) for (let i = 0; i < n; i++) if (blocked[i * m + j] === 0) blocked[i * m + j] = code('affinity');
        return;
      }
      for (let i = 0; i < n; i++) if (!hasKey[i] && blocked[i * m + j] === 0) blocked[i * m + j] = code('affinity');
      groups.push({ kind: 'together', name: `affinity ${term.topologyKey} ${JSON.stringify(term.selector)}`, item: j, with: others, domains });
    }),
  );

  // Topology spread: one rule per distinct constraint, over the selected containers, on the domains of the
  // nodes its owners may use by node selector and affinity (taints ignored, as the scheduler's default policy).
  const spreads = new Map<string, { owner: number; t: z.infer<typeof SpreadSchema> }>();
  s.containers.forEach((c, j) =>
    c.spread?.forEach((t) => {
      const key = JSON.stringify([t.selector, t.topologyKey, t.maxSkew, nsOf(j), c.nodeSelector ?? {}, c.nodeAffinity ?? []]);
      if (!spreads.has(key)) spreads.set(key, { owner: j, t });
    }),
  );
  for (const { owner, t } of spreads.values()) {
    const { domains } = topology(s, t.topologyKey, (i) => nodeMatches(owner, i));
    const items = s.containers.map((_, p) => p).filter((p) => nsOf(p) === nsOf(owner) && selectorMatches(t.selector, labelsOf(p)));
    if (domains.length > 1 && items.length > 0) groups.push({ kind: 'spread', name: `spread ${t.topologyKey} maxSkew ${t.maxSkew} ${JSON.stringify(t.selector)}`, items, domains, maxSkew: t.maxSkew });
  }

  // Gangs.
  const gangs = new Map<string, number[]>();
  s.containers.forEach((c, j) => {
    if (c.gang === undefined) return;
    const g = gangs.get(c.gang);
    if (g) g.push(j);
    else gangs.set(c.gang, [j]);
  });
  for (const [name, items] of gangs) if (items.length > 1) groups.push({ kind: 'gang', name: `gang ${name}`, items });

  // Moving away from the current node costs moveCost.
  const defaultMove = s.options?.moveCost ?? 1;
  s.containers.forEach((c, j) => {
    const at = current[j]!;
    if (at < 0 || c.pinned) return;
    const move = c.moveCost ?? defaultMove;
    for (let i = 0; i < n; i++) if (i !== at) cost[i * m + j]! += move;
  });

  const unplacedPenalty = s.options?.allowUnplaced ? unplacedPenalties(s, cost, objective) : undefined;
  return { blocked, blockedDetail, groups, current, ...(unplacedPenalty ? { unplacedPenalty } : {}) };
}
