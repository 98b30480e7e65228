import { domainIndex, type GroupRule } from '../model.js';
import { maxOf, minOf } from '../own.js';
import { nsOf, selected, topology, type CompileContext } from './context.js';
import { DomainCounts, perDomain } from './counts.js';
import { withCoef, type AggregateView, type RuleKind, type ScaleRuleBase, type Topology } from './kind.js';

/**
 * spread: the counts of `items` per domain differ by at most `maxSkew` between any two domains (topology spread
 * with DoNotSchedule, held by the final plan).
 */
export type SpreadRule = Extract<GroupRule, { kind: 'spread' }>;

export interface SpreadScale extends ScaleRuleBase {
  readonly kind: 'spread';
  readonly maxSkew: number;
  readonly topology: Topology;
}

/**
 * Topology spread: one rule per distinct constraint, over the selected containers, on the domains of the nodes its
 * owners may use by node selector and affinity (taints ignored, as the scheduler's default policy).
 */
function compileSpread(ctx: CompileContext): GroupRule[] {
  const { s } = ctx;
  type Constraint = NonNullable<(typeof s.containers)[number]['spread']>[number];
  const spreads = new Map<string, { owner: number; t: Constraint }>();
  // The first owner of each constraint: the first container of the first shape that has it.
  ctx.shapes.first.forEach((j) => {
    const c = s.containers[j]!;
    c.spread?.forEach((t) => {
      const key = JSON.stringify([
        t.selector,
        t.topologyKey,
        t.maxSkew,
        nsOf(s, j),
        c.nodeSelector ?? {},
        c.nodeAffinity ?? [],
      ]);
      if (!spreads.has(key)) spreads.set(key, { owner: j, t });
    });
  });
  const out: GroupRule[] = [];
  for (const { owner, t } of spreads.values()) {
    // Owners with the same node selector and affinity share the domains (one object, computed once).
    const c = s.containers[owner]!;
    const key = JSON.stringify([t.topologyKey, c.nodeSelector ?? {}, c.nodeAffinity ?? []]);
    let eligible = ctx.topologies.get(key);
    if (!eligible) ctx.topologies.set(key, (eligible = topology(s, t.topologyKey, (i) => ctx.nodeMatches(owner, i))));
    const { domains } = eligible;
    const items = selected(ctx, { selector: t.selector, topologyKey: t.topologyKey }, owner);
    if (domains.length > 1 && items.length > 0)
      out.push({
        kind: 'spread',
        name: `spread ${t.topologyKey} maxSkew ${t.maxSkew} ${JSON.stringify(t.selector)}`,
        items,
        domains,
        maxSkew: t.maxSkew,
      });
  }
  return out;
}

/**
 * Rounding can leave a zone spread's counts more than maxSkew apart: units move from the fullest zone to the
 * emptiest.
 */
function repairCounts(rule: SpreadScale, agg: AggregateView, counts: Int32Array): void {
  const cs = new Set(rule.classes);
  const zones = rule.topology.zones;
  const inZone = (d: number): number[] =>
    zones[d]!.flatMap((g) => rule.classes.map((c) => agg.pairAt(g, c))).filter((v) => v >= 0);
  const pairsOf = zones.map((_, d) => inZone(d));
  for (let moves = 0; moves < 10_000; moves++) {
    const totals = pairsOf.map((vs) => vs.reduce((t, v) => t + counts[v]!, 0));
    const hi = totals.indexOf(Math.max(...totals));
    const lo = totals.indexOf(Math.min(...totals));
    if (totals[hi]! - totals[lo]! <= rule.maxSkew) break;
    const from = pairsOf[hi]!.find((v) => counts[v]! > 0 && cs.has(agg.pairs[v]!.c));
    const c = from === undefined ? -1 : agg.pairs[from]!.c;
    const to = pairsOf[lo]!.find((v) => agg.pairs[v]!.c === c);
    if (from === undefined || to === undefined) break;
    counts[from]!--;
    counts[to]!++;
  }
}

export const spread: RuleKind<SpreadRule, SpreadScale> = {
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  domains: (rule) => rule.domains,
  compile: compileSpread,
  // L ≤ N_D(S) and N_D(S) − L ≤ maxSkew for every domain, L an integer (the smallest count)
  rows: (rule, b, g) => {
    const low = b.newAux(rule.items.length, (v) => ({ v, kind: 'min', items: rule.items, domains: rule.domains }));
    rule.domains.forEach((d, k) => {
      const vs = b.inDomain(rule.items, d);
      b.row(`spread_low_${g}_${k}`, 'rule', 'le', 0, [[low, 1], ...vs.map(withCoef(-1))]);
      if (vs.length > 0)
        b.row(`spread_skew_${g}_${k}`, 'rule', 'le', rule.maxSkew, [[low, -1], ...vs.map(withCoef(1))]);
    });
  },
  scale: {
    of: (rule, ctx) => {
      const topology = ctx.topologyOf(rule.domains);
      if (topology.solo.length > 0) return { outOfReach: `topology spread over single nodes (${rule.name})` };
      return { kind: 'spread', classes: ctx.classesOf(rule.items), maxSkew: rule.maxSkew, topology };
    },
    // t, the smallest count over the domains: t ≤ count_D ≤ t + maxSkew
    rows: (rule, b, r) => {
      const cs = new Set(rule.classes);
      const t = b.variable(
        0,
        [...cs].reduce((n, c) => n + b.agg.classes[c]!.items.length, 0),
      );
      rule.topology.zones.forEach((z, d) => {
        b.row(`spreadLo${r}_${d}`, b.count(z, cs, new Map([[t, 1]]), -1), 'le', 0);
        b.row(`spreadHi${r}_${d}`, b.count(z, cs, new Map([[t, -1]])), 'le', rule.maxSkew);
      });
    },
    inPatterns: true,
    repair: repairCounts,
  },
  check: (rule, v) => {
    const counts = perDomain(rule.items, v.plan, v.domainOf, rule.domains.length);
    const skew = maxOf(counts) - minOf(counts);
    if (skew <= rule.maxSkew) return [];
    return [`${rule.name}: counts per domain ${counts.join('/')} have skew ${skew} > ${rule.maxSkew}`];
  },
  greedy: {
    // The skew as the scheduler checks it on each placement.
    state: (rule, model) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const c = new DomainCounts(domainOf, rule.domains.length);
      return {
        allows: (_j, i) => domainOf[i]! < 0 || c.at(i) + 1 - c.min <= rule.maxSkew,
        place: (_p, i) => c.add(i),
        domainOf,
      };
    },
    // Takes the last container out of the fullest domain (the caller repeats until the rule holds).
    repair: (rule, _model, plan) => {
      const counts = rule.domains.map((d) => rule.items.filter((p) => d.includes(plan[p]!)));
      const fullest = counts.reduce((a, b) => (b.length > a.length ? b : a));
      plan[fullest[fullest.length - 1]!] = -1;
    },
  },
  reason: {
    message: "node(s) didn't match pod topology spread constraints",
    breaks: (rule, model, plan) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const a = perDomain(rule.items, plan, domainOf, rule.domains.length);
      const low = a.length === 0 ? 0 : minOf(a);
      const atLow = a.reduce((t, c) => t + (c === low ? 1 : 0), 0);
      const high = a.length === 0 ? 0 : maxOf(a);
      return (_j, i) => {
        const d = domainOf[i]!;
        if (d < 0) return false;
        const lowAfter = a[d]! === low && atLow === 1 ? low + 1 : low;
        return Math.max(high, a[d]! + 1) - lowAfter > rule.maxSkew;
      };
    },
  },
};
