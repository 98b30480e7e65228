import type { GroupRule } from '../../models/model.js';
import { withCoef, type ProgramBuilder } from './builder.js';
import { classesOf } from './classes.js';

/**
 * The rows of the group rules, over the class variables y_ic (N_D(S) = Σ over classes in S and nodes in D):
 * - atMost:    N_D(S) ≤ limit for every domain D;
 * - apart:     N_D(A) ≤ |A| z_D and N_D(B) ≤ |B| (1 − z_D), z_D binary;
 * - together:  an owner class's count in D is at most U · N_D(with), see togetherRows;
 * - spread:    L ≤ N_D(S) and N_D(S) − L ≤ maxSkew for every domain, L an integer;
 * - gang:      in the assignment rows (or implied when every container must be placed);
 * - moveLimit: Σ of the items' variables off their current node ≤ limit.
 */
export function ruleRows(b: ProgramBuilder): void {
  (b.model.rules?.groups ?? []).forEach((rule, g) => {
    switch (rule.kind) {
      case 'atMost':
        rule.domains.forEach((d, k) => {
          const vs = b.inDomain(rule.items, d);
          if (vs.reduce((t, v) => t + b.varUpper[v]!, 0) > rule.limit)
            b.row(`atmost_${g}_${k}`, 'rule', 'le', rule.limit, vs.map(withCoef(1)));
        });
        break;
      case 'apart':
        apartRows(b, rule, g);
        break;
      case 'together':
        togetherRows(b, rule, g);
        break;
      case 'spread':
        spreadRows(b, rule, g);
        break;
      case 'gang':
        break;
      case 'moveLimit': {
        // Σ over the items' classes of y_ic on every node but their current one ≤ limit
        const current = b.model.rules!.current;
        const vs = classesOf(b.classes, rule.items).flatMap((c) =>
          b.varsOfClass[c]!.filter((v) => b.varNode[v] !== current[b.classes[c]![0]!]),
        );
        b.row(`moves_${g}`, 'rule', 'le', rule.limit, vs.map(withCoef(1)));
        break;
      }
    }
  });
}

function apartRows(b: ProgramBuilder, rule: GroupRule & { kind: 'apart' }, g: number): void {
  rule.domains.forEach((d, k) => {
    const a = b.inDomain(rule.a, d);
    const bs = b.inDomain(rule.b, d);
    if (a.length === 0 || bs.length === 0) return;
    const z = b.newAux(1, (v) => ({ v, kind: 'present', items: rule.a, nodes: d }));
    b.row(`apart_a_${g}_${k}`, 'rule', 'le', 0, [...a.map(withCoef(1)), [z, -rule.a.length]]);
    b.row(`apart_b_${g}_${k}`, 'rule', 'le', rule.b.length, [...bs.map(withCoef(1)), [z, rule.b.length]]);
  });
}

/**
 * Per owner class c and domain D, with S the selected containers and U the most of c that D can hold:
 *   c outside S:        y_D(c) ≤ U · N_D(S)
 *   c = {j} inside S:   y_D(j) ≤ N_D(S \ {j})
 *   |c| > 1 inside S:   y_D(c) ≤ U · z_D and 2 z_D ≤ N_D(S), z_D binary (a lone member needs another)
 */
function togetherRows(b: ProgramBuilder, rule: GroupRule & { kind: 'together' }, g: number): void {
  const selected = new Set(rule.with);
  for (const c of classesOf(b.classes, rule.items)) {
    const members = b.classes[c]!;
    const inside = selected.has(members[0]!);
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

function spreadRows(b: ProgramBuilder, rule: GroupRule & { kind: 'spread' }, g: number): void {
  const low = b.newAux(rule.items.length, (v) => ({ v, kind: 'min', items: rule.items, domains: rule.domains }));
  rule.domains.forEach((d, k) => {
    const vs = b.inDomain(rule.items, d);
    b.row(`spread_low_${g}_${k}`, 'rule', 'le', 0, [[low, 1], ...vs.map(withCoef(-1))]);
    if (vs.length > 0) b.row(`spread_skew_${g}_${k}`, 'rule', 'le', rule.maxSkew, [[low, -1], ...vs.map(withCoef(1))]);
  });
}
