import { z } from 'zod';
import './messages.js';
import { parseQuantity } from './quantity.js';
import { own } from './own.js';
import { ContainerSchema, NodeSchema, type ContainerInput, type NodeInput, type SnapshotInput } from './snapshot.js';

/**
 * Capacity questions (POST /v1/capacity, placement capacity), asked about a snapshot (plain or Kubernetes).
 * Each is answered by transforming the snapshot and solving it exactly (planning/capacity.ts):
 * - fit:        how many more copies of some container shapes fit (weighted), with or without repacking;
 * - buy:        the cheapest set of nodes from a catalogue that hosts the workload;
 * - whatIf:     remove (fail, drain) or add nodes, or start new containers (make room for a gang), re-plan with the
 *               fewest moves or the lowest move cost;
 * - moveBudget: the best cost with at most k moves from the current placement, for k = 0..K.
 * - consolidate: for k = 0..K nodes removed, the nodes, the price saved, the fewest moves and the waves that make
 *   the change safely (docs/changes.md).
 */

/** Most shapes one fit question may ask about. */
export const MAX_SHAPES = 100;

/** A container shape: a container without a name, plus its weight (default 1). */
const ShapeSchema = ContainerSchema.omit({
  name: true,
  current: true,
  pinned: true,
  moveCost: true,
  gang: true,
}).extend({
  name: z.string().min(1).max(200),
  weight: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
});

const FitSchema = z.strictObject({
  shapes: z.array(ShapeSchema).min(1, 'at least one shape').max(MAX_SHAPES, `at most ${MAX_SHAPES} shapes`),
  /** true: the current containers may move to make room; false (default): they stay where they run. */
  repack: z.boolean().optional(),
  /** The most copies of each shape considered (default: as many as the total capacity allows, at most 1000). */
  maxCopies: z.number().int().min(1).max(10_000).optional(),
});

const NodeTypeSchema = NodeSchema.omit({ name: true, unschedulable: true, ready: true, price: true }).extend({
  type: z.string().min(1).max(200),
  price: z.number().min(0).refine(Number.isFinite, 'must be finite'),
  max: z.number().int().min(0).max(1000),
});

const BuySchema = z.strictObject({
  catalogue: z.array(NodeTypeSchema).min(1, 'at least one node type'),
  /** Keep the snapshot's nodes (free, already owned) beside the ones bought (default true). */
  keepExisting: z.boolean().optional(),
});

/** A fraction of each node's capacity kept free, per resource: {"cpu": 0.1} keeps 10% of every node's cpu. */
const ReserveSchema = z.record(z.string().min(1), z.number().min(0).max(1));

const WhatIfSchema = z.strictObject({
  remove: z.array(z.string().min(1)).optional(),
  add: z.array(NodeSchema).optional(),
  /**
   * Containers to start beside the running ones (a training gang with its topology, say): can they start, and which
   * running containers move to make room, fewest first.
   */
  start: z.array(ContainerSchema).optional(),
  reserve: ReserveSchema.optional(),
  /** "moves" (default): fewest containers moved; "moveCost": lowest total of their move costs. */
  minimise: z.enum(['moves', 'moveCost']).optional(),
});

const MoveBudgetSchema = z.strictObject({
  /** The curve runs k = 0..maxMoves. */
  maxMoves: z.number().int().min(0).max(50),
});

/** Most nodes a consolidate question removes (each count is one point of the frontier, with its change plan). */
export const MAX_REMOVED = 100;

const ConsolidateSchema = z.strictObject({
  /** The frontier runs k = 0..maxRemoved nodes removed. */
  maxRemoved: z.number().int().min(0).max(MAX_REMOVED),
  /** The nodes that may be removed (default: every node without a pinned container). */
  candidates: z.array(z.string().min(1)).optional(),
  /**
   * "moves" (default): for each k, the k nodes with the fewest running containers; "price": the k priciest, so the
   * most saved, and among those the fewest containers.
   */
  minimise: z.enum(['moves', 'price']).optional(),
});

export const QuestionSchema = z.union([
  z.strictObject({ fit: FitSchema }),
  z.strictObject({ buy: BuySchema }),
  z.strictObject({ whatIf: WhatIfSchema }),
  z.strictObject({ moveBudget: MoveBudgetSchema }),
  z.strictObject({ consolidate: ConsolidateSchema }),
]);
export type Question = z.infer<typeof QuestionSchema>;
export type FitQuestion = z.infer<typeof FitSchema>;
export type BuyQuestion = z.infer<typeof BuySchema>;
export type WhatIfQuestion = z.infer<typeof WhatIfSchema>;
export type ConsolidateQuestion = z.infer<typeof ConsolidateSchema>;

/**
 * Milli-units of a quantity as a snapshot input gives it (0 when absent or invalid: the schema reports invalid ones).
 */
function milli(q: string | number | bigint | undefined): bigint {
  if (typeof q === 'bigint') return q;
  if (q === undefined) return 0n;
  const p = parseQuantity(q);
  return p.ok ? p.value : 0n;
}

/**
 * How many copies of each shape "fit" considers: at most maxCopies (default 1000), and no more than the
 * total capacity allows on the resource that runs out first. Cheap: one pass over nodes per shape.
 */
