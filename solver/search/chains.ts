import { senseSign, type AssignmentModel } from '../../models/model.js';
import { data, type Data } from '../heuristic.js';
import { searchesApply, seededRandom, type SearchOptions } from './options.js';

/**
 * Ejection-chain search with strategic oscillation, for plain cost models (the generalized assignment
 * problem and its multi-resource form) whose LP bound is tight but whose branch and bound finds good
 * plans slowly (OR-Library gapd, Yagiura type D).
 *
 * A chain moves container j1 to the node of j2, which moves to the node of j3, and so on: a cyclic
 * exchange ends with the last container taking j1's place, a path exchange with it moving to a node
 * outside the chain. Every node in a chain loses one container and gains at most one, so each step's
 * effect on capacity is local. Shifts and swaps are the chains of length 1 and 2. The best chain is
 * found on the improvement graph (an arc j → j2 when j may take j2's place) by a shortest-path search
 * over chains of distinct nodes, keeping only partial chains that already gain (an improving cycle has a
 * rotation whose every prefix gains), as in the very large-scale neighbourhood search of Ahuja, Orlin,
 * Pallottino, Scaparra and Scutellà (Management Science 50(6), 2004).
 * The graph is sparse: a container may move only to its CANDIDATES cheapest allowed nodes, which keeps a
 * step near 30 ms on Yagiura's 80 × 1600 instances (2.56 million arcs dense).
 *
 * Capacity may be exceeded at a price per node and resource (strategic oscillation, as in Yagiura,
 * Ibaraki and Glover's ejection chain approach, INFORMS J. Computing 16(2), 2004): at each penalised local
 * optimum the price of every overloaded node rises with its overload, and when the plan fits every price
 * falls, with a little noise, so the search keeps crossing the capacity boundary where the good plans of
 * tightly packed instances lie. Only plans that fit count as found; the caller's verifier checks them
 * again before any is used. The start need not fit (the capacity prices' plan, prices.ts, may not).
 */

interface State {
  readonly plan: Int32Array;
  readonly load: Float64Array;
  cost: number;
}

interface Chain {
  readonly gain: number;
  /**
   * Containers in order; each moves to the next one's node, the last to `end` (a node) or, if -1, to the first one's
   * node.
   */
  readonly items: readonly number[];
  readonly end: number;
}

const EPS = 1e-9;
/** Longest chain searched (containers). */
const MAX_LENGTH = 6;
/**
 * Relative rise of an overloaded node's price at a penalised local optimum (scaled by its share of the worst overload).
 */
const PRICE_UP = 0.05;
/** Relative fall of every price at a local optimum that fits. */
const PRICE_DOWN = 0.05;
/** Multiplicative noise on the prices at each local optimum (uniform in ±NOISE/2). */
const NOISE = 0.1;
/**
 * Nodes a container's chains may move it to: its cheapest allowed ones. On Yagiura e801600, from the priced plan,
 * 40 reach 177 046 in 12 s where 20 reach 178 526 (and 8 reach 186 000 in 20 s); on d40400, 24 431 in 7 s against
 * 24 565.
 */
const CANDIDATES = 40;
/**
 * The improvement graph's size at most (containers × candidate nodes × containers per node): a step costs about
 * 30 ms at 1 280 000 arcs (80 × 1600), and larger models are left to the other searches.
 */
export const CHAIN_MAX_ARCS = 4_000_000;

function stateOf(d: Data, plan: Int32Array): State {
  const load = new Float64Array(d.K * d.n);
  let cost = 0;
  for (let j = 0; j < d.m; j++) {
    const i = plan[j]!;
    cost += d.cost[i * d.m + j]!;
    for (let k = 0; k < d.K; k++) load[k * d.n + i]! += d.dem[k * d.n * d.m + i * d.m + j]!;
  }
  return { plan, load, cost };
}

