import type { AssignmentModel } from '../../models/model.js';
import type { NodeLimit } from '../../models/rules/kind.js';
import { scaleKindOf } from '../../models/rules/registry.js';
import type { Engine, HeldProgram, Solution } from '../backends/engine.js';
import type { LinearProgram } from '../lpformat.js';
import { TIME } from '../strategy.js';
import type { Aggregate } from './aggregate.js';
import type { ScaleProgram } from './program.js';

/**
 * The pattern formulation (Gilmore–Gomory) by column generation. A pattern of group g is what one node of
 * g holds: a_c containers of each class c, within the node's capacity and the rules between single nodes.
 * x_gp counts the nodes of g given pattern p. The master keeps the aggregate program's class and rule
 * rows (y_gc = Σ_p a_pc x_gp) and Σ_p x_gp ≤ |g|; capacity is in the patterns themselves, so an integer
 * master is a plan node by node. Pricing, per group: the pattern of least reduced cost, a bounded
 * multi-dimensional knapsack (exact by branch and bound for few classes, greedy otherwise). At every
 * iteration z_master + Σ_g |g| · min(0, least reduced cost bound) is a valid lower bound (Lagrangian), and
 * the Dantzig–Wolfe bound itself once exact pricing finds no column.
 */
export interface PatternHooks {
  bound(bound: number, method: string): void;
  plan(assignment: Int32Array): number | undefined;
}

interface Pattern {
  readonly g: number;
  /** (class, count) pairs. */
  readonly take: readonly (readonly [number, number])[];
}

/** Classes from which pricing is exact (branch and bound); above, a greedy. */
const EXACT_PRICING_CLASSES = 160;
const EXACT_PRICING_NODES = 200_000;
const MIN_REDUCED_COST = 1e-7;

/**
 * Patterns for `pack` (where the aggregate's counts pack worst: the nodes used are what is optimised); the
 * cost objective keeps the aggregate's branch and bound for its whole time, which measured better.
 */
export function patternsApply(model: AssignmentModel, agg: Aggregate): boolean {
  const w = model.objective;
  // A pattern is one node's mix, dealt to any node of its group: not where a group's nodes run containers that
  // stay, or that may move (a pattern would move them within the group, at their move cost).
  const running = agg.classes.some((cl) => cl.current >= 0 && agg.groups[cl.current]!.nodes.length > 1);
  const exact = agg.rules.every((r) => scaleKindOf(r).inPatterns && !scaleKindOf(r).stricter?.(r));
  return !!w && w.pack > 0 && w.balance === 0 && !running && exact;
}

export function patternSearch(
  engine: Engine,
  model: AssignmentModel,
  agg: Aggregate,
  prog: ScaleProgram,
  start: Int32Array,
  deadline: number,
  hooks: PatternHooks,
  lower?: number,
): { readonly converged: boolean; readonly columns: number } {
  const master = seededMaster(model, agg, prog, start);
  const every = everyPattern(master, patternLimits.enumerate);
  if (every) for (const p of every) if (!master.seen.has(patternKey(p))) master.add(p);
  const lp = engine.hold(master.program());
  const share = TIME.scale.patterns;
  const until = (f: number): number => Date.now() + f * (deadline - Date.now());
  try {
    if (every) return completeMaster(lp, master, start, deadline, hooks);
    if (lower !== undefined && fullBins(engine, master, lower, start, until(share.fullBins), hooks))
      return { converged: false, columns: master.patterns.length };
    const cg = generate(lp, master, until(share.generate), hooks);
    const before = master.patterns.length;
    if (diveApplies(master)) {
      const quick = dive(engine, master, until(share.dive), hooks);
      // Short of the bound: a careful dive with more of the time.
      if (!quick || quick.objective === undefined || quick.objective > Math.ceil(cg.bound - 1e-6))
        dive(engine, master, until(share.carefulDive), hooks, true);
    }
    // The dive's columns join the master for its integer solve.
    for (const p of master.patterns.slice(before)) {
      const col = master.column(p);
      lp.addColumn(col.cost, col.upper, col.rows, col.values);
    }
    integerMaster(lp, master, start, deadline, (a) => hooks.plan(a));
    return { converged: cg.converged, columns: master.patterns.length };
  } finally {
    lp.dispose();
  }
}

