import { domainIndex, type AssignmentModel, type GroupRule } from '../model.js';
import type { SpreadConstraint } from '../snapshot.js';
import { nsOf, topology, type CompileContext } from './context.js';
import { DomainCounts } from './counts.js';
import type { AggregateRows, GreedyState, PlanView, ProgramRows, RuleKind, ScaleRuleBase, Topology } from './kind.js';
import { counted, eligible, mergedSelector } from './spread.js';
import { DEFAULT_SPREADING, SCORE_WEIGHTS } from './weights.js';
import { topologyParts } from './kind.js';

/**
 * preferSpread: topology spread as a preference (whenUnsatisfiable: ScheduleAnyway, and kube-scheduler's system
 * default spreading for containers of a controller without constraints of their own). Its violations are the
 * excess of each domain's count over the smallest count plus maxSkew, Σ_D max(0, n_D − L − maxSkew),
 * L = min_D n_D: convex in the counts (L is concave), so it is exact as rows L ≤ n_D, x_D ≥ n_D − L − maxSkew,
 * x_D ≥ 0 under a minimisation. Filling the emptiest domains lowers it, as kube-scheduler's score prefers.
 */
export type PreferSpreadRule = Extract<GroupRule, { kind: 'preferSpread' }>;

export interface PreferSpreadScale extends ScaleRuleBase {
  readonly kind: 'preferSpread';
  /** The classes of the counted containers (those the selector matches). */
  readonly items: readonly number[];
  readonly maxSkew: number;
  readonly weight: number;
  readonly topology: Topology;
}

type Constraint = SpreadConstraint;

interface Group {
  readonly owner: number;
  readonly t: Constraint;
  readonly owners: number[];
  readonly keys: readonly string[];
  /** The selector in words, or "default, <controller>" for the default spreading. */
  readonly label: string;
  readonly isDefault: boolean;
}

/** A container's preferred spread constraints: its ScheduleAnyway ones, or the defaults when it has none at all. */
function softConstraints(c: CompileContext['s']['containers'][number]): { t: Constraint; isDefault: boolean }[] {
  const own = c.spread ?? [];
  if (own.length === 0 && c.controller) return DEFAULT_SPREADING.map((d) => ({ t: { ...d }, isDefault: true }));
  return own.filter((t) => t.whenUnsatisfiable === 'ScheduleAnyway').map((t) => ({ t, isDefault: false }));
}

/** One rule per distinct ScheduleAnyway constraint, and the default spreading per controller (pending owners only). */
function compilePreferSpread(ctx: CompileContext): GroupRule[] {
  const { s } = ctx;
  const groups = new Map<string, Group>();
  const ofShape = ctx.shapes.first.map((j) => {
    const c = s.containers[j]!;
    const soft = softConstraints(c);
    const keys = [...new Set(soft.map(({ t }) => t.topologyKey))].sort();
    return soft.map(({ t, isDefault }) => {
      const label = isDefault ? `default, ${c.controller}` : JSON.stringify(mergedSelector(t, c.labels ?? {}));
      const where = [nsOf(s, j), c.nodeSelector ?? {}, c.nodeAffinity ?? [], isDefault ? c.controller : null];
      const key = JSON.stringify([label, t, ...where]);
      let g = groups.get(key);
      if (!g)
        groups.set(key, (g = { owner: j, t, owners: [], keys: isDefault ? [t.topologyKey] : keys, label, isDefault }));
      return g;
    });
  });
  for (let j = 0; j < s.containers.length; j++)
    if (!s.containers[j]!.pinned) for (const g of ofShape[ctx.shapes.shapeOf[j]!]!) g.owners.push(j);
  return [...groups.values()].flatMap((g) => preferSpreadRule(ctx, g));
}

function preferSpreadRule(ctx: CompileContext, g: Group): GroupRule[] {
  const { s } = ctx;
  if (g.owners.length === 0) return [];
  const c = s.containers[g.owner]!;
  const items = g.isDefault
    ? s.containers.flatMap((o, k) =>
        o.controller === c.controller && nsOf(s, k) === nsOf(s, g.owner) && !o.terminating ? [k] : [],
      )
    : counted(ctx, g.owner, g.t);
  const { domains } = topology(s, g.t.topologyKey, eligible(ctx, g.owner, g.t, g.keys));
  if (items.length === 0 || domains.length < 2) return [];
  const name = `preferred spread ${g.t.topologyKey} maxSkew ${g.t.maxSkew} ${g.label}`;
  const weight = SCORE_WEIGHTS.podTopologySpread;
  return [{ kind: 'preferSpread', name, items, owners: g.owners, domains, maxSkew: g.t.maxSkew, weight }];
}

