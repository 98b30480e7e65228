import { minOf } from '../models/own.js';
import { domainIndex, type Sense } from '../models/model.js';
import type { RuleAux } from '../models/rules/kind.js';

/**
 * The solver-neutral integer program every exact backend reads. Containers are grouped into classes
 * (one container per class in the plain model; identical containers share a class in the symmetry-aware
 * model). Variable v is y_{varNode[v], varClass[v]}: how many containers of that class go on that node,
 * an integer in [0, varUpper[v]] (a binary when the class has one container). Only pairs that fit get a
 * variable. Placement rules add auxiliary variables (varNode = varClass = -1), described in `aux`.
 * The model's objective is the program's objective plus `offset`.
 */
export interface IntegerProgram {
  readonly sense: Sense;
  /** Number of nodes (n) and containers (m) of the model it was built from. */
  readonly n: number;
  readonly m: number;
  /** classes[c]: the containers (model item indices) of class c. */
  readonly classes: readonly (readonly number[])[];
  readonly varNode: Int32Array;
  readonly varClass: Int32Array;
  readonly varCost: Float64Array;
  readonly varUpper: Float64Array;
  readonly rows: readonly Row[];
  /** How each auxiliary variable's value follows from a plan (to hand a plan to a solver as a start). */
  readonly aux: readonly AuxVariable[];
  /** Variables that are continuous (every other one is an integer). */
  readonly continuous: readonly number[];
  /** Model objective = program objective + offset (the unplaced penalties, when containers may stay out). */
  readonly offset: number;
  /** Containers may stay unplaced (assignment rows are ≤ instead of =). */
  readonly allowUnplaced: boolean;
  /** Containers with no variable at all: they fit on no node, so no plan places everything. */
  readonly unplaceable: readonly number[];
  /** Whether every variable's cost is an integer (then integral objectives allow rounding bounds). */
  readonly integralCosts: boolean;
  /** Size of the plain 0-1 model (one binary per fitting pair), for comparison with an aggregated one. */
  readonly plain: { readonly variables: number; readonly constraints: number };
  /** Groups of identical nodes that got symmetry-breaking order rows. */
  readonly nodeGroups: number;
}

/**
 * An auxiliary variable: one a rule adds (RuleAux: `present`, `min`, `placed`), the highest utilisation
 * (`utilisation`, for balance) or whether a node is in use (`used`, for pack).
 */
export type AuxVariable =
  | RuleAux
  | { readonly v: number; readonly kind: 'utilisation' }
  | { readonly v: number; readonly kind: 'used'; readonly node: number };

export interface Row {
  readonly name: string;
  /**
   * What the row is: a container's assignment, a capacity, a root cut, a symmetry order, a group rule, a balance level
   * or a pack link.
   */
  readonly kind: 'assign' | 'capacity' | 'cut' | 'symmetry' | 'rule' | 'balance' | 'pack';
  readonly op: 'eq' | 'le';
  readonly rhs: number;
  readonly vars: Int32Array;
  readonly coefs: Float64Array;
}

/**
 * Turns variable values into an assignment (node index per container, -1 when unplaced): the value of
 * y_ic, rounded, is the number of containers of class c put on node i, taken in the class's order.
 */
export function assignmentFromValues(ip: IntegerProgram, x: ArrayLike<number>): Int32Array {
  const a = new Int32Array(ip.m).fill(-1);
  const next = new Int32Array(ip.classes.length);
  for (let v = 0; v < ip.varCost.length; v++) {
    const q = Math.round(x[v] ?? 0);
    const c = ip.varClass[v]!;
    if (c < 0) continue;
    const members = ip.classes[c]!;
    for (let t = 0; t < q && next[c]! < members.length; t++) a[members[next[c]!++]!] = ip.varNode[v]!;
  }
  return a;
}

/** The variable values that represent an assignment (the inverse of assignmentFromValues). */
export function valuesFromAssignment(ip: IntegerProgram, assignment: ArrayLike<number>): Float64Array {
  const classOf = new Int32Array(ip.m);
  ip.classes.forEach((members, c) => members.forEach((j) => (classOf[j] = c)));
  const index = new Map<number, number>();
  for (let v = 0; v < ip.varCost.length; v++)
    if (ip.varClass[v]! >= 0) index.set(ip.varNode[v]! * ip.classes.length + ip.varClass[v]!, v);
  const x = new Float64Array(ip.varCost.length);
  for (let j = 0; j < ip.m; j++) {
    const v = index.get(assignment[j]! * ip.classes.length + classOf[j]!);
    if (v !== undefined) x[v]! += 1;
  }
  for (const a of ip.aux) {
    if (a.kind === 'present') {
      const nodes = new Set(a.nodes);
      x[a.v] = a.items.some((j) => nodes.has(assignment[j]!)) ? 1 : 0;
    } else if (a.kind === 'rule') {
      x[a.v] = a.value(assignment);
    } else if (a.kind === 'placed') {
      x[a.v] = a.items.every((j) => assignment[j]! >= 0) ? 1 : 0;
    } else if (a.kind === 'used') {
      x[a.v] = Array.prototype.some.call(assignment, (i: number) => i === a.node) ? 1 : 0;
    } else if (a.kind === 'utilisation') {
      // The highest utilisation the balance rows see: the largest left-hand side over them (U's coefficient is −1).
      let u = 0;
      for (const row of ip.rows) {
        if (row.kind !== 'balance') continue;
        let lhs = 0;
        for (let t = 0; t < row.vars.length; t++) if (row.vars[t] !== a.v) lhs += row.coefs[t]! * x[row.vars[t]!]!;
        u = Math.max(u, lhs);
      }
      x[a.v] = Math.min(1, u);
    } else {
      const domainOf = domainIndex(a.domains, ip.n);
      const counts = new Int32Array(a.domains.length);
      for (const j of a.items)
        if (assignment[j]! >= 0 && domainOf[assignment[j]!]! >= 0) counts[domainOf[assignment[j]!]!]!++;
      x[a.v] = minOf(counts);
    }
  }
  return x;
}

/**
 * The factor a capacity row is scaled by: a power of two near 1/rhs, so that its right-hand side is in [1, 2) and
 * scaling is exact in floating point (memory in milli-bytes is 10^15); 1 for a zero right-hand side.
 */
export const rowScale = (rhs: number): number => (rhs > 0 ? 2 ** -Math.floor(Math.log2(rhs)) : 1);