/** The master with the start plan's patterns, and one container alone on a node of its first group (so a
 * dive's residual always has a solution). */
function seededMaster(model: AssignmentModel, agg: Aggregate, prog: ScaleProgram, start: Int32Array): Master {
  const master = new Master(model, agg, prog);
  for (const p of patternsOf(agg, start)) master.add(p);
  const singles = new Set<number>();
  for (const p of agg.pairs) {
    if (singles.has(p.c)) continue;
    singles.add(p.c);
    const single: Pattern = { g: p.g, take: [[p.c, 1]] };
    if (!master.seen.has(patternKey(single))) master.add(single);
  }
  return master;
}

/**
 * Column generation until `until`: the master's LP, then each group's pattern of least reduced cost, as
 * columns. Converged (the Dantzig–Wolfe bound) only when a round priced every group exactly and found none.
 */
function generate(
  lp: HeldProgram,
  master: Master,
  until: number,
  hooks: PatternHooks,
): { converged: boolean; bound: number } {
  let bound = -Infinity;
  while (Date.now() < until) {
    const s = lp.solve({ timeLimitMs: until - Date.now() });
    if (s.status !== 'optimal') break;
    const z = s.objective! + master.prog.offset;
    const { columns, lagrangian, exact } = master.price(s.rowDual!, until);
    bound = Math.max(bound, z + lagrangian);
    hooks.bound(z + lagrangian, 'patterns (Lagrangian)');
    if (columns.length === 0) return { converged: exact, bound };
    for (const p of columns) {
      const col = master.add(p);
      lp.addColumn(col.cost, col.upper, col.rows, col.values);
    }
  }
  return { converged: false, bound };
}

/**
 * Most patterns enumerated outright (every pattern of every group: the master is then exact). Mutable for
 * the tests, which set it to 0 to take the search past it on instances small enough for brute force.
 */
export const patternLimits = { enumerate: 60_000 };

/** Steps of a walk over patterns (every pattern, or those of little waste) before it gives up. */
const WALK_STEPS = 5_000_000;

/**
 * Depth-first over the patterns of group g: its classes in order, each taken 1.. as many as fit (capacity
 * and single-node rules). `visit` sees each non-empty pattern's counts and the node's room left, and
 * returns false to stop; the walk stops too when `budget.steps` runs out. False when it stopped.
 */
function walkPatterns(
  master: Master,
  g: number,
  budget: { steps: number },
  visit: (take: readonly (readonly [number, number])[], room: Float64Array) => boolean,
): boolean {
  const classes = [...master.agg.classes.keys()].filter((c) => master.pair(g, c) >= 0);
  const space = new NodeSpace(master.agg, g, master.caps);
  const take: [number, number][] = [];
  const walk = (from: number): boolean => {
    for (let t = from; t < classes.length; t++) {
      const c = classes[t]!;
      if (--budget.steps < 0) return false;
      const most = space.fits(c);
      for (let a = 1; a <= most; a++) {
        space.add(c, 1);
        take.push([c, a]);
        if (!visit(take, space.room)) return false;
        const ok = walk(t + 1);
        take.pop();
        if (!ok) return false;
      }
      space.add(c, -most);
    }
    return true;
  };
  return walk(0);
}

const copyOf = (take: readonly (readonly [number, number])[]): (readonly [number, number])[] =>
  take.map(([c, a]) => [c, a] as const);

/**
 * Every non-empty pattern of every group, or undefined when there are more than `limit` (or the walk
 * outgrows its steps).
 */
function everyPattern(master: Master, limit: number): Pattern[] | undefined {
  const out: Pattern[] = [];
  const budget = { steps: WALK_STEPS };
  for (const g of master.agg.groups.keys())
    if (!walkPatterns(master, g, budget, (take) => out.push({ g, take: copyOf(take) }) <= limit)) return undefined;
  return out;
}

/**
 * The master over every pattern is the model itself: its LP is the Dantzig–Wolfe bound, and HiGHS's
 * branch and bound on it, from the start plan, gives plans and a dual bound that are the model's own.
 */
