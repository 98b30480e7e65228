import { z } from 'zod';
import { parseQuantity } from './quantity.js';
import { SolveOptionsSchema } from './options.js';
import type { AssignmentModel, ResourceTable } from './model.js';

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

export const NodeSchema = z.strictObject({
  name: NameSchema,
  /** Allocatable capacity per resource; a resource not listed has capacity 0. */
  capacity: ResourceListSchema,
});

export const ContainerSchema = z.strictObject({
  name: NameSchema,
  /** Requested amount per resource; a resource not listed is not requested. */
  requests: ResourceListSchema.default({}),
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

export const SnapshotSchema = z
  .strictObject({
    nodes: z.array(NodeSchema).min(1, 'at least one node is required'),
    containers: z.array(ContainerSchema),
    costs: CostsSchema.optional(),
    options: SolveOptionsSchema.optional(),
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
  const resources: ResourceTable[] = [...names].sort().map((name) => ({
    name,
    scale: 3,
    capacity: s.nodes.map((node) => node.capacity[name] ?? 0n),
    demand: s.containers.map((c) => c.requests[name] ?? 0n),
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
  return {
    kind: 'snapshot',
    nodes: s.nodes.map((node) => node.name),
    items: s.containers.map((c) => c.name),
    resources,
    cost,
    sense: 'min',
  };
}
