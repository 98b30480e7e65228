import {
  demandUnits,
  domainIndex,
  isBlocked,
  unitsToNumber,
  type AssignmentModel,
  senseSign,
} from '../models/model.js';
import type { AuxVariable, IntegerProgram, Row } from './ip.js';

export interface FormulationOptions {
  /**
   * Symmetry-aware (default true): containers with identical requests and cost rows form one class,
   * modelled by integer counts y_ic instead of one binary per container, and nodes with identical
   * capacities and cost columns get order rows. The optimum is the plain model's.
   */
  readonly symmetry?: boolean;
}

/**
 * Builds the integer program
 *   min (or max) Σ_i Σ_c c_ic y_ic
 * with a variable y_ic only for the pairs where a container of class c fits on empty node i, and
 * 0 ≤ y_ic ≤ min(|c|, how many copies fit on node i alone).
 */
export function formulate(model: AssignmentModel, options: FormulationOptions = {}): IntegerProgram {
  const n = model.nodes.length;
  const m = model.items.length;
  const symmetry = options.symmetry ?? true;
  const classes = symmetry ? containerClasses(model) : Array.from({ length: m }, (_, j) => [j]);

  const nodes: number[] = [];
  const classOf: number[] = [];
  const costs: number[] = [];
  const uppers: number[] = [];
  const varsOfClass: number[][] = classes.map(() => []);
  const varsOfNode: number[][] = Array.from({ length: n }, () => []);
  let integralCosts = true;
  let plainVariables = 0;
  const penalty = model.rules?.unplacedPenalty;
  const sign = senseSign(model.sense);
  classes.forEach((members, c) => {
    const j = members[0]!;
    for (let i = 0; i < n; i++) {
      if (isBlocked(model, i, j)) continue;
      // How many copies of the class fit on empty node i: min over requested resources of ⌊R_ik / r_ck⌋.
      let copies = BigInt(members.length);
      for (const r of model.resources) {
        const d = demandUnits(r, i, j, m);
        if (d > 0n) {
          const fit = (r.capacity[i] ?? 0n) / d;
          if (fit < copies) copies = fit;
        }
      }
      if (copies === 0n) continue;
      plainVariables += members.length;
      const v = nodes.length;
      // Placing a container earns back its unplaced penalty (the penalties of all are in the offset).
      const cost = (model.objective?.cost ?? 1) * (model.cost[i * m + j] ?? 0) - sign * (penalty?.[j] ?? 0);
      nodes.push(i);
      classOf.push(c);
      costs.push(cost);
      uppers.push(Number(copies));
      if (!Number.isInteger(cost)) integralCosts = false;
      varsOfClass[c]!.push(v);
      varsOfNode[i]!.push(v);
    }
  });

  const rows: Row[] = [];
  const unplaceable: number[] = [];
  const aux: AuxVariable[] = [];
  const continuous: number[] = [];
  const newAux = (upper: number, make: (v: number) => AuxVariable, cost = 0, isContinuous = false): number => {
    const v = nodes.length;
    nodes.push(-1);
    classOf.push(-1);
    costs.push(cost);
    uppers.push(upper);
    aux.push(make(v));
    if (isContinuous) continuous.push(v);
    return v;
  };
  const allowUnplaced = penalty !== undefined;
  // Gangs that may stay out as a whole: a binary g per gang, and Σ_i y_ic = |c| g for each of its classes.
  const gangOfClass = new Map<number, number>();
  if (allowUnplaced) {
    for (const rule of model.rules?.groups ?? []) {
      if (rule.kind !== 'gang') continue;
      const g = newAux(1, (v) => ({ v, kind: 'placed', items: rule.items }));
      for (const c of classesOf(classes, rule.items)) gangOfClass.set(c, g);
    }
  }
  // each container on exactly one node: Σ_i y_ic = |c| for every class c (Σ_i x_ij = 1 when |c| = 1);
  // ≤ |c| when containers may stay out
  varsOfClass.forEach((vs, c) => {
    const members = classes[c]!;
    if (vs.length === 0 && !allowUnplaced) unplaceable.push(...members);
    const g = gangOfClass.get(c);
    if (g !== undefined) {
      rows.push({
        name: `gang_${c}`,
        kind: 'assign',
        op: 'eq',
        rhs: 0,
        vars: Int32Array.from([...vs, g]),
        coefs: Float64Array.from([...vs.map(() => 1), -members.length]),
      });
    } else {
      rows.push({
        name: `assign_${c}`,
        kind: 'assign',
        op: allowUnplaced ? 'le' : 'eq',
        rhs: members.length,
        vars: Int32Array.from(vs),
        coefs: new Float64Array(vs.length).fill(1),
      });
    }
  });
  rows.push(...ruleRows(model, classes, varsOfClass, nodes, uppers, newAux));
  // capacity of node i for resource k: Σ_c r_ick y_ic ≤ R_ik (rows that can never bind are left out)
  let plainCapacityRows = 0;
  model.resources.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      const capacity = r.capacity[i] ?? 0n;
      const vs: number[] = [];
      const coefs: number[] = [];
      let total = 0n;
      let plainTotal = 0n;
      for (const v of varsOfNode[i]!) {
        const d = demandUnits(r, i, classes[classOf[v]!]![0]!, m);
        if (d === 0n) continue;
        total += d * BigInt(uppers[v]!);
        plainTotal += d * BigInt(classes[classOf[v]!]!.length);
        vs.push(v);
        coefs.push(unitsToNumber(d, r.scale));
      }
      if (plainTotal > capacity) plainCapacityRows++;
      if (total <= capacity) continue;
      // Scale the row by a power of two near 1/R_ik: exact in floating point, and keeps coefficients O(1).
      const rhs = unitsToNumber(capacity, r.scale);
      const s = rhs > 0 ? 2 ** -Math.floor(Math.log2(rhs)) : 1;
      rows.push({
        name: `cap_${k}_${i}`,
        kind: 'capacity',
        op: 'le',
        rhs: rhs * s,
        vars: Int32Array.from(vs),
        coefs: Float64Array.from(coefs, (x) => x * s),
      });
    }
  });

  rows.push(...objectiveRows(model, classes, classOf, varsOfNode, uppers, newAux));

  // identical nodes i1 < i2 (same capacities, same cost and demand columns): any plan can be permuted
  // among them, so one optimal plan has them ordered by load: Σ_c w_c y_i1c ≥ Σ_c w_c y_i2c
  let nodeGroups = 0;
  if (symmetry) {
    for (const group of nodeClasses(model)) {
      if (group.length < 2) continue;
      nodeGroups++;
      const weight = (v: number): number => classWeight(model, group[0]!, classes[classOf[v]!]![0]!);
      for (let t = 0; t + 1 < group.length; t++) {
        const a = varsOfNode[group[t]!]!;
        const b = varsOfNode[group[t + 1]!]!;
        const vars = [...a, ...b];
        const coefs = [...a.map((v) => -weight(v)), ...b.map((v) => weight(v))];
        rows.push({
          name: `order_${group[t]}_${group[t + 1]}`,
          kind: 'symmetry',
          op: 'le',
          rhs: 0,
          vars: Int32Array.from(vars),
          coefs: Float64Array.from(coefs),
        });
      }
    }
  }

  return {
    sense: model.sense,
    n,
    m,
    classes,
    varNode: Int32Array.from(nodes),
    varClass: Int32Array.from(classOf),
    varCost: Float64Array.from(costs),
    varUpper: Float64Array.from(uppers),
    rows,
    aux,
    continuous,
    offset: sign * (penalty ?? []).reduce((a, b) => a + b, 0),
    allowUnplaced,
    unplaceable,
    integralCosts: integralCosts && continuous.every((v) => costs[v] === 0) && costs.every((c) => Number.isInteger(c)),
    plain: { variables: plainVariables, constraints: m + plainCapacityRows },
    nodeGroups,
  };
}