function shift(d: Data, s: State, j: number, to: number): void {
  const { n, m, K } = d;
  const from = s.plan[j]!;
  for (let k = 0; k < K; k++) {
    s.load[k * n + from]! -= d.dem[k * n * m + from * m + j]!;
    s.load[k * n + to]! += d.dem[k * n * m + to * m + j]!;
  }
  s.cost += d.cost[to * m + j]! - d.cost[from * m + j]!;
  s.plan[j] = to;
}

/**
 * The improvement graph, sparse: container j may move only to its `width` cheapest allowed nodes (all of them on
 * small models), so a step costs m · width · (m / n) arcs rather than m². Arrays are allocated once per search.
 */
interface Scratch {
  readonly width: number;
  /** cand[j * width + t]: j's t-th cheapest allowed node; candCount[j] of them. */
  readonly cand: Int32Array;
  readonly candCount: Int32Array;
  /** The containers on each node, rebuilt per step: onItems[onStart[i] .. onStart[i + 1]). */
  readonly onStart: Int32Array;
  readonly onItems: Int32Array;
  /** Arcs out of j at arcStart[j] .. arcStart[j + 1]: to container arcTo[a] (j takes its place), change arcVal[a]. */
  readonly arcStart: Int32Array;
  arcTo: Int32Array;
  arcVal: Float64Array;
  /** shiftVal[j * width + t]: change when j moves to cand[j * width + t] and nothing leaves it (Infinity: its own). */
  readonly shiftVal: Float64Array;
  /**
   * Labels per level: value[l * m + j] is the best gaining partial chain of l + 1 containers ending at j, pred[l * m +
   * j] the container before j in it.
   */
  readonly value: Float64Array;
  readonly pred: Int32Array;
}

function scratchFor(d: Data): Scratch {
  const { n, m, cost, blocked } = d;
  const width = Math.min(n, CANDIDATES);
  const cand = new Int32Array(m * width);
  const candCount = new Int32Array(m);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let j = 0; j < m; j++) {
    const allowed = order.filter((i) => !blocked || blocked[i * m + j] === 0);
    allowed.sort((a, b) => cost[a * m + j]! - cost[b * m + j]! || a - b);
    const take = Math.min(width, allowed.length);
    for (let t = 0; t < take; t++) cand[j * width + t] = allowed[t]!;
    candCount[j] = take;
  }
  return {
    width,
    cand,
    candCount,
    onStart: new Int32Array(n + 1),
    onItems: new Int32Array(m),
    arcStart: new Int32Array(m + 1),
    arcTo: new Int32Array(m * width),
    arcVal: new Float64Array(m * width),
    shiftVal: new Float64Array(m * width),
    value: new Float64Array(MAX_LENGTH * m),
    pred: new Int32Array(MAX_LENGTH * m),
  };
}

/** Penalty change on node i when item `out` (or none, -1) leaves and `into` (or none) arrives. */
type PenaltyChange = (i: number, out: number, into: number) => number;

/** The penalty change under `price` (K * n) times the excess over capacity in units of mean demand (`unit`). */
function penaltyChange(d: Data, s: State, price: Float64Array, unit: Float64Array): PenaltyChange {
  const { n, m, K, cap, dem } = d;
  const { load } = s;
  const nm = n * m;
  return (i, out, into) => {
    let e = 0;
    for (let k = 0; k < K; k++) {
      const l = load[k * n + i]!;
      const next = l - (out >= 0 ? dem[k * nm + i * m + out]! : 0) + (into >= 0 ? dem[k * nm + i * m + into]! : 0);
      const c = cap[k * n + i]!;
      const before = l > c ? l - c : 0;
      const after = next > c ? next - c : 0;
      if (after !== before) e += price[k * n + i]! * unit[k]! * (after - before);
    }
    return e;
  };
}

/** The prices of excess, per node and resource, and the penalty change they make. */
interface Prices {
  readonly price: Float64Array;
  readonly unit: Float64Array;
  readonly change: PenaltyChange;
}