export function fitCopies(s: SnapshotInput, q: FitQuestion): number[] {
  return q.shapes.map((shape) => {
    let most = BigInt(q.maxCopies ?? 1000);
    for (const [r, amount] of Object.entries(shape.requests)) {
      if (amount === 0n) continue;
      const total = s.nodes.reduce((t, n) => t + milli(own(n.capacity, r)), 0n);
      const fit = total / amount;
      if (fit < most) most = fit;
    }
    return Number(most);
  });
}

/**
 * "How many more fit": the snapshot plus `copies` of each shape (fitCopies), named `shape#k`. Existing
 * containers keep their place (pinned where they run) unless `repack`; with repack they may move freely.
 */
export function fitSnapshot(s: SnapshotInput, q: FitQuestion, copies: readonly number[]): SnapshotInput {
  // Repacking: containers may leave their node (each move costs, see the fit objective); otherwise those that run stay.
  const existing = s.containers.map((c): ContainerInput => {
    if (c.current === undefined) return c;
    if (!q.repack) return { ...c, pinned: true };
    const { pinned: _pinned, ...rest } = c;
    return rest;
  });
  const taken = new Set(s.containers.map((c) => c.name));
  const added = q.shapes.flatMap((shape, k) => {
    const { weight: _weight, name, ...rest } = shape;
    return Array.from({ length: copies[k]! }, (_, t): ContainerInput => {
      // A name no container has (an existing one may already be called `web#1`).
      let copy = `${name}#${t + 1}`;
      while (taken.has(copy)) copy = `new-${copy}`;
      taken.add(copy);
      return { ...rest, name: copy };
    });
  });
  const { costs: _costs, ...base } = s;
  return {
    ...base,
    containers: [...existing, ...added],
    options: { ...s.options, allowUnplaced: true, objective: 'cost' },
  };
}

/**
 * How many copies of each shape a plan of the fit snapshot places. The copies follow the `existing`
 * containers, shape by shape in the question's order (fitSnapshot), so they are counted by position,
 * never by name.
 */
export function placedCopies(
  plan: ArrayLike<number>,
  existing: number,
  q: FitQuestion,
  copies: readonly number[],
): Record<string, number> {
  let j = existing;
  return Object.fromEntries(
    q.shapes.map((shape, k) => {
      let placed = 0;
      for (const end = j + copies[k]!; j < end; j++) if (plan[j]! >= 0) placed++;
      return [shape.name, placed];
    }),
  );
}

/**
 * "What to buy": the workload on the kept nodes (price 0) and up to `max` nodes of each catalogue type, packed by
 * price.
 */
export function buySnapshot(s: SnapshotInput, q: BuyQuestion): SnapshotInput {
  const kept = q.keepExisting === false ? [] : s.nodes.map((n): NodeInput => ({ ...n, price: 0 }));
  const taken = new Set(kept.map((n) => n.name));
  const bought = q.catalogue.flatMap((t) =>
    Array.from({ length: t.max }, (_, k): NodeInput => {
      const { type, max: _max, ...rest } = t;
      let name = `${type}-${k + 1}`;
      while (taken.has(name)) name = `new-${name}`;
      taken.add(name);
      return { ...rest, name };
    }),
  );
  const { costs: _costs, ...base } = s;
  return { ...base, nodes: [...kept, ...bought], options: { ...s.options, objective: 'pack' } };
}

/**
 * "What if": nodes removed and added, capacities reduced by the reserve, and every container that runs
 * somewhere now (its `current`, or the plan given as `current`) costed 1 (or its move cost) for any other
 * node. Containers whose node is gone must move. The containers to `start` come last, running nowhere yet.
 * Everything may move; as much as possible is placed.
 */
export function whatIfSnapshot(
  s: SnapshotInput,
  q: WhatIfQuestion,
  current: ReadonlyMap<string, string>,
): SnapshotInput {
  const removed = new Set(q.remove ?? []);
  const reserved = (capacity: NodeInput['capacity']): NodeInput['capacity'] =>
    Object.fromEntries(
      Object.entries(capacity).map(([r, v]) => {
        const keep = own(q.reserve, r);
        if (keep === undefined || keep === 0) return [r, v];
        // floor((1 − reserve) · capacity) in milli-units, exact for reserves with up to 6 decimals.
        const ppm = BigInt(Math.round((1 - keep) * 1_000_000));
        return [r, (milli(v) * ppm) / 1_000_000n];
      }),
    );
  const nodes = [...s.nodes.filter((n) => !removed.has(n.name)), ...(q.add ?? [])].map((n): NodeInput => ({
    ...n,
    capacity: reserved(n.capacity),
  }));
  const defaultMove = s.options?.moveCost ?? 1;
  const containers = [...s.containers, ...(q.start ?? [])].map((c): ContainerInput => {
    const { current: _current, pinned: _pinned, moveCost: _moveCost, ...rest } = c;
    return rest;
  });
  const matrix = nodes.map((node) =>
    containers.map((c) => {
      const at = current.get(c.name);
      if (at === undefined) return 0; // not running yet: placing it is no move
      const cost = q.minimise === 'moveCost' ? (c.moveCost ?? defaultMove) : 1;
      return at === node.name ? 0 : cost;
    }),
  );
  return {
    ...s,
    nodes,
    containers,
    costs: { matrix },
    // Moves only: a topology-aware group keeps its required level and slices, but its spread is not weighed.
    options: { ...s.options, allowUnplaced: true, objective: { cost: 1, topology: 0 } },
  };
}