function completeMaster(
  lp: HeldProgram,
  master: Master,
  start: Int32Array,
  deadline: number,
  hooks: PatternHooks,
): { readonly converged: boolean; readonly columns: number } {
  const relaxed = lp.solve({ timeLimitMs: deadline - Date.now() });
  const offset = master.prog.offset;
  const solved = relaxed.status === 'optimal';
  if (solved) hooks.bound(relaxed.objective! + offset, 'every pattern (LP)');
  const dual = integerMaster(lp, master, start, deadline, (a) => hooks.plan(a))?.bound;
  if (dual !== undefined) hooks.bound(dual + offset, 'every pattern (branch and bound)');
  return { converged: solved, columns: master.patterns.length };
}

/** Tries of "B nodes", "B + 1 nodes", … after proofs that fewer cannot hold the containers. */
const FULL_BIN_TRIES = 3;

/**
 * Bin packing proper (one group of identical nodes, the objective their price alone, no rules): a plan of
 * B ≥ ⌈lower⌉ nodes, when fewer is impossible, is optimal, and its nodes leave in all B·cap_k − Σ_j d_jk
 * of each resource k empty, so each of its patterns leaves at most that. The master over every such
 * pattern is exact for "B nodes": HiGHS either finds a plan of B nodes (optimal) or proves there is none
 * (B + 1 is a bound, and B + 1 is tried). True when a plan was proven optimal.
 */
function fullBins(
  engine: Engine,
  outer: Master,
  lower: number,
  start: Int32Array,
  deadline: number,
  hooks: PatternHooks,
): boolean {
  const { model, agg, prog } = outer;
  const w = model.objective;
  if (!w || w.cost !== 0 || agg.groups.length !== 1 || agg.rules.length > 0 || !diveApplies(outer)) return false;
  if (agg.classes.some((cl) => cl.penalty !== undefined)) return false;
  const price = w.pack * agg.groups[0]!.price;
  if (!(price > 0)) return false;
  const first = Math.ceil((lower - prog.offset) / price - 1e-9);
  // Every plan's objective is a whole number of nodes' price.
  hooks.bound(prog.offset + first * price, 'whole nodes');
  for (let bins = first; bins < first + FULL_BIN_TRIES && Date.now() < deadline; bins++) {
    const found = binsOf(engine, outer, bins, start, deadline, hooks);
    if (found !== 'none') return found === 'plan';
    hooks.bound(prog.offset + (bins + 1) * price, `no plan of ${bins} nodes (every pattern of little waste)`);
  }
  return false;
}

/** A plan of `bins` nodes from the patterns of little waste: found, proven impossible, or not settled. */
function binsOf(
  engine: Engine,
  outer: Master,
  bins: number,
  start: Int32Array,
  deadline: number,
  hooks: PatternHooks,
): 'plan' | 'none' | 'open' {
  const { model, agg, prog } = outer;
  const cap = agg.groups[0]!.capacity;
  const slack = cap.map((cp, k) => bins * cp - agg.classes.reduce((t, cl) => t + cl.demand[k]! * cl.items.length, 0));
  if (slack.some((x) => x < 0) || bins > agg.groups[0]!.nodes.length) return 'open';
  const patterns = lowWaste(outer, slack);
  if (!patterns) return 'open';
  if (patterns.length === 0) return 'none'; // B nodes would each leave more than that
  const master = new Master(model, agg, prog);
  for (const p of patterns) master.add(p);
  const lp = engine.hold(master.program());
  try {
    const s = integerMaster(lp, master, start, deadline, (a) => hooks.plan(a));
    const price = (model.objective?.pack ?? 0) * agg.groups[0]!.price;
    // Infeasible, or optimal above B nodes: no plan of B nodes exists.
    if (s?.status === 'infeasible' || (s?.status === 'optimal' && s.objective! > bins * price + 1e-6)) return 'none';
    return s?.status === 'optimal' && s.bound !== undefined ? 'plan' : 'open';
  } finally {
    lp.dispose();
  }
}

