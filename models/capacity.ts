import { z } from 'zod';
import { parseQuantity } from './quantity.js';
import { own } from './own.js';
import { ContainerSchema, NodeSchema } from './snapshot.js';

/**
 * Capacity questions (POST /v1/capacity, placement capacity), asked about a snapshot (plain or Kubernetes).
 * Each is answered by transforming the snapshot and solving it exactly (server/capacity.ts):
 * - fit:        how many more copies of some container shapes fit (weighted), with or without repacking;
 * - buy:        the cheapest set of nodes from a catalogue that hosts the workload;
 * - whatIf:     remove (fail, drain) or add nodes, re-plan with the fewest moves or the lowest move cost;
 * - moveBudget: the best cost with at most k moves from the current placement, for k = 0..K.
 */

/** Most shapes one fit question may ask about. */
export const MAX_SHAPES = 100;

/** A container shape: a container without a name, plus its weight (default 1). */
const ShapeSchema = ContainerSchema.omit({ name: true, current: true, pinned: true, moveCost: true, gang: true }).extend({
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
  reserve: ReserveSchema.optional(),
  /** "moves" (default): fewest containers moved; "moveCost": lowest total of their move costs. */
  minimise: z.enum(['moves', 'moveCost']).optional(),
});

const MoveBudgetSchema = z.strictObject({
  /** The curve runs k = 0..maxMoves. */
  maxMoves: z.number().int().min(0).max(50),
});

export const QuestionSchema = z.union([
  z.strictObject({ fit: FitSchema }),
  z.strictObject({ buy: BuySchema }),
  z.strictObject({ whatIf: WhatIfSchema }),
  z.strictObject({ moveBudget: MoveBudgetSchema }),
]);
export type Question = z.infer<typeof QuestionSchema>;
export type FitQuestion = z.infer<typeof FitSchema>;
export type BuyQuestion = z.infer<typeof BuySchema>;
export type WhatIfQuestion = z.infer<typeof WhatIfSchema>;

type Json = Record<string, unknown>;
const containersOf = (s: Json): Json[] => (Array.isArray(s['containers']) ? (s['containers'] as Json[]) : []);
const nodesOf = (s: Json): Json[] => (Array.isArray(s['nodes']) ? (s['nodes'] as Json[]) : []);
const optionsOf = (s: Json): Json => (typeof s['options'] === 'object' && s['options'] !== null ? (s['options'] as Json) : {});

/** Milli-units of a quantity given as JSON (0 when absent or invalid: the schema reports invalid ones). */
function milli(q: unknown): bigint {
  if (typeof q === 'bigint') return q;
  if (typeof q !== 'number' && typeof q !== 'string') return 0n;
  const p = parseQuantity(q);
  return p.ok ? p.value : 0n;
}

/**
 * How many copies of each shape "fit" considers: at most maxCopies (default 1000), and no more than the
 * total capacity allows on the resource that runs out first. Cheap: one pass over nodes per shape.
 */