/** Lists the containers on each node. */
function fillNodes(d: Data, plan: Int32Array, { onStart, onItems }: Scratch): void {
  onStart.fill(0);
  for (let j = 0; j < d.m; j++) onStart[plan[j]! + 1]!++;
  for (let i = 0; i < d.n; i++) onStart[i + 1]! += onStart[i]!;
  const next = onStart.slice(0, d.n);
  for (let j = 0; j < d.m; j++) onItems[next[plan[j]!]!++] = j;
}

/** Fills the improvement graph's arcs and the shift costs for the current plan and prices. */
function fillArcs(d: Data, s: State, sc: Scratch, prices: Prices): void {
  const { m, K, cost, cap, dem } = d;
  const { plan, load } = s;
  const { price, change } = prices;
  const unit0 = prices.unit[0]!;
  const { width, cand, candCount, onStart, onItems, arcStart, shiftVal } = sc;
  fillNodes(d, plan, sc);
  let a = 0;
  for (let j = 0; j < m; j++) {
    const from = plan[j]!;
    const here = cost[from * m + j]!;
    arcStart[j] = a;
    for (let t = 0; t < candCount[j]!; t++) {
      const i = cand[j * width + t]!;
      if (i === from) {
        shiftVal[j * width + t] = Infinity;
        continue;
      }
      const move = cost[i * m + j]! - here;
      shiftVal[j * width + t] = move + change(i, -1, j);
      const end = onStart[i + 1]!;
      if (a + end - onStart[i]! > sc.arcTo.length) grow(sc, a + end - onStart[i]!);
      const { arcTo, arcVal } = sc;
      if (K === 1) {
        // The common case inlined: one resource.
        const l = load[i]!;
        const c = cap[i]!;
        const was = l > c ? l - c : 0;
        const p = price[i]! * unit0;
        const base = l + dem[i * m + j]! - c;
        for (let x = onStart[i]!; x < end; x++) {
          const j2 = onItems[x]!;
          const over = base - dem[i * m + j2]!;
          arcTo[a] = j2;
          arcVal[a++] = move + p * ((over > 0 ? over : 0) - was);
        }
      } else
        for (let x = onStart[i]!; x < end; x++) {
          const j2 = onItems[x]!;
          arcTo[a] = j2;
          arcVal[a++] = move + change(i, j2, j);
        }
    }
  }
  arcStart[m] = a;
}

function grow(sc: Scratch, needed: number): void {
  const size = Math.max(needed, 2 * sc.arcTo.length);
  const to = new Int32Array(size);
  to.set(sc.arcTo);
  const val = new Float64Array(size);
  val.set(sc.arcVal);
  sc.arcTo = to;
  sc.arcVal = val;
}

/** The label search over the filled arcs: the partial chains, and the best closed chain found so far. */
class ChainLabels {
  private best: Chain | null = null;
  private bestGain = -EPS;
  private readonly m: number;

  constructor(
    private readonly d: Data,
    private readonly plan: Int32Array,
    private readonly scratch: Scratch,
    private readonly change: PenaltyChange,
  ) {
    this.m = d.m;
  }

  /** The best gaining chain of at most MAX_LENGTH containers, or null when none gains. */
  search(): Chain | null {
    const { m, plan } = this;
    const { value, pred, arcStart, arcTo, arcVal } = this.scratch;
    // A chain's first node only loses its container, which may lower its penalty.
    value.fill(Infinity);
    for (let j = 0; j < m; j++) {
      value[j] = this.change(plan[j]!, j, -1);
      this.close(0, j);
    }
    for (let level = 1; level < MAX_LENGTH; level++) {
      const here = level * m;
      const prev = here - m;
      let any = false;
      for (let j = 0; j < m; j++) {
        const base = value[prev + j]!;
        if (base === Infinity) continue;
        for (let a = arcStart[j]!, end = arcStart[j + 1]!; a < end; a++) {
          const j2 = arcTo[a]!;
          const v = base + arcVal[a]!;
          if (v >= -EPS || v >= value[here + j2]! || this.inChain(level - 1, j, plan[j2]!)) continue;
          value[here + j2] = v;
          pred[here + j2] = j;
          any = true;
        }
      }
      if (!any) break;
      for (let j2 = 0; j2 < m; j2++) if (value[here + j2]! !== Infinity) this.close(level, j2);
    }
    return this.best;
  }

