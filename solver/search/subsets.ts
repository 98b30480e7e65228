import { senseSign, type AssignmentModel } from '../../models/model.js';
import { maxOf } from '../../models/own.js';
import { verifyPlan } from '../verify.js';
import { knapsacksOf, type Knapsacks } from './knapsacks.js';
import { seededRandom, type SearchOptions } from './options.js';

/**
 * Exact node-subset neighbourhoods, solved by a Lagrangian branch and bound: free every container of a few
 * random nodes, keep the others where they are, and find the cheapest plan of the freed containers on those
 * nodes, if one costs less than they cost now. It is found exactly, and fast, by a depth-first branch and
 * bound on the decision "is there a plan costing at most z?" (Posta, Ferland and Michelon, Computational
 * Optimization and Applications 52(3), 2012), with z lowered below each plan found:
 *
 * - The bound is the Lagrangian one of column generation (solver/colgen.ts): relaxing "each container on
 *   exactly one node" with multipliers u leaves one 0-1 knapsack per node, solved exactly by dynamic
 *   programming. The search starts from the column-generation multipliers and refines them at every
 *   branch by subgradient steps towards z.
 * - Variable fixing: a forward and a backward knapsack table per node give, for every container j and
 *   node i at once, the bound with j forced onto i and with j kept off it. A pair whose forced bound
 *   exceeds z is forbidden; a container whose bound off node i exceeds z goes to node i.
 * - Branching on the free container with the fewest nodes left, most promising node first.
 *
 * On tightly packed instances the Lagrangian bound is within a fraction of a percent of the optimum, so
 * the fixing leaves little to branch on: on OR-Library gapd-5 (20 × 100) sub-problems of 10 nodes and
 * about 50 containers are settled in milliseconds to a second, where HiGHS needs seconds for 8 nodes.
 * The neighbourhood grows by two nodes whenever FAILS_BEFORE_GROWING sub-problems in a row found nothing
 * better. When it covers every node and the branch and bound finishes without a better plan, no better
 * plan exists: with integer costs the plan is then proven optimal.
 *
 * It applies where column generation does (plain cost, one resource, up to COLGEN_MAX_ITEMS containers).
 */

export interface SubsetSearchOptions extends SearchOptions {
  /** Most ms per sub-problem below the whole model (default 2000). */
  readonly stepMs?: number;
  /**
   * The node of each container the LP relaxation places whole, -1 for a split one (rounding.ts): then half the
   * time goes to relaxation-induced sub-problems, which free the containers the plan places elsewhere than the LP
   * (at most RINS_ITEMS of them, drawn at random) over every node.
   */
  readonly lpWhole?: Int32Array;
}

export interface SubsetSearchResult {
  readonly plan: Int32Array;
  /** True when the branch and bound over every node proved that no plan costs less (integer costs only). */
  readonly optimal: boolean;
}

/**
 * Nodes freed by the first sub-problems: enough for about START_ITEMS containers, at least 2 and at most
 * START_NODES. Small sub-problems settle fast: on Yagiura e801600 (80 × 1600, 20 containers a node) sub-problems
 * of 3 nodes reach 176 918 in 30 s where 10 nodes reach 178 267 and 16 find nothing.
 */
const START_NODES = 10;
const START_ITEMS = 60;
/**
 * Containers a relaxation-induced sub-problem frees at most, and its time: on Yagiura d801600, 200 free containers
 * gain in each 5 s step where 120 gain less and all 326 that differ from the LP find nothing in 5 s.
 */
const RINS_ITEMS = 200;
const RINS_STEP_MS = 5000;
/** Sub-problems in a row without a better plan before the neighbourhood grows by two nodes. */
const FAILS_BEFORE_GROWING = 15;
/** Subgradient steps at the root of a sub-problem and at every other branch. */
const ROOT_STEPS = 30;
const BRANCH_STEPS = 10;
/** Rounds of subgradient steps and fixing at a branch, while the fixing still changes something. */
const ROUNDS = 4;