/**
 * The rows of the balance and pack objectives:
 * - balance: a continuous U in [0, 1] with Σ_c (r_ck / R_ik) y_ic ≤ U for every node i and levelled
 *   resource k; U costs the balance weight;
 * - pack: a binary u_i per node, costing pack weight × price_i, with Σ_c y_ic ≤ (Σ upper) u_i and every
 *   capacity row repeated as Σ_c r_ick y_ic ≤ R_ik u_i (the bin-packing linking, whose LP bound is the
 *   total demand over capacity).
 */
function objectiveRows(
  model: AssignmentModel,
  classes: readonly (readonly number[])[],
  classOf: readonly number[],
  varsOfNode: readonly number[][],
  varUpper: readonly number[],
  newAux: (upper: number, make: (v: number) => AuxVariable, cost?: number, isContinuous?: boolean) => number,
): Row[] {
  const w = model.objective;
  const rows: Row[] = [];
  if (!w) return rows;
  const m = model.items.length;
  const demandRow = (r: AssignmentModel['resources'][number], i: number): { vs: number[]; coefs: number[] } => {
    const vs: number[] = [];
    const coefs: number[] = [];
    for (const v of varsOfNode[i]!) {
      const d = demandUnits(r, i, classes[classOf[v]!]![0]!, m);
      if (d === 0n) continue;
      vs.push(v);
      coefs.push(unitsToNumber(d, r.scale));
    }
    return { vs, coefs };
  };
  if (w.balance > 0) {
    const u = newAux(1, (v) => ({ v, kind: 'utilisation' }), w.balance, true);
    for (const k of w.balanceResources) {
      const r = model.resources[k]!;
      model.nodes.forEach((_, i) => {
        const cap = unitsToNumber(r.capacity[i] ?? 0n, r.scale);
        if (cap <= 0) return;
        const { vs, coefs } = demandRow(r, i);
        if (vs.length === 0) return;
        rows.push({
          name: `bal_${k}_${i}`,
          kind: 'balance',
          op: 'le',
          rhs: 0,
          vars: Int32Array.from([...vs, u]),
          coefs: Float64Array.from([...coefs.map((c) => c / cap), -1]),
        });
      });
    }
  }
  if (w.pack > 0) {
    model.nodes.forEach((_, i) => {
      const vs = varsOfNode[i]!;
      if (vs.length === 0) return;
      const used = newAux(1, (v) => ({ v, kind: 'used', node: i }), w.pack * (w.price[i] ?? 1));
      const most = vs.reduce((t, v) => t + varUpper[v]!, 0);
      rows.push({
        name: `used_${i}`,
        kind: 'pack',
        op: 'le',
        rhs: 0,
        vars: Int32Array.from([...vs, used]),
        coefs: Float64Array.from([...vs.map(() => 1), -most]),
      });
      model.resources.forEach((r, k) => {
        const { vs: dv, coefs } = demandRow(r, i);
        if (dv.length === 0) return;
        const cap = unitsToNumber(r.capacity[i] ?? 0n, r.scale);
        const s = cap > 0 ? 2 ** -Math.floor(Math.log2(cap)) : 1;
        rows.push({
          name: `link_${k}_${i}`,
          kind: 'pack',
          op: 'le',
          rhs: 0,
          vars: Int32Array.from([...dv, used]),
          coefs: Float64Array.from([...coefs.map((c) => c * s), -cap * s]),
        });
      });
    });
  }
  return rows;
}

