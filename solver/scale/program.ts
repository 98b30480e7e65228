import { preferenceWeightOf, type AssignmentModel, type ResourceTable } from '../../models/model.js';
import { rowScale, type Row } from '../ip.js';
import type { LinearProgram } from '../lpformat.js';
import type { AggregateRows } from '../../models/rules/kind.js';
import { scaleKindOf } from '../../models/rules/registry.js';
import type { Aggregate } from './aggregate.js';
import { TINY_COEFFICIENT } from '../formulate.js';

/**
 * The aggregate program: y_p (p = a usable (group, class) pair) counts the containers of class c on the
 * nodes of group g. Rows: each class placed once (≤ with unplaced penalties); per group and resource,
 * Σ_c d_ck y_gc ≤ (nodes of g) × cap_gk (× the nodes used z_g for `pack`; ≤ u × that for `balance`); the
 * rules on domain counts. Every plan of the model gives a solution of the same objective (for balance, one
 * not above it), so any lower bound of this program — its LP relaxation, HiGHS's dual bound — is a valid
 * bound for the model. Its LP relaxation is the LP relaxation of the per-node model (identical nodes are
 * interchangeable there), at the size of groups × classes.
 */
export interface ScaleProgram extends LinearProgram {
  /** Variables 0..pairs−1 are the y_p, in the aggregate's pair order; then z_g (pack), u (balance), rule variables. */
  readonly pairs: number;
  /** z_g's variable per group (−1 without pack). */
  readonly used: Int32Array;
  /** Model objective = program objective + offset (the unplaced penalties of every container). */
  readonly offset: number;
}

class Builder {
  readonly cost: number[] = [];
  readonly upper: number[] = [];
  readonly continuous: number[] = [];
  readonly rows: Row[] = [];

  variable(cost: number, upper: number, integer = true): number {
    const v = this.cost.length;
    this.cost.push(cost);
    this.upper.push(upper);
    if (!integer) this.continuous.push(v);
    return v;
  }

  row(name: string, kind: Row['kind'], terms: Map<number, number>, op: 'le' | 'eq', rhs: number): void {
    if (terms.size === 0) return;
    const vars = Int32Array.from(terms.keys());
    const coefs = Float64Array.from(terms.values());
    this.rows.push({ name, kind, op, rhs, vars, coefs });
  }
}

/** The weights of the objective's parts (cost alone without options). */
const weightsOf = (model: AssignmentModel): { cost: number; pack: number; balance: number } =>
  model.objective ?? { cost: 1, pack: 0, balance: 0 };

export function scaleProgram(model: AssignmentModel, agg: Aggregate): ScaleProgram {
  const b = new Builder();
  const w = weightsOf(model);
  let offset = 0;
  const soft = preferenceWeightOf(model);
  for (const p of agg.pairs)
    b.variable(w.cost * p.cost + soft * p.prefer - (agg.classes[p.c]!.penalty ?? 0), agg.classes[p.c]!.items.length);
  agg.classes.forEach((cl) => (offset += (cl.penalty ?? 0) * cl.items.length));
  const byClass = agg.classes.map(() => [] as number[]);
  const byGroup = agg.groups.map(() => [] as number[]);
  agg.pairs.forEach((p, v) => {
    byClass[p.c]!.push(v);
    byGroup[p.g]!.push(v);
  });
  agg.classes.forEach((cl, c) => {
    const terms = new Map(byClass[c]!.map((v) => [v, 1]));
    b.row(`assign${c}`, 'assign', terms, cl.penalty === undefined ? 'eq' : 'le', cl.items.length);
  });
  const used = capacityRows(b, model, agg, byGroup, w);
  roundingRows(b, model, agg, byGroup, used, w.cost);
  const port = ruleRowsPort(model, b, agg, byGroup, used);
  for (const [r, rule] of agg.rules.entries()) scaleKindOf(rule).rows(rule, port, r);
  return {
    sense: 'min',
    varCost: Float64Array.from(b.cost),
    varUpper: Float64Array.from(b.upper),
    rows: b.rows,
    continuous: b.continuous,
    pairs: agg.pairs.length,
    used,
    offset,
  };
}