interface Branch {
  /** The sub-problem's nodes and the containers free at its root (shared by every branch). */
  readonly nodes: readonly number[];
  readonly items: readonly number[];
  /** allowed[i * m + j]: container j may still go to node i. */
  readonly allowed: Uint8Array;
  /** The node of each fixed container, -1 for a free one. */
  readonly assign: Int32Array;
  /** Capacity each node has left for the free containers. */
  readonly resid: Int32Array;
  /** Cost of the fixed containers. */
  fixed: number;
}

function copyOf(b: Branch): Branch {
  return { ...b, allowed: b.allowed.slice(), assign: b.assign.slice(), resid: b.resid.slice() };
}

/**
 * The decision "is there a plan costing at most z within this branch?", by depth-first branch and bound, with z
 * lowered below each plan found: the cheapest plan of the branch.
 */
class LagrangianSearch {
  private readonly W: number;
  private readonly best: Float64Array;
  private readonly take: Uint8Array;
  private readonly forward: Float64Array;
  private readonly backward: Float64Array;
  private readonly count: Int32Array;
  /** Penalty of forcing each pair, from the last fixing pass (ordering of the branches). */
  private readonly penalty: Float64Array;
  private deadline = 0;
  private eps = 0;
  private z = 0;
  /** Where the subgradient steps aim: z plus the objective's granularity. */
  private target = 0;
  private granularity = 1;
  timedOut = false;
  found: Int32Array | undefined;

  constructor(private readonly k: Knapsacks) {
    this.W = maxOf(k.cap) + 1;
    this.best = new Float64Array(this.W);
    this.take = new Uint8Array(k.m * this.W);
    this.forward = new Float64Array((k.m + 1) * this.W);
    this.backward = new Float64Array((k.m + 1) * this.W);
    this.count = new Int32Array(k.m);
    this.penalty = new Float64Array(k.n * k.m);
  }

  /**
   * The cheapest plan within `root` costing at most z (the cheapest found, when the deadline came first), null if
   * there is none, undefined if the deadline came first with none found.
   */
  decide(
    root: Branch,
    u: Float64Array,
    z: number,
    granularity: number,
    deadline: number,
  ): Int32Array | null | undefined {
    this.deadline = deadline;
    this.granularity = granularity;
    this.aim(z);
    this.timedOut = false;
    this.found = undefined;
    this.explore(root, u, ROOT_STEPS);
    if (this.found) return this.found;
    return this.timedOut ? undefined : null;
  }

  /** Asks for a plan costing at most z from now on. */
  private aim(z: number): void {
    this.z = z;
    this.target = z + this.granularity;
    this.eps = 1e-9 * (1 + Math.abs(z));
  }

  /** Records a plan costing `cost` (at most z) and asks from then on for one cheaper still. */
  private record(plan: Int32Array, cost: number): void {
    this.found = plan;
    this.aim(cost - this.granularity);
  }

  /** Node i's best packing of the free containers under reduced costs c_ij − u_j (≤ 0); counts its containers. */
  private packing(b: Branch, i: number, u: Float64Array, count: Int32Array | null, picks?: Int32Array): number {
    const { m, cost, dem } = this.k;
    const cap = b.resid[i]!;
    const W = cap + 1;
    const best = this.best;
    const take = this.take;
    best.fill(0, 0, W);
    const items: number[] = [];
    for (const j of b.items) {
      const p = i * m + j;
      if (b.assign[j]! >= 0 || !b.allowed[p]) continue;
      const profit = u[j]! - cost[p]!;
      const w = dem[p]!;
      if (profit <= 0 || w > cap) continue;
      const row = items.length * W;
      items.push(j);
      take.fill(0, row, row + W);
      for (let c = cap; c >= w; c--) {
        const v = best[c - w]! + profit;
        if (v > best[c]!) {
          best[c] = v;
          take[row + c] = 1;
        }
      }
    }
    if (count || picks) {
      for (let t = items.length - 1, c = cap; t >= 0; t--) {
        if (take[t * W + c]) {
          const j = items[t]!;
          if (count) count[j]!++;
          if (picks) picks[j] = i;
          c -= dem[i * m + j]!;
        }
      }
    }
    return -best[cap]!;
  }

