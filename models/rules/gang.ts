import type { AssignmentModel, GroupRule } from '../model.js';
import type { Snapshot } from '../snapshot.js';
import type { RuleKind, ScaleRuleBase } from './kind.js';

/**
 * gang: all of `items` are placed or none is. When every container must be placed, the assignment rows imply it;
 * with options.allowUnplaced one binary per gang joins the assignment rows of its classes.
 */
export type GangRule = Extract<GroupRule, { kind: 'gang' }>;

/** The model's gangs, in rule order. */
export const gangsOf = (model: AssignmentModel): GangRule[] =>
  (model.rules?.groups ?? []).filter((r): r is GangRule => r.kind === 'gang');

export interface GangScale extends ScaleRuleBase {
  readonly kind: 'gang';
}

/** One gang per name, of the containers that give it (a gang of one is no rule). */
function compileGangs(s: Snapshot): GroupRule[] {
  const gangs = new Map<string, number[]>();
  s.containers.forEach((c, j) => {
    if (c.gang === undefined) return;
    const g = gangs.get(c.gang);
    if (g) g.push(j);
    else gangs.set(c.gang, [j]);
  });
  return [...gangs].flatMap(([name, items]): GroupRule[] =>
    items.length > 1 ? [{ kind: 'gang', name: `gang ${name}`, items }] : [],
  );
}

export const gang: RuleKind<GangRule, GangScale> = {
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  topologies: () => [],
  compile: (ctx) => compileGangs(ctx.s),
  // Held in the assignment rows (assignmentLink), or implied by them when every container must be placed.
  rows: () => undefined,
  // Σ_i y_ic = |c| g for each class c of the gang, g binary
  assignmentLink: (rule, b) =>
    b.model.rules?.unplacedPenalty === undefined
      ? undefined
      : b.newAux(1, (v) => ({ v, kind: 'placed', items: rule.items })),
  scale: {
    of: (rule, ctx) => (ctx.penalties ? { kind: 'gang', classes: ctx.classesOf(rule.items) } : undefined),
    // a binary `placed`: Σ_g y_gc = |c| placed for each class c
    rows: (rule, b, r) => {
      const placed = b.variable(0, 1);
      const all = b.agg.groups.map((_, g) => g);
      for (const c of rule.classes) {
        const terms = b.count(all, new Set([c]));
        b.row(`gang${r}_${c}`, terms.set(placed, -b.agg.classes[c]!.items.length), 'eq', 0);
      }
    },
    inPatterns: false,
  },
  check: (rule, v) => {
    const placed = rule.items.filter((j) => v.plan[j]! >= 0).length;
    if (placed === 0 || placed === rule.items.length) return [];
    return [`${rule.name}: ${placed} of ${rule.items.length} containers placed (all or none)`];
  },
  greedy: {
    // The greedy places members one by one; a partial gang is taken out at the end.
    repair: (rule, _model, plan) => {
      for (const j of rule.items) plan[j] = -1;
    },
  },
  reason: { message: 'node(s) had room for it alone, but not for its whole gang' },
};