/** Every pattern of the one group leaving at most slack_k of each resource, or undefined past the walk's budget. */
function lowWaste(master: Master, slack: Float64Array): Pattern[] | undefined {
  const out: Pattern[] = [];
  const full = (room: Float64Array): boolean => room.every((r, k) => r <= slack[k]!);
  const walked = walkPatterns(master, 0, { steps: WALK_STEPS }, (take, room) => {
    if (full(room)) out.push({ g: 0, take: copyOf(take) });
    return true;
  });
  return walked ? out : undefined;
}

/** The master: the aggregate's class and rule rows over pattern columns (and its own auxiliary columns). */
class Master {
  readonly patterns: Pattern[] = [];
  readonly seen = new Set<string>();
  readonly rows: { op: 'le' | 'eq'; rhs: number }[] = [];
  /** Per pair of the aggregate: its (master row, coefficient) entries. */
  readonly pairRows: [number, number][][];
  readonly convexity: number[];
  readonly aux: { cost: number; upper: number; rows: number[]; values: number[]; integer: boolean }[] = [];
  readonly exact: boolean;
  /** Containers of each class still to place (a dive lowers them). */
  readonly caps: Int32Array;
  /** The master row of each class's assignment. */
  readonly assignRow: Int32Array;

  constructor(
    readonly model: AssignmentModel,
    readonly agg: Aggregate,
    readonly prog: ScaleProgram,
  ) {
    this.pairRows = agg.pairs.map(() => []);
    this.caps = Int32Array.from(agg.classes, (cl) => cl.items.length);
    this.assignRow = new Int32Array(agg.classes.length).fill(-1);
    const auxOf = new Map<number, number>();
    const used = new Set(prog.used);
    const continuous = new Set(prog.continuous);
    for (const row of prog.rows) {
      if (row.kind !== 'assign' && row.kind !== 'rule') continue;
      const r = this.rows.push({ op: row.op, rhs: row.rhs }) - 1;
      if (row.kind === 'assign') this.assignRow[Number(row.name.slice('assign'.length))] = r;
      row.vars.forEach((v, t) => {
        if (v < prog.pairs) return void this.pairRows[v]!.push([r, row.coefs[t]!]);
        if (used.has(v)) return;
        let a = auxOf.get(v);
        if (a === undefined) {
          a =
            this.aux.push({
              cost: prog.varCost[v]!,
              upper: prog.varUpper[v]!,
              rows: [],
              values: [],
              integer: !continuous.has(v),
            }) - 1;
          auxOf.set(v, a);
        }
        this.aux[a]!.rows.push(r);
        this.aux[a]!.values.push(row.coefs[t]!);
      });
    }
    this.convexity = agg.groups.map((gr) => this.rows.push({ op: 'le', rhs: gr.nodes.length }) - 1);
    this.exact = agg.classes.length <= EXACT_PRICING_CLASSES;
  }

  pair(g: number, c: number): number {
    return this.agg.pairAt(g, c);
  }

  /** A pattern's column: its cost, bound and row entries. */
  column(p: Pattern): { cost: number; upper: number; rows: Int32Array; values: Float64Array } {
    const w = this.model.objective ?? { pack: 0 };
    let cost = p.take.length > 0 ? w.pack * this.agg.groups[p.g]!.price : 0;
    const entries = new Map<number, number>([[this.convexity[p.g]!, 1]]);
    for (const [c, a] of p.take) {
      const v = this.pair(p.g, c);
      cost += a * this.prog.varCost[v]!;
      for (const [r, coef] of this.pairRows[v]!) entries.set(r, (entries.get(r) ?? 0) + a * coef);
    }
    return {
      cost,
      upper: this.agg.groups[p.g]!.nodes.length,
      rows: Int32Array.from(entries.keys()),
      values: Float64Array.from(entries.values()),
    };
  }

  add(p: Pattern): ReturnType<Master['column']> {
    this.patterns.push(p);
    this.seen.add(patternKey(p));
    return this.column(p);
  }

