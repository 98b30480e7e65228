import { domainIndex, type AssignmentModel, type GroupRule } from '../model.js';
import { cachedTopology, type CompileContext } from './context.js';
import type { AggregateRows, GreedyState, PlanView, ProgramRows, RuleKind, ScaleRuleBase, Topology } from './kind.js';
import { termScale, weightedTermOwners } from './preferApart.js';
import { SCORE_WEIGHTS } from './weights.js';
import { topologyParts } from './kind.js';

/**
 * preferTogether: preferred pod affinity. Its violations are the owners whose domain holds no other container
 * their term selects. Per owner class c and domain D: v ≥ y_cD − U r_cD and (1 + [c selected]) r_cD ≤ N_D(selected),
 * r binary, v costing the weight: exact, since a class that is itself selected needs a second selected container.
 */
export type PreferTogetherRule = Extract<GroupRule, { kind: 'preferTogether' }>;

export interface PreferTogetherScale extends ScaleRuleBase {
  readonly kind: 'preferTogether';
  readonly owners: readonly number[];
  readonly selected: readonly number[];
  readonly weight: number;
  readonly topology: Topology;
}

function compilePreferTogether(ctx: CompileContext): GroupRule[] {
  return weightedTermOwners(ctx, 'preferredAffinity').map(({ owners, selected, term }) => ({
    kind: 'preferTogether',
    name: `preferred affinity ${term.term.topologyKey} ${JSON.stringify(term.term.selector)} (${term.weight})`,
    owners,
    selected,
    domains: cachedTopology(ctx, term.term.topologyKey).domains,
    weight: SCORE_WEIGHTS.interPodAffinity * term.weight,
  }));
}

/** The owners of a plan whose domain holds no other selected container (unplaced ones and keyless nodes count). */
function lonely(rule: PreferTogetherRule, domainOf: Int32Array, plan: ArrayLike<number>): number[] {
  const counts = new Int32Array(rule.domains.length);
  for (const j of rule.selected) if (plan[j]! >= 0 && domainOf[plan[j]!]! >= 0) counts[domainOf[plan[j]!]!]!++;
  const sel = new Set(rule.selected);
  return rule.owners.filter((j) => {
    if (plan[j]! < 0) return false;
    const d = domainOf[plan[j]!]!;
    return d < 0 || counts[d]! - (sel.has(j) ? 1 : 0) === 0;
  });
}

const violations = (rule: PreferTogetherRule, v: PlanView): number =>
  lonely(rule, v.domainOf(rule.domains), v.plan).length;

/** Per owner class and domain (see the file comment); an owner on a node without the key is lonely. */
function rows(rule: PreferTogetherRule, b: ProgramRows, g: number): void {
  if (b.preferenceWeight === 0) return;
  const w = b.preferenceWeight * rule.weight;
  const domainOf = domainIndex(rule.domains, b.model.nodes.length);
  const sel = new Set(rule.selected);
  const inDomain = new Set(rule.domains.flat());
  for (const c of b.classesOf(rule.owners)) {
    const members = b.classes[c]!;
    const self = sel.has(members[0]!) ? 2 : 1;
    // Nodes without the key: every owner there is lonely.
    for (const v of b.varsOfClass[c]!) if (!inDomain.has(b.varNode[v]!)) b.addCost(v, w);
    rule.domains.forEach((d, k) => {
      const own = b.inDomain(members, d);
      if (own.length === 0) return;
      const upper = own.reduce((t, v) => t + b.varUpper[v]!, 0);
      const lonelyHere = (plan: ArrayLike<number>): number =>
        lonely(rule, domainOf, plan).filter((j) => members.includes(j) && domainOf[plan[j]!] === k).length;
      const r = b.newAux(1, (v) => ({
        v,
        kind: 'rule',
        what: 'a partner is here',
        value: (p) => (lonelyHere(p) > 0 ? 0 : 1),
      }));
      const x = b.newAux(upper, (v) => ({ v, kind: 'rule', what: 'owners alone', value: lonelyHere }), w, true);
      b.row(`ptog_${g}_${c}_${k}`, 'rule', 'le', 0, [
        ...own.map((v): [number, number] => [v, 1]),
        [r, -upper],
        [x, -1],
      ]);
      const partners = b.inDomain(rule.selected, d).map((v): [number, number] => [v, -1]);
      b.row(`ptog_r_${g}_${c}_${k}`, 'rule', 'le', 0, [[r, self], ...partners]);
    });
  }
}

/** The same over zones and groups of nodes (a bound for groups of several nodes: partners may share a node). */
function scaleRows(rule: PreferTogetherScale, b: AggregateRows, r: number): void {
  if (b.preferenceWeight === 0) return;
  const w = b.preferenceWeight * rule.weight;
  const sel = new Set(rule.selected);
  const parts = topologyParts(rule.topology, b.agg);
  for (const c of rule.owners) {
    const size = b.agg.classes[c]!.items.length;
    for (const { name, groups } of parts) {
      const own = b.count(groups, new Set([c]));
      if (own.size === 0) continue;
      const present = b.variable(0, 1);
      const x = b.variable(w, size, false);
      b.row(
        `ptog${r}_${c}_${name}`,
        b.count(
          groups,
          new Set([c]),
          new Map([
            [present, -size],
            [x, -1],
          ]),
        ),
        'le',
        0,
      );
      b.row(`ptogR${r}_${c}_${name}`, b.count(groups, sel, new Map([[present, sel.has(c) ? 2 : 1]]), -1), 'le', 0);
    }
  }
}

function greedyState(rule: PreferTogetherRule, model: AssignmentModel): GreedyState {
  const domainOf = domainIndex(rule.domains, model.nodes.length);
  const counts = new Int32Array(rule.domains.length);
  const owners = new Set(rule.owners);
  const sel = new Set(rule.selected);
  return {
    allows: () => true,
    place: (p, i) => void (sel.has(p) && domainOf[i]! >= 0 && counts[domainOf[i]!]!++),
    domainOf,
    cost: (j, i) => (owners.has(j) && (domainOf[i]! < 0 || counts[domainOf[i]!]! === 0) ? rule.weight : 0),
  };
}

export const preferTogether: RuleKind<PreferTogetherRule, PreferTogetherScale> = {
  roles: (rule) => [
    ['o', rule.owners],
    ['s', rule.selected],
  ],
  constrained: (rule) => rule.owners,
  counted: (rule) => rule.selected,
  mapItems: (rule, map) => ({ ...rule, owners: map(rule.owners), selected: map(rule.selected) }),
  topologies: (rule) => [rule.domains],
  compile: compilePreferTogether,
  rows,
  scale: {
    of: (rule, ctx) => termScale('preferTogether', rule, ctx),
    rows: scaleRows,
    inPatterns: false,
  },
  check: () => [],
  preference: { weight: (rule) => rule.weight, violations, most: (rule) => rule.owners.length },
  greedy: { state: greedyState },
  reason: { message: "node(s) didn't match pod affinity rules", breaks: () => () => false },
};
