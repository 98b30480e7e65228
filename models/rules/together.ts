import { domainIndex, type AssignmentModel, type GroupRule } from '../model.js';
import { cachedTopology, selected, termOwners, type CompileContext } from './context.js';
import { DomainCounts, perDomain } from './counts.js';
import { withCoef, type GreedyState, type ProgramRows, type RuleKind } from './kind.js';

/**
 * together: every container of `items` shares a domain with at least one other container of `with` (required pod
 * affinity; a container may be in both sets, and then another one of `with` must be beside it).
 */
export type TogetherRule = Extract<GroupRule, { kind: 'together' }>;

/**
 * Affinity: each owner shares a domain with another container its term selects; an owner whose term selects only
 * itself is free (as in Kubernetes), one whose term selects nobody may go nowhere, and no owner may go on a node
 * without the topology key (those two are blocks, asked of the block table).
 */
function compileAffinity(ctx: CompileContext): GroupRule[] {
  const rules: GroupRule[] = [];
  for (const { owners, term } of termOwners(ctx, (j) => ctx.s.containers[j]!.affinity)) {
    const matched = selected(ctx, term, owners[0]!);
    const { domains } = cachedTopology(ctx, term.topologyKey);
    const items: number[] = [];
    for (const j of owners) {
      const alone = matched.length === 0 || (matched.length === 1 && matched[0] === j);
      if (alone) {
        if (matched.length === 0) ctx.block(j, 'none');
        continue;
      }
      ctx.block(j, `key:${term.topologyKey}`);
      items.push(j);
    }
    if (items.length > 0)
      rules.push({
        kind: 'together',
        name: `affinity ${term.topologyKey} ${JSON.stringify(term.selector)}`,
        items,
        with: matched,
        domains,
      });
  }
  return rules;
}

/**
 * Per owner class c and domain D, with S the selected containers and U the most of c that D can hold:
 *   c outside S:        y_D(c) ≤ U · N_D(S)
 *   c = {j} inside S:   y_D(j) ≤ N_D(S \ {j})
 *   |c| > 1 inside S:   y_D(c) ≤ U · z_D and 2 z_D ≤ N_D(S), z_D binary (a lone member needs another)
 */
function togetherRows(rule: TogetherRule, b: ProgramRows, g: number): void {
  const inWith = new Set(rule.with);
  for (const c of b.classesOf(rule.items)) {
    const members = b.classes[c]!;
    const inside = inWith.has(members[0]!);
    rule.domains.forEach((d, k) => {
      const dset = new Set(d);
      const own = b.varsOfClass[c]!.filter((v) => dset.has(b.varNode[v]!));
      if (own.length === 0) return;
      const most = Math.min(
        members.length,
        own.reduce((t, v) => t + b.varUpper[v]!, 0),
      );
      const ownSet = new Set(own);
      const others = b.inDomain(rule.with, d).filter((v) => !(inside && members.length === 1 && ownSet.has(v)));
      if (!inside || members.length === 1) {
        b.row(`together_${g}_${c}_${k}`, 'rule', 'le', 0, [
          ...own.map(withCoef(1)),
          ...others.map(withCoef(inside ? -1 : -most)),
        ]);
        return;
      }
      const z = b.newAux(1, (v) => ({ v, kind: 'present', items: members, nodes: d }));
      b.row(`together_${g}_${c}_${k}`, 'rule', 'le', 0, [...own.map(withCoef(1)), [z, -most]]);
      b.row(`together_pair_${g}_${c}_${k}`, 'rule', 'le', 0, [[z, 2], ...others.map(withCoef(-1))]);
    });
  }
}

const withSets = new WeakMap<TogetherRule, Set<number>>();
const withSet = (rule: TogetherRule): Set<number> => {
  let s = withSets.get(rule);
  if (!s) withSets.set(rule, (s = new Set(rule.with)));
  return s;
};

/**
 * The greedy's check: a selected container in the domain, except that the first of a self-selecting group may go
 * anywhere, as in the scheduler (j is selected by a rule of this kind whose owners, other than j, this rule selects).
 */
function greedyState(rule: TogetherRule, model: AssignmentModel, rules: readonly GroupRule[]): GreedyState {
  const domainOf = domainIndex(rule.domains, model.nodes.length);
  const c = new DomainCounts(domainOf, rule.domains.length);
  const mine = withSet(rule);
  let alike: TogetherRule[] | undefined;
  const selfGroup = (j: number): boolean =>
    (alike ??= rules.filter((g): g is TogetherRule => g.kind === rule.kind)).some(
      (g) => withSet(g).has(j) && g.items.some((o) => o !== j && mine.has(o)),
    );
  let placed = 0;
  return {
    allows: (j, i) => domainOf[i]! >= 0 && (c.at(i) > 0 || (placed === 0 && selfGroup(j))),
    place: (p, i) => {
      if (!mine.has(p)) return;
      placed++;
      c.add(i);
    },
    domainOf,
  };
}

export const together: RuleKind<TogetherRule, never> = {
  roles: (rule) => [
    ['own', rule.items],
    ['w', rule.with],
  ],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.with,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items), with: map(rule.with) }),
  domains: (rule) => rule.domains,
  compile: compileAffinity,
  rows: togetherRows,
  scale: {
    of: (rule) => ({ outOfReach: `required pod affinity (${rule.name})` }),
    // Never called: `of` leaves every rule of this kind out of the aggregate.
    rows: () => undefined,
    inPatterns: false,
  },
  check: (rule, v) => {
    const counts = perDomain(rule.with, v.plan, v.domainOf, rule.domains.length);
    const inWith = withSet(rule);
    const out: string[] = [];
    for (const j of rule.items) {
      if (v.plan[j]! < 0) continue;
      const d = v.where(j);
      if (d < 0 || counts[d]! - (inWith.has(j) ? 1 : 0) === 0)
        out.push(`${rule.name}: ${v.name(j)} has no selected container in its domain`);
    }
    return out;
  },
  greedy: {
    state: greedyState,
    // Takes out every owner without a partner in its domain (removals only ever add to these).
    repair: (rule, model, plan) => {
      const inWith = withSet(rule);
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const counts = perDomain(rule.with, plan, domainOf, rule.domains.length);
      const lonely = rule.items.filter(
        (j) =>
          plan[j]! >= 0 && (domainOf[plan[j]!]! < 0 || counts[domainOf[plan[j]!]!]! - (inWith.has(j) ? 1 : 0) === 0),
      );
      for (const j of lonely) plan[j] = -1;
    },
  },
  reason: {
    message: "node(s) didn't match pod affinity rules",
    breaks: (rule, model, plan) => {
      const domainOf = domainIndex(rule.domains, model.nodes.length);
      const counts = perDomain(rule.with, plan, domainOf, rule.domains.length);
      return (_j, i) => domainOf[i]! < 0 || counts[domainOf[i]!]! === 0;
    },
  },
};
