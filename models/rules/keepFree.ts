import { domainIndex, topologyWeightOf, type AssignmentModel, type GroupRule, type TopologyTree } from '../model.js';
import type { CompileContext } from './context.js';
import {
  withCoef,
  type GreedyState,
  type PlanView,
  type ProgramRows,
  type RuleKind,
  type ScaleRuleBase,
} from './kind.js';
import { spanRange, varsByDomain } from './topologyGroup.js';

/**
 * keepFree: defragmentation (options.topology.keepFree, docs/topology.md). The domains of one topology level that
 * hold any container count in the objective's topology part, each costing `weight`, which is more than every
 * group's spans can add up to: the plan leaves the most domains of that level free first, then packs the groups,
 * then (the rest of the objective, below the topology part) moves the fewest containers. With keepFreeOrder
 * `afterSpans` the weight is 1 and the spans' weights are scaled above it (topologyGroup.ts keepFreeAfterSpans):
 * the groups are packed first, then the most domains are left free. With keepFreeWeight the weight is as given, in
 * the units of the spans' weights (one host more spanned costs 1): a domain left free is traded against spans.
 * Running containers that stay keep their domain in use.
 */
export type KeepFreeRule = Extract<GroupRule, { kind: 'keepFree' }>;

export interface KeepFreeScale extends ScaleRuleBase {
  readonly kind: 'keepFree';
}

/** The model's keepFree rule, if options.topology.keepFree asked for one. */
export const keepFreeRuleOf = (model: AssignmentModel): KeepFreeRule | undefined =>
  (model.rules?.groups ?? []).find((r): r is KeepFreeRule => r.kind === 'keepFree');

function compileKeepFree(ctx: CompileContext): GroupRule[] {
  const label = ctx.s.options?.topology?.keepFree;
  const tree = ctx.tree;
  if (label === undefined || !tree) return [];
  const level = tree.labels.indexOf(label);
  const items = ctx.s.containers.map((_, j) => j);
  return [
    {
      kind: 'keepFree',
      name: `domains of ${label} in use`,
      items,
      domains: tree.domains[level]!,
      weight: weightOf(ctx, tree),
      ...(ctx.s.options?.topology?.keepFreeWeight !== undefined ? { given: true as const } : {}),
    },
  ];
}

/** keepFreeWeight as given; else 1 after the spans (scaled above it), or more than the spans can add up to. */
function weightOf(ctx: CompileContext, tree: TopologyTree): number {
  const t = ctx.s.options?.topology;
  return t?.keepFreeWeight ?? (t?.keepFreeOrder === 'afterSpans' ? 1 : spanRange(ctx, tree) + 1);
}

/**
 * The rule for some containers where the others stay where they are (`busy`: the nodes that hold one): the domains
 * they keep in use cost the same whatever the rest does, so the rule over the rest leaves them out.
 */
export function keepFreeAround(rule: KeepFreeRule, busy: Uint8Array): KeepFreeRule {
  return { ...rule, domains: rule.domains.filter((d) => !d.some((i) => busy[i] === 1)) };
}

/** The domains that hold a placed container. */
function used(rule: KeepFreeRule, v: PlanView): number {
  const domainOf = v.domainOf(rule.domains);
  const busy = new Uint8Array(rule.domains.length);
  for (let j = 0; j < v.plan.length; j++) {
    const d = v.at(j, domainOf);
    if (d >= 0) busy[d] = 1;
  }
  return busy.reduce((t, b) => t + b, 0);
}

/** u_D binary per domain, costing weight × the topology weight: Σ_{v on D} y_v ≤ (Σ upper bounds) u_D. */
function rows(rule: KeepFreeRule, b: ProgramRows, g: number): void {
  const cost = topologyWeightOf(b.model) * rule.weight;
  if (cost === 0) return;
  const byDomain = varsByDomain(b, rule.items, rule.domains);
  rule.domains.forEach((d, k) => {
    const vars = byDomain[k]!;
    if (vars.length === 0) return;
    const u = b.newAux(1, (v) => ({ v, kind: 'present', items: rule.items, nodes: d }), cost);
    const most = vars.reduce((t, v) => t + b.varUpper[v]!, 0);
    b.row(`free_${g}_${k}`, 'rule', 'le', 0, [...vars.map(withCoef(1)), [u, -most]]);
  });
}

/** The greedy prefers, on ties, a node whose domain is in use already. */
function greedyState(rule: KeepFreeRule, model: AssignmentModel): GreedyState {
  const domainOf = domainIndex(rule.domains, model.nodes.length);
  const busy = new Uint8Array(rule.domains.length);
  return {
    allows: () => true,
    place: (_p, i) => void (domainOf[i]! >= 0 && (busy[domainOf[i]!] = 1)),
    cost: (_j, i) => (domainOf[i]! >= 0 && busy[domainOf[i]!] === 0 ? rule.weight : 0),
  };
}

export const keepFree: RuleKind<KeepFreeRule, KeepFreeScale> = {
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  topologies: (rule) => [rule.domains],
  compile: compileKeepFree,
  rows,
  scale: {
    of: () => ({ outOfReach: 'keeping domains free is held by the per-node program only' }),
    rows: () => undefined,
    inPatterns: false,
  },
  // Never makes a plan invalid: the domains in use are a part of the objective.
  check: () => [],
  preference: {
    part: 'topology',
    weight: (rule) => rule.weight,
    violations: used,
    most: (rule) => rule.domains.length,
  },
  greedy: { state: greedyState },
  reason: { message: 'node(s) in a domain kept free', breaks: () => () => false },
};