/** Capacity per group and resource; z_g for pack (and its link for containers requesting nothing); u for balance. */
function capacityRows(
  b: Builder,
  model: AssignmentModel,
  agg: Aggregate,
  byGroup: readonly number[][],
  w: { pack: number; balance: number },
): Int32Array {
  const used = new Int32Array(agg.groups.length).fill(-1);
  const u = w.balance > 0 ? b.variable(w.balance, 1, false) : -1;
  const balanced = new Set(model.objective?.balanceResources ?? []);
  agg.groups.forEach((gr, g) => {
    const size = gr.nodes.length;
    if (w.pack > 0) used[g] = b.variable(w.pack * gr.price, size);
    gr.capacity.forEach((cap, k) => {
      const s = rowScale(cap);
      const terms = new Map<number, number>();
      let most = 0;
      for (const v of byGroup[g]!) {
        const cl = agg.classes[agg.pairs[v]!.c]!;
        const d = cl.demand[k]!;
        // As in the per-node rows (solver/formulate.ts): coefficients under the solvers' tolerances are left out.
        if (d > 0 && d * s >= TINY_COEFFICIENT) terms.set(v, d * s);
        most += d * cl.items.length;
      }
      if (terms.size === 0) return;
      const total = gr.total[k]!;
      if (used[g]! >= 0) b.row(`cap${g}_${k}`, 'pack', new Map([...terms, [used[g]!, -cap * s]]), 'le', 0);
      else if (most > total) b.row(`cap${g}_${k}`, 'capacity', terms, 'le', total * s);
      if (u >= 0 && balanced.has(k) && cap > 0)
        b.row(`bal${g}_${k}`, 'balance', new Map([...terms, [u, -total * s]]), 'le', 0);
    });
    if (used[g]! >= 0) {
      // Containers that request nothing still need a node in use.
      const free = byGroup[g]!.filter((v) => agg.classes[agg.pairs[v]!.c]!.demand.every((d) => d === 0));
      const total = free.reduce((t, v) => t + agg.classes[agg.pairs[v]!.c]!.items.length, 0);
      b.row(`free${g}`, 'pack', new Map([...free.map((v) => [v, 1] as const), [used[g]!, -total]]), 'le', 0);
    }
  });
  return used;
}

/**
 * Valid rows from the integrality on each node: for a request size u of resource k, a node holds
 * Σ_c ⌊d_ck/u⌋ a_c ≤ ⌊cap_k/u⌋ (floor is superadditive), so a group holds at most its nodes (used
 * nodes for pack) times that. Seven 2000m containers fit a 15900m node, not 7.95: without these rows
 * the counts fill groups in a way no packing onto nodes reaches.
 *
 * On a live cluster (cost objective), a node also keeps the room its running containers smaller than u take, less
 * what leaves: ⌊(cap_k − S_k + Σ_leaving d_k)/u⌋ ≤ ⌊(cap_k − S_k)/u⌋ + Σ_leaving min(1, (ρ + d_k)/u), each being
 * smaller than u and ρ the node's room modulo u (nodeRooms). The aggregate counts a move within a group as none, so
 * a leave is a variable of its own, w_r per running class r (its move cost each), beside those moved out of the
 * group (count_r − y_gr): the rows then see that 3 000m free on each of two nodes is no room for a 4 000m container
 * unless something moves, and pays for it.
 */
/** Rounding rows for request sizes of which at most this many fit a node, at most this many sizes per resource. */
const ROUNDING_MAX_PER_NODE = 64;
const ROUNDING_SIZES = 16;

/**
 * How many requests of size u the nodes hold on one resource, each less the room its running `kept` take (those
 * smaller than u); and per running class, the most room any of its nodes has left over whole sizes u (ρ_r, for
 * leaveTerms).
 */
function nodeRooms(
  resource: ResourceTable,
  agg: Aggregate,
  nodes: readonly number[],
  u: number,
  kept?: Running,
): { hold: number; rho: Map<number, number> } {
  let hold = 0;
  const rho = new Map<number, number>();
  for (const i of nodes) {
    const list = kept?.on.get(i) ?? [];
    let room = Number(resource.capacity[i]!);
    for (const j of list) {
      const d = Number(resource.demand[j]!);
      if (d < u) room -= d;
    }
    const whole = Math.floor(room / u);
    hold += whole;
    for (const j of list) rho.set(agg.classOf[j]!, Math.max(rho.get(agg.classOf[j]!) ?? 0, room - u * whole));
  }
  return { hold, rho };
}

function roundingRows(
  b: Builder,
  model: AssignmentModel,
  agg: Aggregate,
  byGroup: readonly number[][],
  used: Int32Array,
  weight: number,
): void {
  const running = used.some((v) => v >= 0) ? undefined : runningOf(model, agg);
  const leaves = new Map<number, number>();
  const leave = (c: number, g: number): number => {
    if (agg.groups[g]!.nodes.length === 1) return -1;
    let v = leaves.get(c);
    if (v === undefined) {
      const j = agg.classes[c]!.items[0]!;
      leaves.set(c, (v = b.variable(weight * (model.cost.moves?.cost[j] ?? 0), agg.classes[c]!.items.length)));
    }
    return v;
  };
  agg.groups.forEach((gr, g) => {
    gr.capacity.forEach((cap, k) => {
      for (const u of roundingSizes(agg, byGroup[g]!, cap, k)) {
        const terms = new Map<number, number>();
        let slack = false;
        for (const v of byGroup[g]!) {
          const d = agg.classes[agg.pairs[v]!.c]!.demand[k]!;
          const q = Math.floor(d / u);
          if (q > 0) terms.set(v, q);
          if (d % u !== 0) slack = true;
        }
        const perNode = Math.floor(cap / u);
        const kept = running?.[g];
        // The capacity row already says it (every node of the group alike).
        if (!slack && !kept && perNode * u === cap && gr.total[k] === cap * gr.nodes.length) continue;
        if (used[g]! >= 0) b.row(`round${g}_${k}_${u}`, 'cut', terms.set(used[g]!, -perNode), 'le', 0);
        else {
          const { hold, rho } = nodeRooms(model.resources[k]!, agg, gr.nodes, u, kept);
          const extra = kept ? leaveTerms(agg, kept, g, k, u, rho, terms, leave) : 0;
          b.row(`round${g}_${k}_${u}`, 'cut', terms, 'le', hold + extra);
        }
      }
    });
  });
}

