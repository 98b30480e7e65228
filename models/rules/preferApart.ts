import { domainIndex, isPinned, type AssignmentModel, type Domains, type GroupRule } from '../model.js';
import { cachedTopology, nsOf, selected, type CompileContext } from './context.js';
import type {
  AggregateRows,
  GreedyState,
  PlanView,
  ProgramRows,
  RuleKind,
  ScaleContext,
  ScaleRuleBase,
  Topology,
} from './kind.js';
import { SCORE_WEIGHTS } from './weights.js';
import { topologyParts } from './kind.js';

/**
 * preferApart: preferred pod anti-affinity. Its violations are the pairs (p, q) of an owner p and another
 * container q that p's term selects, in one domain: Σ_D X_D·Y_D − S_D with X the owners, Y the selected and S
 * the owners that are selected. kube-scheduler's score sums the same pairs as the pods arrive (a running owner's
 * term counts against a pod that arrives beside it). For a self-selecting group (owners = selected), X² − X is
 * convex and its integer points are met by tangent rows P ≥ (2k + 1) X − k(k + 1); otherwise the product of the
 * pending counts is written exactly by the binary digits of X (X = Σ 2^b β_b, w_b ≥ Y − Ȳ (1 − β_b)), and the
 * parts with running containers are linear.
 */
export type PreferApartRule = Extract<GroupRule, { kind: 'preferApart' }>;

export interface PreferApartScale extends ScaleRuleBase {
  readonly kind: 'preferApart';
  readonly owners: readonly number[];
  readonly selected: readonly number[];
  readonly weight: number;
  readonly topology: Topology;
}

/** A weighted term's rule as the aggregate holds it: the classes of its owners and of what it selects. */
export function termScale<K extends GroupRule['kind']>(
  kind: K,
  rule: { owners: readonly number[]; selected: readonly number[]; weight: number; domains: Domains },
  ctx: ScaleContext,
): ScaleRuleBase & { kind: K; owners: number[]; selected: number[]; weight: number; topology: Topology } {
  const [owners, selected] = [ctx.classesOf(rule.owners), ctx.classesOf(rule.selected)];
  const classes = [...new Set([...owners, ...selected])].sort((a, c) => a - c);
  return { kind, classes, owners, selected, weight: rule.weight, topology: ctx.topologyOf(rule.domains) };
}

type WeightedTerm = NonNullable<CompileContext['s']['containers'][number]['preferredAntiAffinity']>[number];

/**
 * The containers that carry each distinct weighted term (`field`), running or pending, and the containers it
 * selects; only terms where some of them are pending (a term among running containers alone is a constant).
 */
export function weightedTermOwners(
  ctx: CompileContext,
  field: 'preferredAffinity' | 'preferredAntiAffinity',
): { owners: number[]; selected: number[]; term: WeightedTerm }[] {
  const { s } = ctx;
  const byKey = new Map<string, { owners: number[]; term: WeightedTerm; first: number }>();
  const ofShape = ctx.shapes.first.map((j) =>
    (s.containers[j]![field] ?? []).map((w) => {
      const key = JSON.stringify([w, w.term.namespaces ?? [nsOf(s, j)]]);
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { owners: [], term: w, first: j }));
      return e;
    }),
  );
  for (let j = 0; j < s.containers.length; j++) for (const e of ofShape[ctx.shapes.shapeOf[j]!]!) e.owners.push(j);
  return [...byKey.values()].flatMap(({ owners, term, first }) => {
    const chosen = selected(ctx, term.term, first);
    const pending = [...owners, ...chosen].some((j) => !s.containers[j]!.pinned);
    return pending && chosen.length > 0 ? [{ owners, selected: chosen, term }] : [];
  });
}

function compilePreferApart(ctx: CompileContext): GroupRule[] {
  return weightedTermOwners(ctx, 'preferredAntiAffinity').map(({ owners, selected: chosen, term }) => ({
    kind: 'preferApart',
    name: `preferred anti-affinity ${term.term.topologyKey} ${JSON.stringify(term.term.selector)} (${term.weight})`,
    owners,
    selected: chosen,
    domains: cachedTopology(ctx, term.term.topologyKey).domains,
    weight: SCORE_WEIGHTS.interPodAffinity * term.weight,
  }));
}

