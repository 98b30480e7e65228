import { domainIndex, isPinned, type AssignmentModel, type Domains, type GroupRule } from '../model.js';
import { fixedPerDomain } from './atMost.js';
import { cachedTopology, nsOf, selected, type CompileContext } from './context.js';
import { perDomain } from './counts.js';
import { withCoef, type GreedyState, type ProgramRows, type RuleKind } from './kind.js';

/**
 * together: required pod affinity, as kube-scheduler's InterPodAffinity filter means it. An owner with terms
 * T_1..T_k may go on a node only if, for every term, the node has the term's key and its domain holds a container
 * that matches all k terms (`with`). The one exception: when no container matching all the terms runs anywhere,
 * the first owner that matches them itself may go anywhere. Placing the pending owners one at a time, the domains
 * they can reach are those rooted by a matching container that was there before any owner: a running one, or one
 * that carries no such rule (`roots`), plus, under the exception, the domains of the one node the first owner took.
 * Running owners that stay are not checked again.
 */
export type TogetherRule = Extract<GroupRule, { kind: 'together' }>;

/** Containers with the same required affinity terms (and namespace) share one rule. */
interface Group {
  readonly owner: number;
  readonly members: number[];
}

/** The containers every term of container j selects: those that match all of them. */
function matchingAll(ctx: CompileContext, j: number): number[] {
  const terms = ctx.s.containers[j]!.affinity ?? [];
  let out: number[] | undefined;
  for (const term of terms) {
    const matched = new Set(selected(ctx, term, j));
    out = (out ?? [...matched]).filter((k) => matched.has(k));
  }
  return out ?? [];
}

function compileAffinity(ctx: CompileContext): GroupRule[] {
  const { s } = ctx;
  const groups = new Map<string, Group>();
  const ofShape = ctx.shapes.first.map((j) => {
    const terms = s.containers[j]!.affinity ?? [];
    if (terms.length === 0) return undefined;
    const key = JSON.stringify([nsOf(s, j), terms]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { owner: j, members: [] }));
    return g;
  });
  for (let j = 0; j < s.containers.length; j++) ofShape[ctx.shapes.shapeOf[j]!]?.members.push(j);
  return [...groups.values()].flatMap((g) => togetherRule(ctx, g));
}

function togetherRule(ctx: CompileContext, g: Group): GroupRule[] {
  const { s } = ctx;
  const terms = s.containers[g.owner]!.affinity!;
  const all = matchingAll(ctx, g.owner);
  const inAll = new Set(all);
  const items: number[] = [];
  for (const j of g.members) {
    // Every term's key must be on the node, exception or not.
    for (const t of terms) ctx.block(j, `key:${t.topologyKey}`);
    if (all.length === 0) ctx.block(j, 'none');
    else if (!(all.length === 1 && all[0] === j) && !s.containers[j]!.pinned) items.push(j);
  }
  if (items.length === 0) return [];
  const owners = new Set(g.members);
  const roots = all.filter((j) => s.containers[j]!.pinned || !owners.has(j));
  const exception = !all.some((j) => s.containers[j]!.pinned) && items.some((j) => inAll.has(j));
  const name = `affinity ${terms.map((t) => `${t.topologyKey} ${JSON.stringify(t.selector)}`).join(' and ')}`;
  const domains = terms.map((t) => cachedTopology(ctx, t.topologyKey).domains);
  return [{ kind: 'together', name, items, with: all, roots, terms: domains, exception }];
}

/** For each term, whether each domain is rooted: a root container placed there. */
function rootedDomains(rule: TogetherRule, domainOfs: readonly Int32Array[], plan: ArrayLike<number>): Set<number>[] {
  return domainOfs.map((domainOf) => {
    const out = new Set<number>();
    for (const j of rule.roots) if (plan[j]! >= 0 && domainOf[plan[j]!]! >= 0) out.add(domainOf[plan[j]!]!);
    return out;
  });
}

/**
 * The owners' violations in a plan, with the exception node when one is needed and found: the unrooted owners'
 * domains must all be those of one node that holds an owner matching all the terms.
 */