/** The largest request sizes of resource k in a group of which few fit a node (rounding matters for those alone). */
function roundingSizes(agg: Aggregate, vars: readonly number[], cap: number, k: number): number[] {
  const sizes = new Set<number>();
  for (const v of vars) sizes.add(agg.classes[agg.pairs[v]!.c]!.demand[k]!);
  const large = [...sizes].filter((u) => u > 0 && u <= cap && cap / u <= ROUNDING_MAX_PER_NODE);
  return large.sort((a, b) => b - a).slice(0, ROUNDING_SIZES);
}

/** The running containers of a group's nodes: on each node, and their classes (pinned ones never leave). */
interface Running {
  readonly on: ReadonlyMap<number, readonly number[]>;
  readonly classes: readonly number[];
}

/** Per group, its running containers (undefined for a group that runs none). */
function runningOf(model: AssignmentModel, agg: Aggregate): (Running | undefined)[] {
  const out: { on: Map<number, number[]>; classes: Set<number> }[] = [];
  model.rules?.current.forEach((i, j) => {
    if (i < 0) return;
    const g = agg.groupOf[i]!;
    const r = (out[g] ??= { on: new Map(), classes: new Set() });
    const list = r.on.get(i);
    if (list) list.push(j);
    else r.on.set(i, [j]);
    r.classes.add(agg.classOf[j]!);
  });
  return agg.groups.map((_, g) => out[g] && { on: out[g]!.on, classes: [...out[g]!.classes] });
}

/**
 * A rounding row's terms for the running containers of group g smaller than u on resource k that may leave their
 * node, each leave counting its credit min(1, (ρ_r + d_r)/u): leaves = w_r + count_r − y_gr, moved to the left side
 * (+credit·y_gr, −credit·w_r); returns Σ credit·count_r for the right side. Leaves on a node add ⌊(ρ + Σ d_j)/u⌋ ≤
 * Σ_j min(1, (ρ + d_j)/u) sizes, with ρ its room modulo u (each d_j and ρ below u; ρ_r the most of the class's
 * nodes, nodeRooms): a 1 000m container leaving a node with 2 250m free opens no 4 000m.
 */
function leaveTerms(
  agg: Aggregate,
  kept: Running,
  g: number,
  k: number,
  u: number,
  rho: ReadonlyMap<number, number>,
  terms: Map<number, number>,
  leave: (c: number, g: number) => number,
): number {
  let extra = 0;
  for (const c of kept.classes) {
    const cl = agg.classes[c]!;
    const d = cl.demand[k]!;
    if (cl.pinned || d <= 0 || d >= u) continue;
    const credit = Math.min(1, ((rho.get(c) ?? 0) + d) / u);
    extra += credit * cl.items.length;
    const v = agg.pairAt(g, c);
    if (v >= 0) terms.set(v, credit);
    const w = leave(c, g);
    if (w >= 0) terms.set(w, -credit);
  }
  return extra;
}

/** Σ y over the given groups and classes, as row terms. */
function countTerms(
  agg: Aggregate,
  byGroup: readonly number[][],
  groups: readonly number[],
  classes: ReadonlySet<number>,
  into = new Map<number, number>(),
  coef = 1,
): Map<number, number> {
  for (const g of groups) {
    const vars = byGroup[g]!;
    if (vars.length <= classes.size) {
      for (const v of vars) if (classes.has(agg.pairs[v]!.c)) into.set(v, coef);
      continue;
    }
    // A rule's few classes on a group of thousands of pairs: looked up, in the group's (ascending) order.
    const found: number[] = [];
    for (const c of classes) {
      const v = agg.pairAt(g, c);
      if (v >= 0) found.push(v);
    }
    for (const v of found.sort((x, y) => x - y)) into.set(v, coef);
  }
  return into;
}

/** The aggregate program as each rule kind's scale part writes its rows into it (models/rules/kind.ts). */
function ruleRowsPort(
  model: AssignmentModel,
  b: Builder,
  agg: Aggregate,
  byGroup: readonly number[][],
  used: Int32Array,
): AggregateRows {
  return {
    agg,
    variable: (cost, upper, integer) => b.variable(cost, upper, integer),
    preferenceWeight: preferenceWeightOf(model),
    used: (g) => (used[g]! >= 0 ? used[g] : undefined),
    row: (name, terms, op, rhs) => b.row(name, 'rule', terms, op, rhs),
    count: (groups, classes, into, coef) => countTerms(agg, byGroup, groups, classes, into, coef),
  };
}