  /** The whole master as a program: auxiliary columns first, then one column per pattern. */
  program(): LinearProgram {
    const cols = [
      ...this.aux.map((a) => ({ ...a, rows: Int32Array.from(a.rows), values: Float64Array.from(a.values) })),
      ...this.patterns.map((p) => this.column(p)),
    ];
    const byRow = this.rows.map(() => ({ vars: [] as number[], coefs: [] as number[] }));
    cols.forEach((col, v) =>
      col.rows.forEach((r, t) => (byRow[r]!.vars.push(v), byRow[r]!.coefs.push(col.values[t]!))),
    );
    return {
      sense: 'min',
      varCost: Float64Array.from(cols, (c) => c.cost),
      varUpper: Float64Array.from(cols, (c) => c.upper),
      continuous: cols.map((_, v) => v),
      rows: this.rows.map((r, k) => ({
        name: `m${k}`,
        kind: 'rule' as const,
        op: r.op,
        rhs: r.rhs,
        vars: Int32Array.from(byRow[k]!.vars),
        coefs: Float64Array.from(byRow[k]!.coefs),
      })),
    };
  }

  /** New columns of negative reduced cost, and Σ_g |g| · min(0, a lower bound on the least reduced cost). */
  price(dual: Float64Array, deadline: number): { columns: Pattern[]; lagrangian: number; exact: boolean } {
    const columns: Pattern[] = [];
    let lagrangian = 0;
    let exact = true;
    const w = this.model.objective ?? { pack: 0 };
    this.agg.groups.forEach((gr, g) => {
      const profit = new Map<number, number>();
      for (const c of this.agg.classes.keys()) {
        const v = this.pair(g, c);
        if (v < 0) continue;
        let rc = this.prog.varCost[v]!;
        for (const [r, coef] of this.pairRows[v]!) rc -= dual[r]! * coef;
        if (rc < -MIN_REDUCED_COST) profit.set(c, -rc);
      }
      const fixed = w.pack * gr.price - dual[this.convexity[g]!]!;
      const found = bestPattern(this, g, profit, fixed, deadline);
      exact &&= found.exact;
      lagrangian += gr.nodes.length * Math.min(0, fixed - found.bound);
      const p: Pattern = { g, take: found.take };
      if (found.value - fixed > MIN_REDUCED_COST * Math.max(1, Math.abs(fixed)) && !this.seen.has(patternKey(p)))
        columns.push(p);
    });
    return { columns, lagrangian, exact };
  }
}

const patternKey = (p: Pattern): string => `${p.g}:${p.take.map(([c, a]) => `${c}x${a}`).join(',')}`;

/** What each node of a plan holds, as a pattern, node by node. */
function nodePatterns(agg: Aggregate, plan: Int32Array): Pattern[] {
  const onNode = new Map<number, Map<number, number>>();
  plan.forEach((i, j) => {
    if (i < 0) return;
    const m = onNode.get(i) ?? new Map<number, number>();
    onNode.set(i, m);
    const c = agg.classOf[j]!;
    m.set(c, (m.get(c) ?? 0) + 1);
  });
  return [...onNode].map(([i, m]) => ({ g: agg.groupOf[i]!, take: [...m].sort((a, b) => a[0] - b[0]) }));
}

/** The distinct patterns of a plan. */
function patternsOf(agg: Aggregate, plan: Int32Array): Pattern[] {
  return [...new Map(nodePatterns(agg, plan).map((p) => [patternKey(p), p])).values()];
}

/**
 * The pattern of group g with the most profit (Σ profit_c a_c), its value, and an upper bound on the best
 * value (the value itself when found exactly; else the least over resources of the fractional knapsack).
 */
function bestPattern(
  master: Master,
  g: number,
  profit: ReadonlyMap<number, number>,
  fixed: number,
  deadline: number,
): { take: [number, number][]; value: number; bound: number; exact: boolean } {
  const items = [...profit.keys()];
  const space = new NodeSpace(master.agg, g, master.caps);
  const bound = fractionalBound(master.agg, g, profit, master.caps);
  if (items.length === 0) return { take: [], value: 0, bound: 0, exact: true };
  const greedy = greedyPattern(master.agg, space, items, profit);
  // The greedy's column when it prices out (cheap); the exact search only to find one it misses, or prove none.
  if (!master.exact || greedy.value - fixed > MIN_REDUCED_COST * Math.max(1, Math.abs(fixed)))
    return { ...greedy, bound, exact: false };
  const exact = branchAndBound(master.agg, space, items, profit, greedy, deadline);
  return exact ? { ...exact, exact: true } : { ...greedy, bound, exact: false };
}