  /** L(u) for the branch; fills this.count with how many nodes' packings take each free container. */
  private bound(b: Branch, u: Float64Array): number {
    this.count.fill(0);
    let L = b.fixed;
    for (const j of b.items) if (b.assign[j]! < 0) L += u[j]!;
    for (const i of b.nodes) L += this.packing(b, i, u, this.count);
    return L;
  }

  private place(b: Branch, j: number, i: number): boolean {
    const p = i * this.k.m + j;
    if (!b.allowed[p] || this.k.dem[p]! > b.resid[i]!) return false;
    b.assign[j] = i;
    b.resid[i]! -= this.k.dem[p]!;
    b.fixed += this.k.cost[p]!;
    return true;
  }

  /** Drops pairs that no longer fit and places containers with one node left; false if one has none. */
  private propagate(b: Branch): boolean {
    const { m, dem } = this.k;
    for (let changed = true; changed;) {
      changed = false;
      for (const j of b.items) {
        if (b.assign[j]! >= 0) continue;
        let options = 0;
        let last = -1;
        for (const i of b.nodes) {
          const p = i * m + j;
          if (!b.allowed[p]) continue;
          if (dem[p]! > b.resid[i]!) {
            b.allowed[p] = 0;
            continue;
          }
          options++;
          last = i;
        }
        if (options === 0) return false;
        if (options === 1) {
          this.place(b, j, last);
          changed = true;
        }
      }
    }
    return true;
  }

  /**
   * Lagrangian variable fixing at multipliers u: forbids each pair whose forced bound exceeds z and places
   * each container whose bound off a node exceeds z on that node. The number of changes, or -1 when the
   * branch holds no plan costing at most z.
   */
  private fix(b: Branch, u: Float64Array): number {
    const { n } = this.k;
    const K = new Float64Array(n);
    let L = b.fixed;
    for (const j of b.items) if (b.assign[j]! < 0) L += u[j]!;
    for (const i of b.nodes) {
      K[i] = this.packing(b, i, u, null);
      L += K[i]!;
    }
    if (L > this.z + this.eps) return -1;
    const must: [number, number][] = [];
    let changes = 0;
    for (const i of b.nodes) {
      // One node's tables take n × free containers × capacity steps: over every node, check the time between them.
      if (this.late()) return -1;
      changes += this.fixOnNode(b, u, i, L, K[i]!, must);
    }
    for (const [j, i] of must) {
      if (b.assign[j]! >= 0) {
        if (b.assign[j] !== i) return -1;
        continue;
      }
      if (!this.place(b, j, i)) return -1;
      changes++;
    }
    return changes;
  }

  /**
   * Fixing on node i, whose packing is worth Ki in the bound L: forbids the pairs it can (returns how many)
   * and collects in `must` the containers that have to go to node i.
   */
  private fixOnNode(b: Branch, u: Float64Array, i: number, L: number, Ki: number, must: [number, number][]): number {
    const { m, cost, dem } = this.k;
    const F = this.forward;
    const B = this.backward;
    const cap = b.resid[i]!;
    const W = cap + 1;
    const items = this.knapsackTables(b, u, i);
    let changes = 0;
    for (let t = 0; t < items.length; t++) {
      const j = items[t]!;
      const p = i * m + j;
      const w = dem[p]!;
      let without = Infinity;
      let within = Infinity;
      for (let x = 0; x <= cap; x++) {
        const f = F[t * W + x]!;
        const o = f + B[(t + 1) * W + cap - x]!;
        if (o < without) without = o;
        if (x <= cap - w) {
          const o2 = f + B[(t + 1) * W + cap - w - x]!;
          if (o2 < within) within = o2;
        }
      }
      within += cost[p]! - u[j]!;
      this.penalty[p] = within - Ki;
      if (L + within - Ki > this.z + this.eps) {
        b.allowed[p] = 0;
        changes++;
      } else if (L + without - Ki > this.z + this.eps) {
        must.push([j, i]);
      }
    }
    return changes;
  }