/** Counts per domain of a plan, and the violations: Σ_D max(0, n_D − min − maxSkew). */
function violations(rule: PreferSpreadRule, v: PlanView): number {
  const domainOf = v.domainOf(rule.domains);
  const counts = new Int32Array(rule.domains.length);
  for (const j of rule.items) {
    const d = v.at(j, domainOf);
    if (d >= 0) counts[d]!++;
  }
  let low = Infinity;
  for (const n of counts) low = Math.min(low, n);
  let out = 0;
  for (const n of counts) out += Math.max(0, n - low - rule.maxSkew);
  return out;
}

/** L (the smallest count) ≤ N_D, and an excess x_D ≥ N_D − L − maxSkew costing the weight, per domain. */
function rows(rule: PreferSpreadRule, b: ProgramRows, g: number): void {
  if (b.preferenceWeight === 0) return;
  const n = b.model.nodes.length;
  const domainOf = domainIndex(rule.domains, n);
  const countsOf = (plan: ArrayLike<number>): Int32Array => {
    const c = new Int32Array(rule.domains.length);
    for (const j of rule.items) if (plan[j]! >= 0 && domainOf[plan[j]!]! >= 0) c[domainOf[plan[j]!]!]!++;
    return c;
  };
  const low = b.newAux(rule.items.length, (v) => ({ v, kind: 'min', items: rule.items, domains: rule.domains }));
  const cost = b.preferenceWeight * rule.weight;
  rule.domains.forEach((d, k) => {
    const vs = b.inDomain(rule.items, d);
    b.row(`pspread_low_${g}_${k}`, 'rule', 'le', 0, [[low, 1], ...vs.map((v): [number, number] => [v, -1])]);
    if (vs.length === 0) return;
    const value = (plan: ArrayLike<number>): number => {
      const c = countsOf(plan);
      return Math.max(0, c[k]! - Math.min(...c) - rule.maxSkew);
    };
    const x = b.newAux(rule.items.length, (v) => ({ v, kind: 'rule', what: 'spread excess', value }), cost, true);
    b.row(`pspread_excess_${g}_${k}`, 'rule', 'le', rule.maxSkew, [
      [low, -1],
      [x, -1],
      ...vs.map((v): [number, number] => [v, 1]),
    ]);
  });
}

/**
 * The same rows over zones; over groups of single-node domains, a bound: |g| L ≤ y_g and x_g ≥ y_g − |g| (L +
 * maxSkew), what the nodes' excesses sum to at least (exact when the group's nodes hold equal counts).
 */
function scaleRows(rule: PreferSpreadScale, b: AggregateRows, r: number): void {
  if (b.preferenceWeight === 0) return;
  const cs = new Set(rule.items);
  const size = rule.items.reduce((t, c) => t + b.agg.classes[c]!.items.length, 0);
  const low = b.variable(0, size);
  const cost = b.preferenceWeight * rule.weight;
  for (const { name, groups, nodes } of topologyParts(rule.topology, b.agg)) {
    b.row(`pspreadLo${r}_${name}`, b.count(groups, cs, new Map([[low, nodes]]), -1), 'le', 0);
    const x = b.variable(cost, size, false);
    b.row(
      `pspreadX${r}_${name}`,
      b.count(
        groups,
        cs,
        new Map([
          [low, -nodes],
          [x, -1],
        ]),
      ),
      'le',
      nodes * rule.maxSkew,
    );
  }
}

function greedyState(rule: PreferSpreadRule, model: AssignmentModel): GreedyState {
  const domainOf = domainIndex(rule.domains, model.nodes.length);
  const c = new DomainCounts(domainOf, rule.domains.length);
  const items = new Set(rule.items);
  return {
    allows: () => true,
    place: (_p, i) => c.add(i),
    domainOf,
    cost: (j, i) => (items.has(j) && domainOf[i]! >= 0 && c.at(i) + 1 - c.min > rule.maxSkew ? rule.weight : 0),
  };
}

export const preferSpread: RuleKind<PreferSpreadRule, PreferSpreadScale> = {
  roles: (rule) => [
    ['s', rule.items],
    ['o', rule.owners],
  ],
  constrained: (rule) => rule.owners,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items), owners: map(rule.owners) }),
  topologies: (rule) => [rule.domains],
  compile: compilePreferSpread,
  rows,
  scale: {
    of: (rule, ctx) => ({
      kind: 'preferSpread',
      classes: ctx.classesOf([...rule.items, ...rule.owners]),
      items: ctx.classesOf(rule.items),
      maxSkew: rule.maxSkew,
      weight: rule.weight,
      topology: ctx.topologyOf(rule.domains),
    }),
    rows: scaleRows,
    inPatterns: false,
  },
  // A preference never makes a plan invalid.
  check: () => [],
  // Σ_D max(0, n_D − L − maxSkew) ≤ Σ_D n_D.
  preference: { weight: (rule) => rule.weight, violations, most: (rule) => rule.items.length },
  greedy: { state: greedyState },
  reason: { message: "node(s) didn't match pod topology spread constraints", breaks: () => () => false },
};
