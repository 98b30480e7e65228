import { domainIndex, isPinned, type Domains, type GroupRule } from '../model.js';
import { atMostRule, fixedPerDomain, fixedPerNode } from './atMost.js';
import { cachedTopology, selected, termOwners, type CompileContext } from './context.js';
import { DomainCounts, perDomain } from './counts.js';
import { withCoef, type AggregateRows, type RuleKind, type ScaleRuleBase, type Topology } from './kind.js';

/**
 * apart: no domain holds a pending container of one of `a`, `b` and any container of the other (required
 * anti-affinity between two sets; a ∩ b = ∅). Running containers that stay are not checked against each other.
 * Its compiler is the anti-affinity compiler, which also builds atMost rules.
 */
export type ApartRule = Extract<GroupRule, { kind: 'apart' }>;

export interface ApartScale extends ScaleRuleBase {
  readonly kind: 'apart';
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly topology: Topology;
  /** The running containers of each side that stay, per node. */
  readonly fixedA: ReadonlyMap<number, number>;
  readonly fixedB: ReadonlyMap<number, number>;
  /** The running containers stay in every plan (none may be left out). */
  readonly stay: boolean;
}

const apartRule = (name: string, a: number[], b: number[], domains: Domains): ApartRule => ({
  kind: 'apart',
  name,
  a,
  b,
  domains,
});

/**
 * Anti-affinity, one term at a time, in size linear in the containers. With O the term's owners and S the
 * containers it selects, write A = O \ S, B = O ∩ S, C = S \ O: an owner in A keeps every container of S out of
 * its domain, and one in B keeps every other one. So each domain holds containers of at most one of A, B, C, and
 * at most one of B: apart(A, B ∪ C), atMost(B, 1) and apart(B, C) together are exactly the owners' rules.
 */
function compileAntiAffinity(ctx: CompileContext): GroupRule[] {
  const out: GroupRule[] = [];
  for (const { owners, term } of termOwners(ctx, (j) => ctx.s.containers[j]!.antiAffinity)) {
    const { domains } = cachedTopology(ctx, term.topologyKey);
    const matched = selected(ctx, term, owners[0]!);
    const name = `anti-affinity ${term.topologyKey} ${JSON.stringify(term.selector)}`;
    const inS = new Set(matched);
    const inO = new Set(owners);
    const a = owners.filter((j) => !inS.has(j));
    const b = owners.filter((j) => inS.has(j));
    const c = matched.filter((j) => !inO.has(j));
    const bc = [...b, ...c].sort((x, y) => x - y);
    if (a.length > 0 && bc.length > 0) out.push(apartRule(name, a, bc, domains));
    if (b.length > 1) out.push(atMostRule(name, b, domains, 1));
    if (b.length > 0 && c.length > 0) out.push(apartRule(name, b, c, domains));
  }
  return out;
}

export const apart: RuleKind<ApartRule, ApartScale> = {
  roles: (rule) => [
    ['a', rule.a],
    ['b', rule.b],
  ],
  constrained: (rule) => [...rule.a, ...rule.b],
  counted: (rule) => [...rule.a, ...rule.b],
  mapItems: (rule, map) => ({ ...rule, a: map(rule.a), b: map(rule.b) }),
  topologies: (rule) => [rule.domains],
  compile: compileAntiAffinity,
  // N_D(A) ≤ |A| z_D and N_D(B) ≤ |B| (1 − z_D), z_D binary, per domain where both sides may go. Where running
  // containers of both sides already share D, a binary per side instead: pending A in D only with no B there
  // (N_D(pending A) ≤ |A| z_a, N_D(B) ≤ |B| (1 − z_a)), and the same for pending B.
  rows: (rule, b, g) => {
    const [fa, fb] = [fixedPerDomain(b.model, rule.a, rule.domains), fixedPerDomain(b.model, rule.b, rule.domains)];
    const pending = (s: readonly number[]): number[] => s.filter((j) => !isPinned(b.model, j));
    rule.domains.forEach((d, k) => {
      const a = b.inDomain(rule.a, d);
      const bs = b.inDomain(rule.b, d);
      if (a.length === 0 || bs.length === 0) return;
      if (fa[k]! > 0 && fb[k]! > 0) {
        const side = (mine: readonly number[], other: readonly number[], vs: number[], tag: string): void => {
          const own = b.inDomain(pending(mine), d);
          if (own.length === 0) return;
          const z = b.newAux(1, (v) => ({ v, kind: 'present', items: pending(mine), nodes: d }));
          b.row(`apart_${tag}_${g}_${k}`, 'rule', 'le', 0, [...own.map(withCoef(1)), [z, -mine.length]]);
          b.row(`apart_${tag}x_${g}_${k}`, 'rule', 'le', other.length, [...vs.map(withCoef(1)), [z, other.length]]);
        };
        side(rule.a, rule.b, bs, 'a');
        return side(rule.b, rule.a, a, 'b');
      }
      const z = b.newAux(1, (v) => ({ v, kind: 'present', items: rule.a, nodes: d }));
      b.row(`apart_a_${g}_${k}`, 'rule', 'le', 0, [...a.map(withCoef(1)), [z, -rule.a.length]]);
      b.row(`apart_b_${g}_${k}`, 'rule', 'le', rule.b.length, [...bs.map(withCoef(1)), [z, rule.b.length]]);
    });
  },
  scale: {
    of: (rule, ctx) => {
      const [a, b] = [ctx.classesOf(rule.a), ctx.classesOf(rule.b)];
      const fixed = { fixedA: fixedPerNode(ctx.model, rule.a), fixedB: fixedPerNode(ctx.model, rule.b) };
      const topology = ctx.topologyOf(rule.domains);
      return { kind: 'apart', classes: [...a, ...b], a, b, topology, ...fixed, stay: !ctx.penalties };
    },
    rows: apartScaleRows,
    inPatterns: true,
    // Slots: the containers of side a on the node, and of side b.
    node: (rule) => {
      const inA = new Set(rule.a);
      return {
        slots: 2,
        room: (state, at, c) => (state[at + (inA.has(c) ? 1 : 0)]! > 0 ? 0 : Infinity),
        add: (state, at, c, by) => (state[at + (inA.has(c) ? 0 : 1)]! += by),
      };
    },
  },
  // A domain breaks it when a pending container of one side shares it with any container of the other.
  check: (rule, v) => {
    const domainOf = v.domainOf(rule.domains);
    const sides = [rule.a, rule.b].map((side) => {
      const all = new Map<number, number>();
      const pending = new Set<number>();
      for (const j of side) {
        const d = v.at(j, domainOf);
        if (d < 0) continue;
        if (!all.has(d)) all.set(d, j);
        if (!v.pinned(j)) pending.add(d);
      }
      return { all, pending };
    });
    const [a, b] = [sides[0]!, sides[1]!];
    const out: string[] = [];
    for (const [d, j] of a.all) {
      const other = b.all.get(d);
      if (other !== undefined && (a.pending.has(d) || b.pending.has(d)))
        out.push(`${rule.name}: ${v.name(j)} shares a domain with ${v.name(other)}`);
    }
    return out;
  },
  greedy: {
    state: (rule, model) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const inA = new Set(rule.a);
      const a = new DomainCounts(domainOf, rule.domains.length);
      const b = new DomainCounts(domainOf, rule.domains.length);
      return {
        allows: (j, i) => domainOf[i]! < 0 || (inA.has(j) ? b : a).at(i) === 0,
        place: (p, i) => (inA.has(p) ? a : b).add(i),
        domainOf,
      };
    },
  },
  reason: {
    message: "node(s) didn't match pod anti-affinity rules",
    breaks: (rule, model, plan) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const a = perDomain(rule.a, plan, domainOf, rule.domains.length);
      const b = perDomain(rule.b, plan, domainOf, rule.domains.length);
      const inA = new Set(rule.a);
      return (j, i) => domainOf[i]! >= 0 && (inA.has(j) ? b : a)[domainOf[i]!]! > 0;
    },
  },
};

