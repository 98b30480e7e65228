import type { Sense } from '../models/model.js';

/**
 * The solver-neutral 0-1 integer program every exact backend reads. Variable v is the binary
 * x_{varNode[v], varItem[v]}; only pairs that fit an empty node get a variable.
 */
export interface IntegerProgram {
  readonly sense: Sense;
  /** Number of nodes (n) and items (m) of the model it was built from. */
  readonly n: number;
  readonly m: number;
  readonly varNode: Int32Array;
  readonly varItem: Int32Array;
  readonly varCost: Float64Array;
  readonly rows: readonly Row[];
  /** Items with no variable at all: they fit on no node, so no plan places everything. */
  readonly unplaceable: readonly number[];
  /** Whether every variable's cost is an integer (then integral objectives allow rounding bounds). */
  readonly integralCosts: boolean;
}

export interface Row {
  readonly name: string;
  readonly kind: 'assign' | 'capacity' | 'cut';
  readonly op: 'eq' | 'le';
  readonly rhs: number;
  readonly vars: Int32Array;
  readonly coefs: Float64Array;
}

/** Objective of a 0/1 choice of variables. */
export function objectiveOf(ip: IntegerProgram, chosen: Iterable<number>): number {
  let z = 0;
  for (const v of chosen) z += ip.varCost[v] ?? 0;
  return z;
}

/** Turns chosen variables into an assignment (node index per item, -1 when unplaced). */
export function assignmentFromVars(ip: IntegerProgram, chosen: Iterable<number>): Int32Array {
  const a = new Int32Array(ip.m).fill(-1);
  for (const v of chosen) a[ip.varItem[v] ?? 0] = ip.varNode[v] ?? -1;
  return a;
}