  /**
   * Node i's forward and backward knapsack tables over its free containers (returned in order): forward[t]
   * is the best over the first t containers within each capacity, backward[t] over containers t onwards.
   */
  private knapsackTables(b: Branch, u: Float64Array, i: number): number[] {
    const { m, cost, dem } = this.k;
    const F = this.forward;
    const B = this.backward;
    const W = b.resid[i]! + 1;
    const items: number[] = [];
    for (const j of b.items) if (b.assign[j]! < 0 && b.allowed[i * m + j]) items.push(j);
    const T = items.length;
    F.fill(0, 0, W);
    for (let t = 0; t < T; t++) {
      const p = i * m + items[t]!;
      const w = dem[p]!;
      const c = cost[p]! - u[items[t]!]!;
      const from = t * W;
      const to = from + W;
      for (let x = 0; x < W; x++)
        F[to + x] = x >= w && c < 0 ? Math.min(F[from + x]!, F[from + x - w]! + c) : F[from + x]!;
    }
    B.fill(0, T * W, T * W + W);
    for (let t = T - 1; t >= 0; t--) {
      const p = i * m + items[t]!;
      const w = dem[p]!;
      const c = cost[p]! - u[items[t]!]!;
      const from = (t + 1) * W;
      const to = t * W;
      for (let x = 0; x < W; x++)
        B[to + x] = x >= w && c < 0 ? Math.min(B[from + x]!, B[from + x - w]! + c) : B[from + x]!;
    }
    return items;
  }

  private late(): boolean {
    if (Date.now() > this.deadline) this.timedOut = true;
    return this.timedOut;
  }

  /** Searches the branch: each plan in it costing at most z is recorded, and z falls below it. */
  private explore(b: Branch, parentU: Float64Array, firstSteps: number): void {
    if (this.late()) return;
    const u = parentU.slice();
    if (!this.tighten(b, u, firstSteps)) this.branch(b, u);
  }

  /**
   * Rounds of subgradient steps and fixing; leaves the best multipliers in u. True when the branch is settled (it
   * holds no plan costing at most z, its best plan was recorded, or time ran out), false when it must branch.
   */
  private tighten(b: Branch, u: Float64Array, firstSteps: number): boolean {
    const best = { L: -Infinity, u: u.slice() };
    for (let round = 0; round < ROUNDS; round++) {
      if (!this.propagate(b)) return true;
      if (this.ascend(b, u, best, round === 0 ? firstSteps : BRANCH_STEPS)) return true;
      u.set(best.u);
      const changes = this.fix(b, u);
      if (changes < 0) return true;
      if (changes === 0) break;
    }
    return !this.propagate(b);
  }

  /** Subgradient steps on u towards the target, recording the best bound in `best`; true when settled (tighten). */
  private ascend(b: Branch, u: Float64Array, best: { L: number; u: Float64Array }, steps: number): boolean {
    let lambda = 1;
    for (let s = 0; s < steps; s++) {
      if (this.late()) return true;
      const L = this.bound(b, u);
      if (L > best.L) {
        best.L = L;
        best.u.set(u);
      }
      if (L > this.z + this.eps) return true;
      let norm = 0;
      for (const j of b.items) {
        if (b.assign[j]! >= 0) continue;
        const g = 1 - this.count[j]!;
        norm += g * g;
      }
      if (norm === 0) {
        // The packings place every free container exactly once: a plan, costing L.
        const plan = b.assign.slice();
        for (const i of b.nodes) this.packing(b, i, u, null, plan);
        let cost = b.fixed;
        for (const j of b.items) if (b.assign[j]! < 0) cost += this.k.cost[plan[j]! * this.k.m + j]!;
        this.record(plan, cost);
        return true;
      }
      const step = (lambda * (this.target - L)) / norm;
      for (const j of b.items) if (b.assign[j]! < 0) u[j]! += step * (1 - this.count[j]!);
      lambda *= 0.9;
    }
    return false;
  }