/** The classes whose members are in `items` (the class keys keep each class wholly in or out of every rule's sets). */
function classesOf(classes: readonly (readonly number[])[], items: readonly number[]): number[] {
  const set = new Set(items);
  const out: number[] = [];
  classes.forEach((members, c) => {
    if (set.has(members[0]!)) out.push(c);
  });
  return out;
}

/**
 * The rows of the group rules, over the class variables y_ic (N_D(S) = Σ over classes in S and nodes in D):
 * - atMost:   N_D(S) ≤ limit for every domain D;
 * - apart:    N_D(A) ≤ |A| z_D and N_D(B) ≤ |B| (1 − z_D), z_D binary;
 * - together: an owner class's count in D is at most U · N_D(with), see the case below;
 * - spread:   L ≤ N_D(S) and N_D(S) − L ≤ maxSkew for every domain, L an integer;
 * - gang:     in the assignment rows (or implied when every container must be placed);
 * - moveLimit: Σ of the items' variables off their current node ≤ limit.
 */
function ruleRows(
  model: AssignmentModel,
  classes: readonly (readonly number[])[],
  varsOfClass: readonly number[][],
  varNode: readonly number[],
  varUpper: readonly number[],
  newAux: (upper: number, make: (v: number) => AuxVariable) => number,
): Row[] {
  const rows: Row[] = [];
  const inDomain = (items: readonly number[], domain: readonly number[]): number[] => {
    const d = new Set(domain);
    return classesOf(classes, items).flatMap((c) => varsOfClass[c]!.filter((v) => d.has(varNode[v]!)));
  };
  const row = (name: string, op: 'le' | 'eq', rhs: number, terms: readonly (readonly [number, number])[]): void => {
    if (terms.length > 0)
      rows.push({
        name,
        kind: 'rule',
        op,
        rhs,
        vars: Int32Array.from(terms, (t) => t[0]),
        coefs: Float64Array.from(terms, (t) => t[1]),
      });
  };
  (model.rules?.groups ?? []).forEach((rule, g) => {
    switch (rule.kind) {
      case 'atMost':
        rule.domains.forEach((d, k) => {
          const vs = inDomain(rule.items, d);
          if (vs.reduce((t, v) => t + varUpper[v]!, 0) > rule.limit)
            row(
              `atmost_${g}_${k}`,
              'le',
              rule.limit,
              vs.map((v) => [v, 1]),
            );
        });
        break;
      case 'apart':
        rule.domains.forEach((d, k) => {
          const a = inDomain(rule.a, d);
          const b = inDomain(rule.b, d);
          if (a.length === 0 || b.length === 0) return;
          const z = newAux(1, (v) => ({ v, kind: 'present', items: rule.a, nodes: d }));
          row(`apart_a_${g}_${k}`, 'le', 0, [...a.map((v): [number, number] => [v, 1]), [z, -rule.a.length]]);
          row(`apart_b_${g}_${k}`, 'le', rule.b.length, [
            ...b.map((v): [number, number] => [v, 1]),
            [z, rule.b.length],
          ]);
        });
        break;
      case 'together': {
        // Per owner class c and domain D, with S the selected containers and U the most of c that D can hold:
        //   c outside S:        y_D(c) ≤ U · N_D(S)
        //   c = {j} inside S:   y_D(j) ≤ N_D(S \ {j})
        //   |c| > 1 inside S:   y_D(c) ≤ U · z_D and 2 z_D ≤ N_D(S), z_D binary (a lone member needs another)
        const selected = new Set(rule.with);
        for (const c of classesOf(classes, rule.items)) {
          const members = classes[c]!;
          const inside = selected.has(members[0]!);
          rule.domains.forEach((d, k) => {
            const dset = new Set(d);
            const own = varsOfClass[c]!.filter((v) => dset.has(varNode[v]!));
            if (own.length === 0) return;
            const most = Math.min(
              members.length,
              own.reduce((t, v) => t + varUpper[v]!, 0),
            );
            const ownSet = new Set(own);
            const others = inDomain(rule.with, d).filter((v) => !(inside && members.length === 1 && ownSet.has(v)));
            const neg =
              (coef: number) =>
              (v: number): [number, number] => [v, -coef];
            if (!inside || members.length === 1) {
              row(`together_${g}_${c}_${k}`, 'le', 0, [
                ...own.map((v): [number, number] => [v, 1]),
                ...others.map(neg(inside ? 1 : most)),
              ]);
              return;
            }
            const z = newAux(1, (v) => ({ v, kind: 'present', items: members, nodes: d }));
            row(`together_${g}_${c}_${k}`, 'le', 0, [...own.map((v): [number, number] => [v, 1]), [z, -most]]);
            row(`together_pair_${g}_${c}_${k}`, 'le', 0, [[z, 2], ...others.map(neg(1))]);
          });
        }
        break;
      }
      case 'spread': {
        const low = newAux(rule.items.length, (v) => ({ v, kind: 'min', items: rule.items, domains: rule.domains }));
        rule.domains.forEach((d, k) => {
          const vs = inDomain(rule.items, d);
          row(`spread_low_${g}_${k}`, 'le', 0, [[low, 1], ...vs.map((v): [number, number] => [v, -1])]);
          if (vs.length > 0)
            row(`spread_skew_${g}_${k}`, 'le', rule.maxSkew, [[low, -1], ...vs.map((v): [number, number] => [v, 1])]);
        });
        break;
      }
      case 'gang':
        break;
      case 'moveLimit': {
        // Σ over the items' classes of y_ic on every node but their current one ≤ limit
        const current = model.rules!.current;
        const vs = classesOf(classes, rule.items).flatMap((c) =>
          varsOfClass[c]!.filter((v) => varNode[v] !== current[classes[c]![0]!]),
        );
        if (vs.length > 0)
          row(
            `moves_${g}`,
            'le',
            rule.limit,
            vs.map((v) => [v, 1]),
          );
        break;
      }
    }
  });
  return rows;
}

