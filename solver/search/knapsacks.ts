import { demandUnits, type AssignmentModel } from '../../models/model.js';
import { data } from '../heuristic.js';
import { searchesApply } from './options.js';

/**
 * The model as one 0-1 knapsack per node (single resource, demands and capacities in units of their
 * common divisor), which column generation (colgen.ts) and the node-subset search (subsets.ts) both
 * work on; undefined where it does not apply.
 */
/**
 * At most this many containers: up to 200 the stabilised column generation converges within about a
 * second on OR-Library gapa–gapd (gapd-6, 20 × 200, takes 4.6 s); on Yagiura's 400-container instances
 * it is still far from the LP bound after 5 s, time the searches use better.
 */
export const COLGEN_MAX_ITEMS = 200;
/**
 * At most this many knapsack steps per round (nodes × containers × capacity, after capacities and
 * demands are divided by their greatest common divisor).
 */
const MAX_ROUND_WORK = 2_000_000;

export interface Knapsacks {
  readonly n: number;
  readonly m: number;
  /** cost[i * m + j] in the minimisation sense. */
  readonly cost: Float64Array;
  /** Capacity and demands in units of their common divisor. */
  readonly cap: Int32Array;
  readonly dem: Int32Array;
  readonly blocked: Uint8Array | null;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/**
 * The model as one knapsack per node, or undefined where it is not one (several resources, a capacity above
 * 1 000 000 units of the common divisor) or, with `whole`, where column generation's rounds over every node
 * and container would be too slow (more than COLGEN_MAX_ITEMS containers or MAX_ROUND_WORK steps). The
 * node-subset search solves knapsacks over a few nodes' containers at a time and takes any size.
 */
export function knapsacksOf(model: AssignmentModel, whole = true): Knapsacks | undefined {
  if (
    !searchesApply(model) ||
    model.resources.length !== 1 ||
    model.nodes.length < 2 ||
    (whole && model.items.length > COLGEN_MAX_ITEMS)
  )
    return undefined;
  const r = model.resources[0]!;
  const n = model.nodes.length;
  const m = model.items.length;
  let g = 0n;
  for (let i = 0; i < n; i++) g = gcd(g, r.capacity[i] ?? 0n);
  for (let i = 0; i < n && g !== 1n; i++) for (let j = 0; j < m; j++) g = gcd(g, demandUnits(r, i, j, m));
  if (g === 0n) return undefined;
  const cap = new Int32Array(n);
  let work = 0;
  for (let i = 0; i < n; i++) {
    const c = (r.capacity[i] ?? 0n) / g;
    if (c > 1_000_000n) return undefined;
    cap[i] = Number(c);
    work += cap[i]! * m;
  }
  if (whole && work > MAX_ROUND_WORK) return undefined;
  const dem = new Int32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) dem[i * m + j] = Number(demandUnits(r, i, j, m) / g);
  const d = data(model);
  return { n, m, cost: d.cost, cap, dem, blocked: d.blocked };
}

/** Whether the model is one knapsack per node (where column generation and the subset search apply). */
export function knapsacksApply(model: AssignmentModel): boolean {
  return knapsacksOf(model) !== undefined;
}