  /** Branches on the free container with the fewest nodes left, the most promising node first. */
  private branch(b: Branch, u: Float64Array): void {
    const { m } = this.k;
    let pick = -1;
    let fewest = Infinity;
    for (const j of b.items) {
      if (b.assign[j]! >= 0) continue;
      let options = 0;
      for (const i of b.nodes) options += b.allowed[i * m + j]!;
      if (options < fewest) {
        fewest = options;
        pick = j;
      }
    }
    if (pick < 0) {
      if (b.fixed <= this.z + this.eps) this.record(b.assign.slice(), b.fixed);
      return;
    }
    const order: number[] = [];
    for (const i of b.nodes) if (b.allowed[i * m + pick]) order.push(i);
    order.sort((a, c) => this.penalty[a * m + pick]! - this.penalty[c * m + pick]!);
    for (const i of order) {
      const child = copyOf(b);
      if (this.place(child, pick, i)) this.explore(child, u, BRANCH_STEPS);
      if (this.timedOut) return;
      // Later branches keep the container off the nodes already explored.
      b.allowed[i * m + pick] = 0;
    }
  }
}

/**
 * Entries of each of the branch and bound's two knapsack tables at most, (containers + 1) × (largest capacity + 1):
 * 8 bytes each, some 130 MB for both (Yagiura's 80 × 1600: 1.3 million).
 */
const MAX_TABLE_ENTRIES = 8_000_000;

/** Whether the branch and bound's tables for these knapsacks stay within MAX_TABLE_ENTRIES. */
export const searchTablesFit = (k: Knapsacks): boolean => (k.m + 1) * (maxOf(k.cap) + 1) <= MAX_TABLE_ENTRIES;

/** Whether the subset search applies to this model (where column generation does, with tables that fit). */
export function subsetSearchApplies(model: AssignmentModel): boolean {
  const k = knapsacksOf(model, false);
  return k !== undefined && searchTablesFit(k);
}

/**
 * Improves the complete plan `start` by exact node-subset neighbourhoods until the deadline, or until it
 * proves the plan optimal. `multipliers` are column generation's (any multipliers give valid bounds;
 * good ones make the search fast). Undefined where the search does not apply.
 */
export function subsetSearch(
  model: AssignmentModel,
  start: Int32Array,
  multipliers: Float64Array,
  options: SubsetSearchOptions,
): SubsetSearchResult | undefined {
  const k = knapsacksOf(model, false);
  if (!k || !searchTablesFit(k)) return undefined;
  const n = k.n;
  const sign = senseSign(model.sense);
  const integral = k.cost.every((c) => Number.isInteger(c));
  const search = new LagrangianSearch(k);
  const rand = seededRandom(options.seed ?? 12345);
  const costOf = (plan: Int32Array): number => planCost(k, plan);
  let plan: Int32Array = start.slice();
  let current = costOf(plan);
  let size = Math.min(n, Math.max(2, Math.min(START_NODES, Math.round((START_ITEMS * n) / k.m))));
  let fails = 0;
  const spent = { subsets: 0, rins: 0 };
  while (Date.now() < options.deadline) {
    const other = options.poll?.();
    if (other && verifyPlan(model, other, true).valid && costOf(other) < current - 1e-9 * (1 + Math.abs(current))) {
      plan = other.slice();
      current = costOf(plan);
    }
    const granularity = integral ? 1 : 1e-6 * Math.max(1, Math.abs(current));
    const rins = options.lpWhole !== undefined && size < n && spent.rins <= spent.subsets;
    const whole = !rins && size === n;
    const began = Date.now();
    const stepMs = rins ? RINS_STEP_MS : (options.stepMs ?? 2000);
    const found = search.decide(
      rins ? rinsBranch(k, plan, options.lpWhole!, rand) : rootBranch(k, plan, randomSubset(n, size, rand)),
      multipliers,
      current - granularity,
      granularity,
      whole ? options.deadline : Math.min(options.deadline, began + stepMs),
    );
    spent[rins ? 'rins' : 'subsets'] += Date.now() - began;
    if (found && verifyPlan(model, found, true).valid && costOf(found) < current) {
      plan = found;
      current = costOf(plan);
      if (!rins) fails = 0;
      options.onImprove?.(plan.slice(), sign * current);
      // Over every node, a search that finished found the cheapest plan there is.
      if (whole && !search.timedOut) return { plan, optimal: integral };
      continue;
    }
    if (found === null && whole) return { plan, optimal: integral };
    if (!rins && ++fails >= FAILS_BEFORE_GROWING && size < n) {
      size = Math.min(n, size + 2);
      fails = 0;
    }
  }
  return { plan, optimal: false };
}