function judge(
  rule: TogetherRule,
  domainOfs: readonly Int32Array[],
  plan: ArrayLike<number>,
): { bad: number[]; exceptionNode: number } {
  const rooted = rootedDomains(rule, domainOfs, plan);
  const unrooted = rule.items.filter((j) => {
    const i = plan[j]!;
    return i >= 0 && domainOfs.some((domainOf, t) => !rooted[t]!.has(domainOf[i]!));
  });
  const off = unrooted.filter((j) => domainOfs.some((domainOf) => domainOf[plan[j]!]! < 0));
  if (off.length > 0 || unrooted.length === 0 || !rule.exception) return { bad: unrooted, exceptionNode: -1 };
  const inAll = new Set(rule.with);
  const candidates = new Set(rule.items.filter((j) => inAll.has(j) && plan[j]! >= 0).map((j) => plan[j]!));
  for (const i of candidates)
    if (unrooted.every((j) => domainOfs.every((domainOf) => domainOf[plan[j]!] === domainOf[i])))
      return { bad: [], exceptionNode: i };
  return { bad: unrooted, exceptionNode: -1 };
}

/** Exception binaries e_i on the nodes where an owner matching all the terms may go: Σ e_i ≤ 1, e_i ≤ y_i. */
function exceptionRows(rule: TogetherRule, b: ProgramRows, g: number, domainOfs: Int32Array[]): Map<number, number> {
  const inAll = new Set(rule.with);
  const byNode = new Map<number, number[]>();
  for (const c of b.classesOf(rule.items.filter((j) => inAll.has(j))))
    for (const v of b.varsOfClass[c]!) byNode.set(b.varNode[v]!, [...(byNode.get(b.varNode[v]!) ?? []), v]);
  const e = new Map<number, number>();
  for (const [i, vs] of byNode) {
    const value = (plan: ArrayLike<number>): number => (judge(rule, domainOfs, plan).exceptionNode === i ? 1 : 0);
    const x = b.newAux(1, (v) => ({ v, kind: 'rule', what: 'the first owner is here', value }));
    b.row(`together_first_${g}_${i}`, 'rule', 'le', 0, [[x, 1], ...vs.map(withCoef(-1))]);
    e.set(i, x);
  }
  b.row(`together_once_${g}`, 'rule', 'le', 1, [...e.values()].map(withCoef(1)));
  return e;
}

/**
 * Per term and domain D an owner may enter, unless a running root is there: y_D(owners) ≤ U r_D, r_D binary, and
 * r_D ≤ N_D(pending roots) + Σ_{i ∈ D} e_i (the exception node, where there is one).
 */
function togetherRows(rule: TogetherRule, b: ProgramRows, g: number): void {
  const m = b.model;
  const domainOfs = rule.terms.map((d) => domainIndex(d, m.nodes.length));
  const e = rule.exception ? exceptionRows(rule, b, g, domainOfs) : new Map<number, number>();
  const pinnedRoots = rule.roots.filter((j) => isPinned(m, j));
  // A running root stays, unless a plan may leave running containers out: then it is a variable like the others.
  const evictable = m.rules?.unplacedPenalty !== undefined;
  const pendingRoots = evictable ? rule.roots : rule.roots.filter((j) => !isPinned(m, j));
  rule.terms.forEach((domains, t) => {
    const fixed = fixedPerDomain(m, pinnedRoots, domains);
    domains.forEach((d, k) => {
      const own = b.inDomain(rule.items, d);
      if (own.length === 0 || (fixed[k]! > 0 && !evictable)) return;
      const value = (plan: ArrayLike<number>): number => {
        const { exceptionNode } = judge(rule, domainOfs, plan);
        const here = exceptionNode >= 0 && domainOfs[t]![exceptionNode] === k;
        return here || rootedDomains(rule, domainOfs, plan)[t]!.has(k) ? 1 : 0;
      };
      const r = b.newAux(1, (v) => ({ v, kind: 'rule', what: 'the domain is rooted', value }));
      const upper = own.reduce((n, v) => n + b.varUpper[v]!, 0);
      b.row(`together_${g}_${t}_${k}`, 'rule', 'le', 0, [...own.map(withCoef(1)), [r, -upper]]);
      const roots = b.inDomain(pendingRoots, d).map(withCoef(-1));
      const firsts = d.flatMap((i) => (e.has(i) ? [[e.get(i)!, -1] as [number, number]] : []));
      b.row(`together_root_${g}_${t}_${k}`, 'rule', 'le', 0, [[r, 1], ...roots, ...firsts]);
    });
  });
}