/** A node's room while a pattern is built: capacity per resource and the single-node rules' counters. */
class NodeSpace {
  readonly room: Float64Array;
  /** The single-node rules on this group's nodes (each kind's node check, models/rules/), and their counters. */
  private readonly limits: NodeLimit[] = [];
  private readonly state: Int32Array;
  private readonly at: number[] = [];
  private readonly ruleOf: number[][];

  constructor(
    readonly agg: Aggregate,
    readonly g: number,
    /** How many of each class are still to place (the class sizes, or what a dive leaves). */
    readonly caps: ArrayLike<number>,
  ) {
    this.room = Float64Array.from(agg.groups[g]!.capacity);
    this.ruleOf = agg.classes.map(() => []);
    let slots = 0;
    for (const r of agg.rules) {
      const limit = r.topology?.solo.includes(g) ? scaleKindOf(r).node?.(r) : undefined;
      if (!limit) continue;
      for (const c of r.classes) this.ruleOf[c]!.push(this.limits.length);
      this.limits.push(limit);
      this.at.push(slots);
      slots += limit.slots;
    }
    this.state = new Int32Array(slots);
  }

  /** How many more of class c fit. */
  fits(c: number): number {
    const d = this.agg.classes[c]!.demand;
    let most = this.caps[c]!;
    for (let k = 0; k < d.length; k++) if (d[k]! > 0) most = Math.min(most, Math.floor(this.room[k]! / d[k]!));
    if (!this.agg.classes[c]!.pinned)
      for (const k of this.ruleOf[c]!) most = Math.min(most, this.limits[k]!.room(this.state, this.at[k]!, c));
    return Math.max(0, most);
  }

  add(c: number, a: number): void {
    const d = this.agg.classes[c]!.demand;
    for (let k = 0; k < d.length; k++) this.room[k] = this.room[k]! - a * d[k]!;
    for (const k of this.ruleOf[c]!) this.limits[k]!.add(this.state, this.at[k]!, c, a);
  }
}

/** Size of one container of class c on a node of group g: its largest share of a resource. */
function sizeOf(agg: Aggregate, g: number, c: number): number {
  const cap = agg.groups[g]!.capacity;
  return agg.classes[c]!.demand.reduce((s, d, k) => Math.max(s, cap[k]! > 0 ? d / cap[k]! : 0), 0);
}

function greedyPattern(
  agg: Aggregate,
  space: NodeSpace,
  items: readonly number[],
  profit: ReadonlyMap<number, number>,
): { take: [number, number][]; value: number } {
  const order = [...items].sort(
    (a, b) => profit.get(b)! / (sizeOf(agg, space.g, b) || 1e-9) - profit.get(a)! / (sizeOf(agg, space.g, a) || 1e-9),
  );
  const take: [number, number][] = [];
  let value = 0;
  const room = new NodeSpace(agg, space.g, space.caps);
  for (const c of order) {
    const a = room.fits(c);
    if (a <= 0) continue;
    room.add(c, a);
    take.push([c, a]);
    value += a * profit.get(c)!;
  }
  return { take: take.sort((x, y) => x[0] - y[0]), value };
}

/** min over resources of the fractional knapsack with that resource alone (each is a relaxation). */
function fractionalBound(
  agg: Aggregate,
  g: number,
  profit: ReadonlyMap<number, number>,
  caps: ArrayLike<number>,
): number {
  const cap = agg.groups[g]!.capacity;
  let best = 0;
  for (const [c, p] of profit) best += p * caps[c]!;
  cap.forEach((room, k) => {
    const list = [...profit].map(([c, p]) => ({ p, d: agg.classes[c]!.demand[k]!, n: caps[c]! }));
    list.sort((a, b) => (a.d === 0 ? -1 : b.d === 0 ? 1 : b.p / b.d - a.p / a.d));
    let left = room;
    let value = 0;
    for (const { p, d, n } of list) {
      if (d === 0) {
        value += p * n;
        continue;
      }
      const a = Math.min(n, left / d);
      value += a * p;
      left -= a * d;
      if (left <= 0) break;
    }
    best = Math.min(best, value);
  });
  return best;
}

