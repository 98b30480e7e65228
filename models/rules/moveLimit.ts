import type { GroupRule } from '../model.js';
import { withCoef, type RuleKind, type ScaleRuleBase } from './kind.js';

/**
 * moveLimit: at most `limit` of `items` are placed on a node other than their current one (the move budget of a
 * capacity question; it does not come from the snapshot).
 */
export type MoveLimitRule = Extract<GroupRule, { kind: 'moveLimit' }>;

export interface MoveLimitScale extends ScaleRuleBase {
  readonly kind: 'moveLimit';
  readonly limit: number;
}

export const moveLimitRule = (name: string, items: number[], limit: number): MoveLimitRule => ({
  kind: 'moveLimit',
  name,
  items,
  limit,
});

const movedOf = (rule: MoveLimitRule, plan: ArrayLike<number>, current: Int32Array | undefined): number =>
  rule.items.filter((j) => plan[j]! >= 0 && plan[j] !== current?.[j]).length;

export const moveLimit: RuleKind<MoveLimitRule, MoveLimitScale> = {
  countsMoves: true,
  roles: (rule) => [['s', rule.items]],
  constrained: (rule) => rule.items,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items) }),
  topologies: () => [],
  // Σ over the items' classes of y_ic on every node but their current one ≤ limit
  rows: (rule, b, g) => {
    const current = b.model.rules!.current;
    const vs = b
      .classesOf(rule.items)
      .flatMap((c) => b.varsOfClass[c]!.filter((v) => b.varNode[v] !== current[b.classes[c]![0]!]));
    b.row(`moves_${g}`, 'rule', 'le', rule.limit, vs.map(withCoef(1)));
  },
  scale: {
    of: (rule, ctx) => ({ kind: 'moveLimit', classes: ctx.classesOf(rule.items), limit: rule.limit }),
    // Σ of y_gc over the pairs off the class's current group ≤ limit
    rows: (rule, b, r) => {
      const cs = new Set(rule.classes);
      const terms = new Map<number, number>();
      b.agg.pairs.forEach((p, v) => cs.has(p.c) && p.g !== b.agg.classes[p.c]!.current && terms.set(v, 1));
      b.row(`moves${r}`, terms, 'le', rule.limit);
    },
    inPatterns: false,
  },
  check: (rule, v) => {
    const moved = movedOf(rule, v.plan, v.model.rules?.current);
    return moved > rule.limit ? [`${rule.name}: ${moved} containers moved, at most ${rule.limit}`] : [];
  },
  greedy: {
    state: (rule, model) => {
      const current = model.rules!.current;
      let moved = 0;
      return {
        allows: (j, i) => i === current[j] || moved < rule.limit,
        place: (p, i) => void (i !== current[p] && moved++),
        only: (j) => (moved < rule.limit ? undefined : current[j]),
      };
    },
  },
  reason: {
    message: 'node(s) had room, but the move budget is spent',
    breaks: (rule, model, plan) => {
      const current = model.rules?.current;
      const moved = movedOf(rule, plan, current);
      return (j, i) => i !== current?.[j] && moved + 1 > rule.limit;
    },
  },
};