/** Whether every domain of every term holds a root that runs there and stays. */
function everyDomainRooted(rule: TogetherRule, m: AssignmentModel): boolean {
  const pinnedRoots = rule.roots.filter((j) => isPinned(m, j));
  return rule.terms.every((domains) => fixedPerDomain(m, pinnedRoots, domains).every((f) => f > 0));
}

/** kube-scheduler's check on each owner: every term's domain holds a matching container, or none runs anywhere yet. */
function greedyState(rule: TogetherRule, model: AssignmentModel): GreedyState {
  const domainOfs = rule.terms.map((d) => domainIndex(d, model.nodes.length));
  const counts = rule.terms.map((d) => new Int32Array(d.length));
  const inAll = new Set(rule.with);
  let placed = 0;
  return {
    allows: (j, i) => {
      if (domainOfs.some((domainOf) => domainOf[i]! < 0)) return false;
      if (domainOfs.every((domainOf, t) => counts[t]![domainOf[i]!]! > 0)) return true;
      return rule.exception && placed === 0 && inAll.has(j);
    },
    place: (p, i) => {
      if (!inAll.has(p)) return;
      placed++;
      domainOfs.forEach((domainOf, t) => domainOf[i]! >= 0 && counts[t]![domainOf[i]!]!++);
    },
    ...(domainOfs.length === 1 ? { domainOf: domainOfs[0]! } : {}),
  };
}

export const together: RuleKind<TogetherRule, never> = {
  roles: (rule) => [
    ['own', rule.items],
    ['w', rule.with],
    ['r', rule.roots],
  ],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.with,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items), with: map(rule.with), roots: map(rule.roots) }),
  topologies: (rule) => rule.terms,
  compile: compileAffinity,
  rows: togetherRows,
  scale: {
    // Where a running matching container stays in every domain of every term, every domain is rooted whatever the
    // plan, and the rule asks nothing beyond the term's keys on the node (blocks): the aggregate need not hold it.
    of: (rule, ctx) =>
      !ctx.penalties && everyDomainRooted(rule, ctx.model)
        ? undefined
        : { outOfReach: `required pod affinity with domains where no matching pod stays (${rule.name})` },
    // Never called: `of` holds no rule of this kind in the aggregate.
    rows: () => undefined,
    inPatterns: false,
  },
  check: (rule, v) =>
    judge(
      rule,
      rule.terms.map((d) => v.domainOf(d)),
      v.plan,
    )
      // A running owner that stays is counted, not checked (kube-scheduler checks a pod as it arrives).
      .bad.filter((j) => !v.pinned(j))
      .map((j) => `${rule.name}: ${v.name(j)} has no container matching every term in its domain`),
  greedy: {
    state: greedyState,
    // Takes out the owners the final plan leaves without a rooted domain (removals of roots may have caused it).
    repair: (rule, model, plan) => {
      const domainOfs = rule.terms.map((d) => domainIndex(d, model.nodes.length));
      for (const j of judge(rule, domainOfs, plan).bad) plan[j] = -1;
    },
  },
  reason: {
    message: "node(s) didn't match pod affinity rules",
    breaks: (rule, model, plan) => {
      const domainOfs = rule.terms.map((d) => domainIndex(d, model.nodes.length));
      const counts = domainOfs.map((domainOf, t) => perDomain(rule.with, plan, domainOf, rule.terms[t]!.length));
      const none = counts.every((c) => c.every((n) => n === 0));
      const inAll = new Set(rule.with);
      return (j, i) =>
        domainOfs.some((domainOf) => domainOf[i]! < 0) ||
        (domainOfs.some((domainOf, t) => counts[t]![domainOf[i]!] === 0) && !(rule.exception && none && inAll.has(j)));
    },
  },
};

export type { Domains };