  private chainOf(level: number, j: number): number[] {
    const items = [j];
    for (let l = level, x = j; l > 0; l--) {
      x = this.scratch.pred[l * this.m + x]!;
      items.push(x);
    }
    return items.reverse();
  }

  private inChain(level: number, j: number, i: number): boolean {
    for (let l = level, x = j; ; l--) {
      if (this.plan[x] === i) return true;
      if (l === 0) return false;
      x = this.scratch.pred[l * this.m + x]!;
    }
  }

  /** Closes the partial chain ending at j: as a cycle back to its first node, or to the best node outside. */
  private close(level: number, j: number): void {
    const { m, plan, d } = this;
    const { value, pred, width, cand, candCount, shiftVal } = this.scratch;
    const v = value[level * m + j]!;
    if (level > 0) {
      // The last container takes the first one's place (the first node's loss becomes an exchange).
      let first = j;
      for (let l = level; l > 0; l--) first = pred[l * m + first]!;
      const i = plan[first]!;
      if (!d.blocked || d.blocked[i * m + j] === 0) {
        const a = d.cost[i * m + j]! - d.cost[plan[j]! * m + j]! + this.change(i, first, j);
        this.offer(v - this.change(i, first, -1) + a, level, j, -1);
      }
    }
    let node = -1;
    let out = Infinity;
    for (let t = 0; t < candCount[j]!; t++) {
      const x = shiftVal[j * width + t]!;
      const i = cand[j * width + t]!;
      if (x < out && !this.inChain(level, j, i)) {
        node = i;
        out = x;
      }
    }
    if (node >= 0) this.offer(v + out, level, j, node);
  }

  private offer(gain: number, level: number, j: number, end: number): void {
    if (gain >= this.bestGain - EPS) return;
    this.bestGain = gain;
    this.best = { gain, items: this.chainOf(level, j), end };
  }
}

/**
 * The best gaining chain under the penalised cost: cost plus, per node and resource, `price` (K * n)
 * times the excess over capacity in units of the resource's mean demand (`unit`).
 */
function bestChain(d: Data, s: State, scratch: Scratch, price: Float64Array, unit: Float64Array): Chain | null {
  const change = penaltyChange(d, s, price, unit);
  fillArcs(d, s, scratch, { price, unit, change });
  return new ChainLabels(d, s.plan, scratch, change).search();
}

function apply(d: Data, s: State, chain: Chain): void {
  const { items, end } = chain;
  const targets = items.map((_, t) =>
    t + 1 < items.length ? s.plan[items[t + 1]!]! : end >= 0 ? end : s.plan[items[0]!]!,
  );
  items.forEach((j, t) => shift(d, s, j, targets[t]!));
}

function fitsAll(d: Data, s: State): boolean {
  for (let x = 0; x < d.K * d.n; x++) if (s.load[x]! > d.cap[x]! + EPS) return false;
  return true;
}

/** The improvement graph's arcs at most: each container to the containers on its candidate nodes. */
export function chainArcs(model: AssignmentModel): number {
  const n = model.nodes.length;
  const m = model.items.length;
  return m * Math.min(n, CANDIDATES) * Math.ceil(m / Math.max(1, n));
}

/**
 * Whether the ejection-chain search applies: the plain cost models large-neighbourhood search takes (no
 * balance or pack weights, group rules or unplaced containers), on two nodes or more, with an improvement
 * graph of at most CHAIN_MAX_ARCS arcs.
 */
export function chainsApply(model: AssignmentModel): boolean {
  return searchesApply(model) && model.nodes.length >= 2 && chainArcs(model) <= CHAIN_MAX_ARCS;
}