/** Exact pricing by depth-first branch and bound over counts (few classes); undefined when cut short. */
function branchAndBound(
  agg: Aggregate,
  space: NodeSpace,
  items: readonly number[],
  profit: ReadonlyMap<number, number>,
  start: { take: [number, number][]; value: number },
  deadline: number,
): { take: [number, number][]; value: number; bound: number } | undefined {
  const order = [...items].sort(
    (a, b) => profit.get(b)! / (sizeOf(agg, space.g, b) || 1e-9) - profit.get(a)! / (sizeOf(agg, space.g, a) || 1e-9),
  );
  let best = start;
  let nodes = 0;
  const room = new NodeSpace(agg, space.g, space.caps);
  const chosen: [number, number][] = [];
  // Upper bound from position t: the fractional bound of the classes left, on the room left.
  const rest = (t: number, value: number): number => {
    let ub = value;
    for (let k = t; k < order.length; k++) ub += profit.get(order[k]!)! * room.fits(order[k]!);
    return ub;
  };
  const go = (t: number, value: number): boolean => {
    if (++nodes > EXACT_PRICING_NODES || (nodes % 1024 === 0 && Date.now() > deadline)) return false;
    if (value > best.value)
      best = { take: chosen.map(([c, a]) => [c, a] as [number, number]).sort((x, y) => x[0] - y[0]), value };
    if (t === order.length || rest(t, value) <= best.value + 1e-12) return true;
    const c = order[t]!;
    for (let a = room.fits(c); a >= 0; a--) {
      if (a > 0) {
        room.add(c, a);
        chosen.push([c, a]);
      }
      const ok = go(t + 1, value + a * profit.get(c)!);
      if (a > 0) {
        chosen.pop();
        room.add(c, -a);
      }
      if (!ok) return false;
    }
    return true;
  };
  return go(0, 0) ? { ...best, bound: best.value } : undefined;
}

/**
 * The master with integer columns over the patterns found, from the start plan; its plan is given to `plan`. Its
 * outcome: `bound` is the engine's dual bound (master terms; a bound of the model only when every pattern is in the
 * master). Undefined when too little time is left.
 */
function integerMaster(
  lp: HeldProgram,
  master: Master,
  start: Int32Array,
  deadline: number,
  plan: (a: Int32Array) => number | undefined,
): Solution | undefined {
  const ms = deadline - Date.now();
  if (ms < 100) return undefined;
  const total = master.aux.length + master.patterns.length;
  lp.setIntegrality(Array.from({ length: total }, (_, v) => !(v < master.aux.length && !master.aux[v]!.integer)));
  lp.setStart(startValues(master, start));
  const s = lp.solve({ timeLimitMs: ms, mipGap: 1e-6 });
  if (s.x) plan(assignmentOf(master, s.x));
  return s;
}

/** The start plan as master values: its patterns' counts (auxiliary columns from the program's own rule). */
function startValues(master: Master, start: Int32Array): Float64Array {
  const x = new Float64Array(master.aux.length + master.patterns.length);
  const index = new Map(master.patterns.map((p, k) => [patternKey(p), k]));
  for (const p of nodePatterns(master.agg, start)) {
    const k = index.get(patternKey(p));
    if (k !== undefined) x[master.aux.length + k]!++;
  }
  return x;
}

/** Nodes of each group given the integer master's patterns, in node order; containers of each class in order. */
function assignmentOf(master: Master, x: ArrayLike<number>): Int32Array {
  const { agg } = master;
  const plan = new Int32Array(master.model.items.length).fill(-1);
  const nextNode = new Int32Array(agg.groups.length);
  const nextItem = new Int32Array(agg.classes.length);
  master.patterns.forEach((p, k) => {
    const count = Math.round(x[master.aux.length + k] ?? 0);
    for (let t = 0; t < count; t++) {
      const nodes = agg.groups[p.g]!.nodes;
      if (nextNode[p.g]! >= nodes.length) return;
      const i = nodes[nextNode[p.g]!++]!;
      for (const [c, a] of p.take)
        for (let s = 0; s < a && nextItem[c]! < agg.classes[c]!.items.length; s++)
          plan[agg.classes[c]!.items[nextItem[c]!++]!] = i;
    }
  });
  return plan;
}