/**
 * A container's weight in the node order rows: its total share of the node's capacities (any fixed weight is valid).
 */
function classWeight(model: AssignmentModel, i: number, j: number): number {
  const m = model.items.length;
  let w = 0;
  for (const r of model.resources) {
    const cap = r.capacity[i] ?? 0n;
    if (cap > 0n) w += Number(demandUnits(r, i, j, m)) / Number(cap);
  }
  return Math.max(w, 1e-6);
}

/** Indices 0..count-1 grouped by equal keys, groups in order of first appearance. */
function groupBy(count: number, keyOf: (index: number) => string): number[][] {
  const byKey = new Map<string, number[]>();
  for (let x = 0; x < count; x++) {
    const key = keyOf(x);
    const members = byKey.get(key);
    if (members) members.push(x);
    else byKey.set(key, [x]);
  }
  return [...byKey.values()];
}

/** Containers with identical demand on every node for every resource and identical cost on every node. */
function containerClasses(model: AssignmentModel): number[][] {
  const n = model.nodes.length;
  const m = model.items.length;
  const roles = ruleRoles(model);
  return groupBy(m, (j) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      if (r.perNode) for (let i = 0; i < n; i++) parts.push(String(demandUnits(r, i, j, m)));
      else parts.push(String(r.demand[j] ?? 0n));
    }
    for (let i = 0; i < n; i++) parts.push(String(model.cost[i * m + j]));
    const rules = model.rules;
    if (rules) {
      for (let i = 0; i < n; i++) parts.push(String(rules.blocked[i * m + j]));
      parts.push(`cur${rules.current[j]}`, `pen${rules.unplacedPenalty?.[j] ?? ''}`, ...roles[j]!);
    }
    return parts.join(',');
  });
}

