import { domainIndex, type Domains, type GroupRule } from '../model.js';
import { DomainCounts, perDomain, touchedDomains } from './counts.js';
import { withCoef, type RuleKind, type ScaleRuleBase, type Topology } from './kind.js';

/**
 * atMost: in every domain at most `limit` of `items` (required anti-affinity among replicas that select each
 * other: limit 1). Compiled by the anti-affinity compiler (apart.ts).
 */
export type AtMostRule = Extract<GroupRule, { kind: 'atMost' }>;

export interface AtMostScale extends ScaleRuleBase {
  readonly kind: 'atMost';
  readonly limit: number;
  readonly topology: Topology;
}

export const atMostRule = (name: string, items: number[], domains: Domains, limit: number): AtMostRule => ({
  kind: 'atMost',
  name,
  items,
  domains,
  limit,
});

export const atMost: RuleKind<AtMostRule, AtMostScale> = {
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  domains: (rule) => rule.domains,
  // N_D(S) ≤ limit for every domain D (rows that cannot bind are left out)
  rows: (rule, b, g) =>
    rule.domains.forEach((d, k) => {
      const vs = b.inDomain(rule.items, d);
      if (vs.reduce((t, v) => t + b.varUpper[v]!, 0) > rule.limit)
        b.row(`atmost_${g}_${k}`, 'rule', 'le', rule.limit, vs.map(withCoef(1)));
    }),
  scale: {
    of: (rule, ctx) => ({
      kind: 'atMost',
      classes: ctx.classesOf(rule.items),
      limit: rule.limit,
      topology: ctx.topologyOf(rule.domains),
    }),
    // per zone: Σ y ≤ limit; per group of single-node domains: Σ y ≤ limit × its nodes
    rows: (rule, b, r) => {
      const cs = new Set(rule.classes);
      rule.topology.zones.forEach((z, d) => b.row(`most${r}_${d}`, b.count(z, cs), 'le', rule.limit));
      for (const g of rule.topology.solo)
        b.row(`most${r}_g${g}`, b.count([g], cs), 'le', rule.limit * b.agg.groups[g]!.nodes.length);
    },
    inPatterns: true,
    node: (rule) => ({
      slots: 1,
      room: (state, at) => rule.limit - state[at]!,
      add: (state, at, _c, by) => (state[at]! += by),
    }),
  },
  check: (rule, v) => {
    const out: string[] = [];
    touchedDomains(rule.items, v).forEach((c, d) => {
      if (c <= rule.limit) return;
      const sharing = rule.items.filter((j) => v.where(j) === d).map((j) => v.name(j));
      out.push(`${rule.name}: ${sharing.join(', ')} share a domain (at most ${rule.limit})`);
    });
    return out;
  },
  greedy: {
    state: (rule, model) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const c = new DomainCounts(domainOf, rule.domains.length);
      return { allows: (_j, i) => domainOf[i]! < 0 || c.at(i) + 1 <= rule.limit, place: (_p, i) => c.add(i), domainOf };
    },
  },
  reason: {
    message: "node(s) didn't match pod anti-affinity rules",
    breaks: (rule, model, plan) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const counts = perDomain(rule.items, plan, domainOf, rule.domains.length);
      return (_j, i) => domainOf[i]! >= 0 && counts[domainOf[i]!]! + 1 > rule.limit;
    },
  },
};