/** The dive needs only the class and node rows (no rule rows between groups). */
function diveApplies(master: Master): boolean {
  return master.aux.length === 0 && master.rows.length === master.agg.classes.length + master.agg.groups.length;
}

/**
 * Diving (price and commit): on a copy of the master, solve the LP with column generation, commit the
 * pattern with the largest value (its whole part, at least one node), lower what is left to place, and
 * again, until every container is in a committed pattern. The committed nodes are the plan.
 */
function dive(
  engine: Engine,
  master: Master,
  deadline: number,
  hooks: PatternHooks,
  careful = false,
): { plan: Int32Array; objective: number | undefined } | undefined {
  const { agg } = master;
  const nodesLeft = Int32Array.from(agg.groups, (gr) => gr.nodes.length);
  const committed: [number, number][] = [];
  const lp = engine.hold(master.program());
  const caps = master.caps;
  try {
    while (caps.some((c) => c > 0) && Date.now() < deadline) {
      const s = lp.solve({ timeLimitMs: deadline - Date.now() });
      if (s.status !== 'optimal') break;
      const { columns } = master.price(s.rowDual!, deadline);
      for (const p of columns) {
        const col = master.add(p);
        lp.addColumn(col.cost, Math.min(col.upper, nodesLeft[p.g]!), col.rows, col.values);
      }
      if (columns.length > 0) continue;
      // Every pattern the LP uses whole is committed at once (its whole part); else the largest, once.
      const x = s.x!;
      const order = master.patterns.map((_, k) => k).filter((k) => x[k]! > 1e-9);
      order.sort((a, b) => x[b]! - x[a]! || a - b);
      if (order.length === 0) break;
      // Careful: one node of the largest at a time (slower, for packings as tight as triplets).
      const whole = careful ? [] : order.filter((k) => x[k]! >= 1 - 1e-9);
      if (whole.length === 0) commit(master, lp, order[0]!, 1, nodesLeft, committed);
      for (const k of whole) commit(master, lp, k, Math.floor(x[k]! + 1e-9), nodesLeft, committed);
    }
    if (caps.some((c) => c > 0)) return undefined;
    const plan = planOf(master, committed);
    return { plan, objective: hooks.plan(plan) };
  } finally {
    lp.dispose();
    caps.set(Int32Array.from(agg.classes, (cl) => cl.items.length));
  }
}

/** Commits `count` nodes of pattern k (as many as the classes and nodes left allow), and closes what no longer fits. */
function commit(
  master: Master,
  lp: HeldProgram,
  k: number,
  count: number,
  nodesLeft: Int32Array,
  committed: [number, number][],
): void {
  const p = master.patterns[k]!;
  let n = Math.min(count, nodesLeft[p.g]!);
  for (const [c, a] of p.take) n = Math.min(n, Math.floor(master.caps[c]! / a));
  if (n <= 0) return void lp.setColumnBounds(k, 0, 0);
  committed.push([k, n]);
  nodesLeft[p.g]! -= n;
  for (const [c, a] of p.take) {
    master.caps[c]! -= n * a;
    const r = master.assignRow[c]!;
    lp.setRowBounds(r, master.rows[r]!.op === 'eq' ? master.caps[c]! : -Infinity, master.caps[c]!);
  }
  lp.setRowBounds(master.convexity[p.g]!, -Infinity, nodesLeft[p.g]!);
  master.patterns.forEach((q, j) => {
    if (q.g === p.g || q.take.some(([c, a]) => a > master.caps[c]!))
      lp.setColumnBounds(j, 0, q.take.some(([c, a]) => a > master.caps[c]!) ? 0 : nodesLeft[q.g]!);
  });
}

/** Nodes of each group given the committed patterns, in node order; containers of each class in order. */
function planOf(master: Master, committed: readonly [number, number][]): Int32Array {
  const x = new Float64Array(master.aux.length + master.patterns.length);
  for (const [k, n] of committed) x[master.aux.length + k]! += n;
  return assignmentOf(master, x);
}
