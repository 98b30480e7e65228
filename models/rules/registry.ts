import type { GroupRule } from '../model.js';
import { apart, type ApartScale } from './apart.js';
import { atMost, type AtMostScale } from './atMost.js';
import { gang, type GangScale } from './gang.js';
import type { CompileContext } from './context.js';
import type { RuleKind, ScaleRuleBase } from './kind.js';
import { moveLimit, type MoveLimitScale } from './moveLimit.js';
import { preferApart, type PreferApartScale } from './preferApart.js';
import { preferSpread, type PreferSpreadScale } from './preferSpread.js';
import { preferTogether, type PreferTogetherScale } from './preferTogether.js';
import { spread, type SpreadScale } from './spread.js';
import { together } from './together.js';
import { topologyGroup, type TopologyScale } from './topologyGroup.js';
import { keepFree, type KeepFreeScale } from './keepFree.js';

/**
 * Every rule kind, by its name in the model's type (models/model.ts, GroupRule). The type refuses a kind that
 * lacks a module here or a part in its module. Adding a kind: its module and one line here (docs/architecture.md).
 * The snapshot's compilers run in this order, so the model's rules come in it too.
 */
export const RULE_KINDS = {
  atMost,
  apart,
  together,
  spread,
  topologyGroup,
  keepFree,
  gang,
  moveLimit,
  preferSpread,
  preferApart,
  preferTogether,
} satisfies { readonly [K in GroupRule['kind']]: RuleKind<Extract<GroupRule, { kind: K }>, ScaleRuleBase> };

/** A rule as the aggregate over node groups and container classes holds it (solver/scale/aggregate.ts). */
export type ScaleRule =
  | AtMostScale
  | ApartScale
  | SpreadScale
  | GangScale
  | TopologyScale
  | KeepFreeScale
  | MoveLimitScale
  | PreferSpreadScale
  | PreferApartScale
  | PreferTogetherScale;

/** The module of a rule's kind. */
export function kindOf<R extends GroupRule>(rule: R): RuleKind<R, ScaleRule> {
  return RULE_KINDS[rule.kind] as unknown as RuleKind<R, ScaleRule>;
}

/** The module of a scale rule's kind, with its scale part typed for it. */
export function scaleKindOf(rule: ScaleRule): RuleKind<GroupRule, ScaleRule>['scale'] {
  return RULE_KINDS[rule.kind].scale as unknown as RuleKind<GroupRule, ScaleRule>['scale'];
}

/** Every container a rule involves, in any role. */
export function itemsOf(rule: GroupRule): number[] {
  return kindOf(rule)
    .roles(rule)
    .flatMap(([, items]) => items);
}

/** The model's group rules, compiled from a snapshot by every kind's compiler, in registry order. */
export function compileGroupRules(ctx: CompileContext): GroupRule[] {
  const kinds: readonly Pick<RuleKind<GroupRule>, 'compile'>[] = Object.values(RULE_KINDS);
  return kinds.flatMap((k) => k.compile?.(ctx) ?? []);
}