export interface ChainSearchOptions extends SearchOptions {
  /** At most this many chain searches (for reproducible tests; default: until the deadline). */
  readonly maxSteps?: number;
}

/**
 * The best plan that fits found from the complete plan `start` until the deadline (undefined: none better than
 * nothing).
 */
export function chainSearch(
  model: AssignmentModel,
  start: Int32Array,
  options: ChainSearchOptions,
): Int32Array | undefined {
  const d = data(model);
  const { n, m } = d;
  if (start.length !== m || start.some((i) => i < 0 || i >= n)) return undefined;
  const sign = senseSign(model.sense);
  const rand = seededRandom(options.seed ?? 20040601);
  const unit = meanDemandUnits(d);
  const price = new Float64Array(d.K * n).fill(initialPrice(d));
  const scratch = scratchFor(d);
  const s = stateOf(d, start.slice());
  let best: State | undefined;
  const record = (): void => {
    if (fitsAll(d, s) && (!best || s.cost < best.cost - EPS)) {
      best = { plan: s.plan.slice(), load: s.load.slice(), cost: s.cost };
      options.onImprove?.(best.plan.slice(), sign * best.cost);
    }
  };
  record();
  let lastPoll = Date.now();
  for (let step = 0; step < (options.maxSteps ?? Infinity) && Date.now() < options.deadline; step++) {
    if (options.poll && Date.now() - lastPoll >= 200) {
      lastPoll = Date.now();
      best = adopt(d, s, options.poll(), best);
    }
    const chain = bestChain(d, s, scratch, price, unit);
    if (chain) {
      apply(d, s, chain);
      record();
    } else reprice(d, s, price, rand);
  }
  return best?.plan;
}

/** Per resource, the reciprocal of the mean demand (0 when nothing demands it): the unit of excess. */
function meanDemandUnits(d: Data): Float64Array {
  const { n, m, K } = d;
  const unit = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let x = 0; x < n * m; x++) sum += d.dem[k * n * m + x]!;
    unit[k] = sum > 0 ? (n * m) / sum : 0;
  }
  return unit;
}

/** The starting price of excess: half the spread of the allowed costs. */
function initialPrice(d: Data): number {
  let cmin = Infinity;
  let cmax = -Infinity;
  for (let x = 0; x < d.n * d.m; x++) {
    if (d.blocked && d.blocked[x] !== 0) continue;
    cmin = Math.min(cmin, d.cost[x]!);
    cmax = Math.max(cmax, d.cost[x]!);
  }
  return Math.max(1e-6, (cmax - cmin) / 2);
}

/** Moves the search to another search's plan when it fits and beats the best so far; returns the best. */
function adopt(d: Data, s: State, other: Int32Array | undefined, best: State | undefined): State | undefined {
  if (!other || other.length !== d.m || other.some((i) => i < 0 || i >= d.n)) return best;
  const o = stateOf(d, other.slice());
  if (!fitsAll(d, o) || (best && o.cost >= best.cost - EPS)) return best;
  for (let j = 0; j < d.m; j++) if (s.plan[j] !== other[j]) shift(d, s, j, other[j]!);
  return { plan: o.plan, load: o.load, cost: o.cost };
}

/** At a penalised local optimum: raise the prices of overloaded nodes, or lower all when the plan fits. */
function reprice(d: Data, s: State, price: Float64Array, rand: () => number): void {
  const size = d.K * d.n;
  let worst = 0;
  for (let x = 0; x < size; x++) worst = Math.max(worst, s.load[x]! - d.cap[x]!);
  for (let x = 0; x < size; x++) {
    price[x]! *= 1 + NOISE * (rand() - 0.5);
    const over = s.load[x]! - d.cap[x]!;
    if (worst <= EPS) price[x]! *= 1 - PRICE_DOWN;
    else if (over > EPS) price[x]! *= 1 + PRICE_UP * (over / worst);
  }
}