/** Per domain of several nodes, a binary per side: a side present in the domain only if its binary is 1. */
function apartScaleRows(rule: ApartScale, b: AggregateRows, r: number): void {
  const [a, bb] = [new Set(rule.a), new Set(rule.b)];
  const size = (cs: ReadonlySet<number>): number => [...cs].reduce((t, c) => t + b.agg.classes[c]!.items.length, 0);
  const fixedIn = (f: ReadonlyMap<number, number>, z: readonly number[]): number =>
    z.reduce((t, g) => t + b.agg.groups[g]!.nodes.reduce((u, i) => u + (f.get(i) ?? 0), 0), 0);
  const pending = (cs: ReadonlySet<number>): Set<number> => new Set([...cs].filter((c) => !b.agg.classes[c]!.pinned));
  // A group of single-node domains whose every node runs a container of one side that stays: none of the other's.
  for (const g of rule.stay ? rule.topology.solo : []) {
    const nodes = b.agg.groups[g]!.nodes;
    if (nodes.every((i) => rule.fixedB.has(i))) b.row(`apartA${r}_g${g}`, b.count([g], pending(a)), 'le', 0);
    if (nodes.every((i) => rule.fixedA.has(i))) b.row(`apartB${r}_g${g}`, b.count([g], pending(bb)), 'le', 0);
  }
  // Pending containers of a side in the zone only with none of the other there (z binary), per side.
  const side = (mine: ReadonlySet<number>, other: ReadonlySet<number>, z: readonly number[], name: string): void => {
    const own = pending(mine);
    if (own.size === 0) return;
    const w = b.variable(0, 1);
    b.row(name, b.count(z, own, new Map([[w, -size(own)]])), 'le', 0);
    b.row(`${name}x`, b.count(z, other, new Map([[w, size(other)]])), 'le', size(other));
  };
  rule.topology.zones.forEach((z, d) => {
    if (fixedIn(rule.fixedA, z) > 0 && fixedIn(rule.fixedB, z) > 0) {
      // Running containers of both sides share the zone: where they stay, no pending one may enter; where a plan
      // may leave running ones out (allowUnplaced), a pending one enters only with the other side all gone.
      if (!rule.stay) return void (side(a, bb, z, `apartA${r}_${d}`), side(bb, a, z, `apartB${r}_${d}`));
      b.row(`apartA${r}_${d}`, b.count(z, pending(a)), 'le', 0);
      return b.row(`apartB${r}_${d}`, b.count(z, pending(bb)), 'le', 0);
    }
    const wa = b.variable(0, 1);
    const wb = b.variable(0, 1);
    b.row(`apartA${r}_${d}`, b.count(z, a, new Map([[wa, -size(a)]])), 'le', 0);
    b.row(`apartB${r}_${d}`, b.count(z, bb, new Map([[wb, -size(bb)]])), 'le', 0);
    b.row(
      `apart${r}_${d}`,
      new Map([
        [wa, 1],
        [wb, 1],
      ]),
      'le',
      1,
    );
  });
}