/** X, Y and S per domain of a plan (owners, selected, owners that are selected). */
function tally(rule: PreferApartRule, domainOf: Int32Array, plan: ArrayLike<number>, only?: (j: number) => boolean) {
  const n = rule.domains.length;
  const x = new Int32Array(n);
  const y = new Int32Array(n);
  const both = new Int32Array(n);
  const inSel = new Set(rule.selected);
  const at = (j: number): number => (plan[j]! >= 0 ? domainOf[plan[j]!]! : -1);
  for (const j of rule.owners) {
    const d = at(j);
    if (d < 0 || (only && !only(j))) continue;
    x[d]!++;
    if (inSel.has(j)) both[d]!++;
  }
  for (const j of rule.selected) {
    const d = at(j);
    if (d >= 0 && (!only || only(j))) y[d]!++;
  }
  return { x, y, both };
}

function violations(rule: PreferApartRule, v: PlanView): number {
  const { x, y, both } = tally(rule, v.domainOf(rule.domains), v.plan);
  let out = 0;
  for (let d = 0; d < x.length; d++) out += x[d]! * y[d]! - both[d]!;
  return out;
}

/** Whether the pending owners and the pending selected are the same containers (a self-selecting group). */
function selfGroup(rule: PreferApartRule, model: AssignmentModel): boolean {
  const a = rule.owners.filter((j) => !isPinned(model, j));
  const b = new Set(rule.selected.filter((j) => !isPinned(model, j)));
  return a.length === b.size && a.every((j) => b.has(j));
}

/** Per domain: the linear parts (running counts times pending ones, less the pending self pairs), then X_v·Y_v. */
function rows(rule: PreferApartRule, b: ProgramRows, g: number): void {
  if (b.preferenceWeight === 0) return;
  const m = b.model;
  const w = b.preferenceWeight * rule.weight;
  const domainOf = domainIndex(rule.domains, m.nodes.length);
  const fixed = tally(rule, domainOf, m.rules?.current ?? [], (j) => isPinned(m, j));
  const pending = (list: readonly number[]): number[] => list.filter((j) => !isPinned(m, j));
  const inSel = new Set(rule.selected);
  const [owners, sel] = [pending(rule.owners), pending(rule.selected)];
  const self = selfGroup(rule, m);
  rule.domains.forEach((d, k) => {
    const xv = b.inDomain(owners, d);
    const yv = b.inDomain(sel, d);
    for (const v of xv) b.addCost(v, w * fixed.y[k]!);
    for (const v of yv) b.addCost(v, w * fixed.x[k]!);
    for (const v of b.inDomain(
      owners.filter((j) => inSel.has(j)),
      d,
    ))
      b.addCost(v, -w);
    if (xv.length === 0 || yv.length === 0) return;
    const counts = (plan: ArrayLike<number>): { x: number; y: number } => {
      const t = tally(rule, domainOf, plan, (j) => !isPinned(m, j));
      return { x: t.x[k]!, y: t.y[k]! };
    };
    if (self) convexPairs(b, `papart_${g}_${k}`, xv, w, counts);
    else productPairs(b, `papart_${g}_${k}`, xv, yv, w, counts);
  });
}

/** P ≥ (2k + 1) X − k(k + 1) for k = 1..X̄ − 1 (and P ≥ X, k = 0): P = X² at integers; P costs w. */
function convexPairs(
  b: ProgramRows,
  name: string,
  xv: readonly number[],
  w: number,
  counts: (plan: ArrayLike<number>) => { x: number },
): void {
  const most = xv.reduce((t, v) => t + b.varUpper[v]!, 0);
  const value = (plan: ArrayLike<number>): number => counts(plan).x ** 2;
  const p = b.newAux(most * most, (v) => ({ v, kind: 'rule', what: 'pairs in the domain', value }), w, true);
  for (let k = 0; k < most; k++)
    b.row(`${name}_${k}`, 'rule', 'le', k * (k + 1), [...xv.map((v): [number, number] => [v, 2 * k + 1]), [p, -1]]);
}

/** X·Y by the binary digits of X: X = Σ 2^b β_b, w_b ≥ Y − Ȳ (1 − β_b), each w_b costing 2^b w. */
function productPairs(
  b: ProgramRows,
  name: string,
  xv: readonly number[],
  yv: readonly number[],
  w: number,
  counts: (plan: ArrayLike<number>) => { x: number; y: number },
): void {
  const xMost = xv.reduce((t, v) => t + b.varUpper[v]!, 0);
  const yMost = yv.reduce((t, v) => t + b.varUpper[v]!, 0);
  const digits: [number, number][] = [];
  for (let bit = 0; 2 ** bit <= xMost; bit++) {
    const beta = b.newAux(1, (v) => ({
      v,
      kind: 'rule',
      what: `digit ${bit}`,
      value: (p) => (counts(p).x >> bit) & 1,
    }));
    const value = (p: ArrayLike<number>): number => ((counts(p).x >> bit) & 1) * counts(p).y;
    const prod = b.newAux(
      yMost,
      (v) => ({ v, kind: 'rule', what: `digit ${bit} × selected`, value }),
      w * 2 ** bit,
      true,
    );
    b.row(`${name}_w${bit}`, 'rule', 'le', yMost, [
      ...yv.map((v): [number, number] => [v, 1]),
      [prod, -1],
      [beta, yMost],
    ]);
    digits.push([beta, -(2 ** bit)]);
  }
  b.row(`${name}_x`, 'rule', 'eq', 0, [...xv.map((v): [number, number] => [v, 1]), ...digits]);
}