/** Each item's roles in the group rules ("rule:set"), so a class lies wholly inside or outside each rule's sets. */
function ruleRoles(model: AssignmentModel): string[][] {
  const roles: string[][] = model.items.map(() => []);
  (model.rules?.groups ?? []).forEach((rule, g) => {
    const mark = (items: readonly number[], set: string): void => items.forEach((j) => roles[j]!.push(`${g}:${set}`));
    switch (rule.kind) {
      case 'apart':
        mark(rule.a, 'a');
        mark(rule.b, 'b');
        break;
      case 'together':
        mark(rule.items, 'own');
        mark(rule.with, 'w');
        break;
      default:
        mark(rule.items, 's');
    }
  });
  return roles;
}

/** Nodes with identical capacities, identical cost for every container and identical node-dependent demand. */
function nodeClasses(model: AssignmentModel): number[][] {
  const m = model.items.length;
  return groupBy(model.nodes.length, (i) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      parts.push(String(r.capacity[i] ?? 0n));
      if (r.perNode) for (let j = 0; j < m; j++) parts.push(String(demandUnits(r, i, j, m)));
    }
    for (let j = 0; j < m; j++) parts.push(String(model.cost[i * m + j]));
    const rules = model.rules;
    if (rules) {
      for (let j = 0; j < m; j++) parts.push(String(rules.blocked[i * m + j]));
      // Its domain in every rule's topology: one-node domains are interchangeable, larger ones are not.
      for (const rule of rules.groups) {
        if (rule.kind === 'gang' || rule.kind === 'moveLimit') continue;
        const k = domainIndex(rule.domains, model.nodes.length)[i]!;
        parts.push(k < 0 ? 'none' : rule.domains[k]!.length === 1 ? 'solo' : `d${k}`);
      }
      for (let j = 0; j < m; j++) if (rules.current[j] === i) parts.push(`runs${j}`);
    }
    if (model.objective) parts.push(`price${model.objective.price[i]}`);
    return parts.join(',');
  });
}
