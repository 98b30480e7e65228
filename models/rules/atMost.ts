import { domainIndex, isPinned, type AssignmentModel, type Domains, type GroupRule } from '../model.js';
import { DomainCounts, perDomain } from './counts.js';
import { withCoef, type RuleKind, type ScaleRuleBase, type Topology } from './kind.js';
import type { CompileContext } from './context.js';

/**
 * atMost: a domain that receives a pending item holds at most `limit` of `items` (required anti-affinity among
 * replicas that select each other: limit 1). Running items that stay count, but are not checked against each
 * other: kube-scheduler checks a pod only as it arrives. Compiled by the anti-affinity compiler (apart.ts).
 */
export type AtMostRule = Extract<GroupRule, { kind: 'atMost' }>;

export interface AtMostScale extends ScaleRuleBase {
  readonly kind: 'atMost';
  readonly limit: number;
  readonly topology: Topology;
  /** The running items of the rule that stay, per node. */
  readonly fixed: ReadonlyMap<number, number>;
}

export const atMostRule = (name: string, items: number[], domains: Domains, limit: number): AtMostRule => ({
  kind: 'atMost',
  name,
  items,
  domains,
  limit,
});

/** The running items that stay, counted per node. */
export function fixedPerNode(model: AssignmentModel, items: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  const pin = model.rules?.blocked.pinnedTo;
  if (pin) for (const j of items) if (pin[j]! >= 0) out.set(pin[j]!, (out.get(pin[j]!) ?? 0) + 1);
  return out;
}

/** The running items that stay, counted per domain. */
export function fixedPerDomain(model: AssignmentModel, items: readonly number[], domains: Domains): Int32Array {
  const domainOf = domainIndex(domains, model.nodes.length);
  const out = new Int32Array(domains.length);
  for (const [i, n] of fixedPerNode(model, items)) if (domainOf[i]! >= 0) out[domainOf[i]!]! += n;
  return out;
}

/**
 * The containers' maxPerNode groups (Docker Swarm's MaxReplicas and host-mode ports): an atMost rule per group over
 * single-node domains, where the group has more containers than its limit (else no node can hold too many).
 */
function compileMaxPerNode(ctx: CompileContext): GroupRule[] {
  const groups = new Map<string, { limit: number; items: number[] }>();
  ctx.s.containers.forEach((c, j) => {
    for (const { group, limit } of c.maxPerNode ?? []) {
      let g = groups.get(group);
      if (!g) groups.set(group, (g = { limit, items: [] }));
      // A group named twice in one container is one constraint.
      if (g.items[g.items.length - 1] !== j) g.items.push(j);
    }
  });
  if (groups.size === 0) return [];
  const nodes: Domains = Array.from({ length: ctx.n }, (_, i) => [i]);
  return [...groups]
    .filter(([, g]) => g.items.length > g.limit)
    .map(([group, g]) => atMostRule(`at most ${g.limit} of ${group} per node`, g.items, nodes, g.limit));
}

export const atMost: RuleKind<AtMostRule, AtMostScale> = {
  compile: compileMaxPerNode,
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  topologies: (rule) => [rule.domains],
  // N_D(S) ≤ limit per domain a pending item may enter; where the running ones alone exceed it (F > limit), only
  // when a pending one enters (w binary): N_D(pending) ≤ U w, N_D(S) + (F − limit) w ≤ F. Running items that a plan
  // leaves out (allowUnplaced) are variables here like the rest, so the rows stay exact.
  rows: (rule, b, g) => {
    const fixed = fixedPerDomain(b.model, rule.items, rule.domains);
    const pending = rule.items.filter((j) => !isPinned(b.model, j));
    rule.domains.forEach((d, k) => {
      const own = b.inDomain(pending, d);
      if (own.length === 0) return;
      const vs = b.inDomain(rule.items, d);
      const f = fixed[k]!;
      if (f <= rule.limit) {
        if (vs.reduce((t, v) => t + b.varUpper[v]!, 0) > rule.limit)
          b.row(`atmost_${g}_${k}`, 'rule', 'le', rule.limit, vs.map(withCoef(1)));
        return;
      }
      const w = b.newAux(1, (v) => ({ v, kind: 'present', items: pending, nodes: d }));
      const upper = own.reduce((t, v) => t + b.varUpper[v]!, 0);
      b.row(`atmost_open_${g}_${k}`, 'rule', 'le', 0, [...own.map(withCoef(1)), [w, -upper]]);
      b.row(`atmost_${g}_${k}`, 'rule', 'le', f, [...vs.map(withCoef(1)), [w, f - rule.limit]]);
    });
  },
  scale: {
    of: (rule, ctx) => ({
      kind: 'atMost',
      classes: ctx.classesOf(rule.items),
      limit: rule.limit,
      topology: ctx.topologyOf(rule.domains),
      fixed: fixedPerNode(ctx.model, rule.items),
    }),
    // per zone: Σ y ≤ limit, and where the running ones alone exceed it, only when a pending one enters (as the
    // per-node rows); per group of single-node domains: Σ y ≤ Σ_i max(limit, running_i), what its nodes hold at most
    rows: (rule, b, r) => {
      const cs = new Set(rule.classes);
      const pending = new Set(rule.classes.filter((c) => !b.agg.classes[c]!.pinned));
      const fixedIn = (nodes: readonly number[]): number => nodes.reduce((t, i) => t + (rule.fixed.get(i) ?? 0), 0);
      rule.topology.zones.forEach((z, d) => {
        const f = fixedIn(z.flatMap((g) => b.agg.groups[g]!.nodes));
        if (f <= rule.limit) return b.row(`most${r}_${d}`, b.count(z, cs), 'le', rule.limit);
        const size = [...pending].reduce((t, c) => t + b.agg.classes[c]!.items.length, 0);
        const w = b.variable(0, 1);
        b.row(`mostOpen${r}_${d}`, b.count(z, pending, new Map([[w, -size]])), 'le', 0);
        b.row(`most${r}_${d}`, b.count(z, cs, new Map([[w, f - rule.limit]])), 'le', f);
      });
      for (const g of rule.topology.solo) {
        const nodes = b.agg.groups[g]!.nodes;
        const most = nodes.reduce((t, i) => t + Math.max(rule.limit, rule.fixed.get(i) ?? 0), 0);
        b.row(`most${r}_g${g}`, b.count([g], cs), 'le', most);
      }
    },
    inPatterns: true,
    node: (rule) => ({
      slots: 1,
      room: (state, at) => rule.limit - state[at]!,
      add: (state, at, _c, by) => (state[at]! += by),
    }),
  },
  check: (rule, v) => {
    const domainOf = v.domainOf(rule.domains);
    const total = new Map<number, number>();
    const pending = new Set<number>();
    for (const j of rule.items) {
      const d = v.at(j, domainOf);
      if (d < 0) continue;
      total.set(d, (total.get(d) ?? 0) + 1);
      if (!v.pinned(j)) pending.add(d);
    }
    const out: string[] = [];
    for (const d of pending) {
      if (total.get(d)! <= rule.limit) continue;
      const sharing = rule.items.filter((j) => v.at(j, domainOf) === d).map((j) => v.name(j));
      out.push(`${rule.name}: ${sharing.join(', ')} share a domain (at most ${rule.limit})`);
    }
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