/**
 * Over zones and groups, for a self-selecting group (running members included in the counts): the pairs of a zone
 * are f(y) = y² − y exactly, and the |g| nodes of a group hold at least |g| f(y/|g|) (f convex, met at equal
 * counts): P ≥ 2k y − |g| k (k + 1) for every integer k, or 2k y − k (k + 1) z_g with the nodes in use z_g
 * where the program counts them (pack). Other products are bounded below by 0 here (the
 * verifier counts the plan's pairs exactly).
 */
/**
 * The points 1 ≤ k < most of the tangent rows: every one up to 64, then every 25% (fewer rows on big counts,
 * each still a valid bound).
 */
function tangents(most: number): number[] {
  const out: number[] = [];
  for (let k = 1; k < most; k = k < 64 ? k + 1 : Math.ceil(k * 1.25)) out.push(k);
  return out;
}

function scaleRows(rule: PreferApartScale, b: AggregateRows, r: number): void {
  if (b.preferenceWeight === 0) return;
  const w = b.preferenceWeight * rule.weight;
  const owners = new Set(rule.owners);
  const sel = new Set(rule.selected);
  const self = rule.owners.length === rule.selected.length && rule.owners.every((c) => sel.has(c));
  if (!self) return;
  const size = rule.owners.reduce((t, c) => t + b.agg.classes[c]!.items.length, 0);
  for (const { name, groups, nodes } of topologyParts(rule.topology, b.agg)) {
    // P ≥ Σ_i (x_i² − x_i) over the nodes (or the zone) ≥ 2k y − |g| k (k + 1) for every integer k (P ≥ 0 at k = 0);
    // summed over the nodes in use alone where the program counts them (z_g, pack): 2k y − k (k + 1) z_g.
    const p = b.variable(w, size * size, false);
    const z = nodes > 1 ? b.used(groups[0]!) : undefined;
    const most = Math.min(size, z === undefined ? Math.ceil(size / nodes) : size);
    for (const k of tangents(most)) {
      const terms = b.count(
        groups,
        owners,
        new Map([[p, -1], ...(z === undefined ? [] : [[z, -k * (k + 1)] as const])]),
        2 * k,
      );
      b.row(`papart${r}_${name}_${k}`, terms, 'le', z === undefined ? nodes * k * (k + 1) : 0);
    }
  }
}

function greedyState(rule: PreferApartRule, model: AssignmentModel): GreedyState {
  const domainOf = domainIndex(rule.domains, model.nodes.length);
  const x = new Int32Array(rule.domains.length);
  const y = new Int32Array(rule.domains.length);
  const owners = new Set(rule.owners);
  const sel = new Set(rule.selected);
  return {
    allows: () => true,
    place: (p, i) => {
      const d = domainOf[i]!;
      if (d < 0) return;
      if (owners.has(p)) x[d]!++;
      if (sel.has(p)) y[d]!++;
    },
    domainOf,
    cost: (j, i) => {
      const d = domainOf[i]!;
      return d < 0 ? 0 : rule.weight * ((owners.has(j) ? y[d]! : 0) + (sel.has(j) ? x[d]! : 0));
    },
  };
}

export const preferApart: RuleKind<PreferApartRule, PreferApartScale> = {
  roles: (rule) => [
    ['o', rule.owners],
    ['s', rule.selected],
  ],
  constrained: (rule) => [...new Set([...rule.owners, ...rule.selected])],
  counted: (rule) => [...new Set([...rule.owners, ...rule.selected])],
  mapItems: (rule, map) => ({ ...rule, owners: map(rule.owners), selected: map(rule.selected) }),
  topologies: (rule) => [rule.domains],
  compile: compilePreferApart,
  rows,
  scale: {
    of: (rule, ctx) => termScale('preferApart', rule, ctx),
    rows: scaleRows,
    inPatterns: false,
  },
  check: () => [],
  preference: { weight: (rule) => rule.weight, violations, most: (rule) => rule.owners.length * rule.selected.length },
  greedy: { state: greedyState },
  reason: { message: "node(s) didn't match pod anti-affinity rules", breaks: () => () => false },
};
