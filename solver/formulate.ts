import { demandUnits, unitsToNumber, type AssignmentModel } from '../models/model.js';
import type { IntegerProgram, Row } from './ip.js';

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
  classes.forEach((members, c) => {
    const j = members[0]!;
    for (let i = 0; i < n; i++) {
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
      const cost = model.cost[i * m + j] ?? 0;
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
  // each container on exactly one node: Σ_i y_ic = |c| for every class c (Σ_i x_ij = 1 when |c| = 1)
  varsOfClass.forEach((vs, c) => {
    const members = classes[c]!;
    if (vs.length === 0) unplaceable.push(...members);
    rows.push({ name: `assign_${c}`, kind: 'assign', op: 'eq', rhs: members.length, vars: Int32Array.from(vs), coefs: new Float64Array(vs.length).fill(1) });
  });
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
      rows.push({ name: `cap_${k}_${i}`, kind: 'capacity', op: 'le', rhs: rhs * s, vars: Int32Array.from(vs), coefs: Float64Array.from(coefs, (x) => x * s) });
    }
  });

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
        rows.push({ name: `order_${group[t]}_${group[t + 1]}`, kind: 'symmetry', op: 'le', rhs: 0, vars: Int32Array.from(vars), coefs: Float64Array.from(coefs) });
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
    unplaceable,
    integralCosts,
    plain: { variables: plainVariables, constraints: m + plainCapacityRows },
    nodeGroups,
  };
}

/** A container's weight in the node order rows: its total share of the node's capacities (any fixed weight is valid). */
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
  return groupBy(m, (j) => {
    const parts: string[] = [];
    for (const r of model.resources) {
      if (r.perNode) for (let i = 0; i < n; i++) parts.push(String(demandUnits(r, i, j, m)));
      else parts.push(String(r.demand[j] ?? 0n));
    }
    for (let i = 0; i < n; i++) parts.push(String(model.cost[i * m + j]));
    return parts.join(',');
  });
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
    return parts.join(',');
  });
}