export function fitCopies(s: Json, q: FitQuestion): number[] {
  const nodes = nodesOf(s);
  return q.shapes.map((shape) => {
    let most = BigInt(q.maxCopies ?? 1000);
    for (const [r, amount] of Object.entries(shape.requests)) {
      if (amount === 0n) continue;
      const total = nodes.reduce((t, n) => t + milli(own((n['capacity'] as Record<string, unknown> | undefined) ?? {}, r)), 0n);
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
export function fitSnapshot(s: Json, q: FitQuestion, copies: readonly number[]): Json {
  // Repacking: containers may leave their node (each move costs, see the fit objective); otherwise those that run stay.
  const existing = containersOf(s).map((c): Json => {
    if (c['current'] === undefined) return c;
    if (q.repack) {
      const { pinned: _p, ...rest } = c;
      void _p;
      return rest;
    }
    return { ...c, pinned: true };
  });
  const added = q.shapes.flatMap((shape, k) => {
    const { weight: _w, name, requests, ...rest } = shape;
    void _w;
    const asQuantities = Object.fromEntries(Object.entries(requests).map(([r, v]) => [r, `${v}m`]));
    return Array.from({ length: copies[k]! }, (_, t) => ({ ...rest, name: `${name}#${t + 1}`, requests: asQuantities }));
  });
  const { costs: _costs, ...base } = s;
  void _costs;
  return { ...base, containers: [...existing, ...added], options: { ...optionsOf(s), allowUnplaced: true, objective: 'cost' } };
}

/** "What to buy": the workload on the kept nodes (price 0) and up to `max` nodes of each catalogue type, packed by price. */
export function buySnapshot(s: Json, q: BuyQuestion): Json {
  const kept = q.keepExisting === false ? [] : nodesOf(s).map((n): Json => ({ ...n, price: 0 }));
  const taken = new Set(kept.map((n) => String(n['name'])));
  const bought = q.catalogue.flatMap((t) =>
    Array.from({ length: t.max }, (_, k) => {
      const { type, max: _max, capacity, ...rest } = t;
      void _max;
      let name = `${type}-${k + 1}`;
      while (taken.has(name)) name = `new-${name}`;
      taken.add(name);
      return { ...rest, name, capacity: Object.fromEntries(Object.entries(capacity).map(([r, v]) => [r, `${v}m`])), price: t.price };
    }),
  );
  const { costs: _costs, ...base } = s;
  void _costs;
  return { ...base, nodes: [...kept, ...bought], options: { ...optionsOf(s), objective: 'pack' } };
}

/**
 * "What if": nodes removed and added, capacities reduced by the reserve, and every container that runs
 * somewhere now (its `current`, or the plan given as `current`) costed 1 (or its move cost) for any other
 * node. Containers whose node is gone must move. Everything may move; as much as possible is placed.
 */
export function whatIfSnapshot(s: Json, q: WhatIfQuestion, current: ReadonlyMap<string, string>): Json {
  const removed = new Set(q.remove ?? []);
  const scale = (capacity: Json): Json =>
    Object.fromEntries(
      Object.entries(capacity).map(([r, v]) => {
        const keep = own(q.reserve, r);
        if (keep === undefined || keep === 0) return [r, v];
        // floor((1 − reserve) · capacity) in milli-units, exact for reserves with up to 6 decimals.
        const ppm = BigInt(Math.round((1 - keep) * 1_000_000));
        return [r, `${(milli(v) * ppm) / 1_000_000n}m`];
      }),
    );
  // Added nodes come parsed (capacities in milli-units): back to quantity strings, like the others.
  const added = (q.add ?? []).map((n): Json => ({ ...n, capacity: Object.fromEntries(Object.entries(n.capacity).map(([r, v]) => [r, `${v}m`])) }));
  const nodes = [...nodesOf(s).filter((n) => !removed.has(String(n['name']))), ...added].map((n): Json => ({ ...n, capacity: scale((n['capacity'] as Json | undefined) ?? {}) }));
  const names = nodes.map((n) => String(n['name']));
  const defaultMove = Number(optionsOf(s)['moveCost'] ?? 1);
  const containers = containersOf(s).map((c) => {
    const { current: _c, pinned: _p, moveCost: _m, ...rest } = c;
    void _c;
    void _p;
    void _m;
    return rest;
  });
  const matrix = names.map((node) =>
    containersOf(s).map((c) => {
      const at = current.get(String(c['name']));
      if (at === undefined) return 0; // not running yet: placing it is no move
      const cost = q.minimise === 'moveCost' ? Number(c['moveCost'] ?? defaultMove) : 1;
      return at === node ? 0 : cost;
    }),
  );
  return { ...s, nodes, containers, costs: { matrix }, options: { ...optionsOf(s), allowUnplaced: true, objective: 'cost' } };
}