function planCost(k: Knapsacks, plan: Int32Array): number {
  let c = 0;
  for (let j = 0; j < k.m; j++) c += k.cost[plan[j]! * k.m + j]!;
  return c;
}

/** `size` distinct nodes of n drawn at random (every node when size is n), as a 0/1 mask. */
function randomSubset(n: number, size: number, rand: () => number): Uint8Array {
  const inSubset = new Uint8Array(n).fill(size === n ? 1 : 0);
  for (let chosen = size === n ? n : 0; chosen < size;) {
    const i = Math.floor(rand() * n);
    if (!inSubset[i]) {
      inSubset[i] = 1;
      chosen++;
    }
  }
  return inSubset;
}

/** The sub-problem's root: containers on the subset's nodes are free among them, the rest stay fixed. */
function rootBranch(k: Knapsacks, plan: Int32Array, inSubset: Uint8Array): Branch {
  return completionBranch(
    k,
    Int32Array.from(plan, (i) => (inSubset[i] ? -1 : i)),
    inSubset,
  )!;
}

/**
 * The cheapest plan that keeps every container of `assign` with a node there (−1: free) and places the free ones
 * on any node, if one costs less than `upper` (minimisation sense; the cheapest found when the deadline came
 * first): null when none does, undefined when the deadline came first with none found.
 */
export function bestCompletion(
  k: Knapsacks,
  assign: Int32Array,
  multipliers: Float64Array,
  upper: number,
  deadline: number,
): Int32Array | null | undefined {
  const root = completionBranch(k, assign);
  if (!root) return null;
  // Every completion costs at most its dearest: the search's steps aim at a finite target.
  let dearest = root.fixed;
  for (const j of root.items) dearest += Math.max(...root.nodes.map((i) => k.cost[i * k.m + j]!));
  const integral = k.cost.every((c) => Number.isInteger(c));
  const granularity = integral ? 1 : 1e-6 * Math.max(1, Math.abs(dearest));
  const z = Math.min(upper, dearest + granularity) - granularity;
  return new LagrangianSearch(k).decide(root, multipliers, z, granularity, deadline);
}

/**
 * The branch where the containers of `assign` with a node stay there and the others may go to any node (of
 * `inSubset`, where given); undefined when the ones that stay overfill a node.
 */
function completionBranch(k: Knapsacks, assign: Int32Array, inSubset?: Uint8Array): Branch | undefined {
  const { n, m, cost, cap, dem, blocked } = k;
  const items: number[] = [];
  const root: Branch = {
    nodes: Array.from({ length: n }, (_, i) => i).filter((i) => !inSubset || inSubset[i]),
    items,
    allowed: new Uint8Array(n * m),
    assign: assign.slice(),
    resid: Int32Array.from(cap),
    fixed: 0,
  };
  for (let j = 0; j < m; j++) {
    const at = assign[j]!;
    if (at < 0) {
      items.push(j);
      for (const i of root.nodes) if (!(blocked && blocked[i * m + j])) root.allowed[i * m + j] = 1;
    } else {
      root.resid[at]! -= dem[at * m + j]!;
      root.fixed += cost[at * m + j]!;
    }
  }
  return root.resid.some((r) => r < 0) ? undefined : root;
}

/**
 * The relaxation-induced sub-problem (Danna, Rothberg and Le Pape 2005): the containers the plan places where the
 * LP places them whole stay; up to RINS_ITEMS of the others, drawn at random, are free over every node.
 */
function rinsBranch(k: Knapsacks, plan: Int32Array, lpWhole: Int32Array, rand: () => number): Branch {
  const differ: number[] = [];
  for (let j = 0; j < k.m; j++) if (lpWhole[j] !== plan[j]) differ.push(j);
  for (let a = differ.length - 1; a > 0; a--) {
    const b = Math.floor(rand() * (a + 1));
    [differ[a], differ[b]] = [differ[b]!, differ[a]!];
  }
  const assign = plan.slice();
  for (const j of differ.slice(0, RINS_ITEMS)) assign[j] = -1;
  return completionBranch(k, assign)!;
}
