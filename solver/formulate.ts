import {
  costOf,
  demandUnits,
  isBlocked,
  nodePreferenceAt,
  preferenceWeightOf,
  senseSign,
  unitsToNumber,
  type AssignmentModel,
} from '../models/model.js';
import { ProgramBuilder } from './formulation/builder.js';
import { classesOf, classWeight, containerClasses, nodeClasses } from './formulation/classes.js';
import { objectiveRows } from './formulation/objective.js';
import { itemsOf, kindOf } from '../models/rules/registry.js';
import { rowScale, type IntegerProgram } from './ip.js';

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
 * 0 ≤ y_ic ≤ min(|c|, how many copies fit on node i alone); then, in this order, the assignment rows,
 * the group rules' rows (formulation/rules.ts), the capacity rows, the objective's rows
 * (formulation/objective.ts) and the order rows of identical nodes.
 */
export function formulate(model: AssignmentModel, options: FormulationOptions = {}): IntegerProgram {
  const m = model.items.length;
  const symmetry = options.symmetry ?? true;
  const classes = symmetry ? containerClasses(model) : Array.from({ length: m }, (_, j) => [j]);
  const b = new ProgramBuilder(model, classes);
  const plainVariables = placementVariables(b);
  const unplaceable = assignmentRows(b);
  (model.rules?.groups ?? []).forEach((rule, g) => kindOf(rule).rows(rule, b, g));
  const plainCapacityRows = capacityRows(b);
  objectiveRows(b);
  const nodeGroups = symmetry ? orderRows(b) : 0;
  const penalty = model.rules?.unplacedPenalty;
  const costs = b.varCost;
  return {
    sense: model.sense,
    n: model.nodes.length,
    m,
    classes,
    varNode: Int32Array.from(b.varNode),
    varClass: Int32Array.from(b.varClass),
    varCost: Float64Array.from(costs),
    varUpper: Float64Array.from(b.varUpper),
    rows: b.rows,
    aux: b.aux,
    continuous: b.continuous,
    offset: senseSign(model.sense) * (penalty ?? []).reduce((x, y) => x + y, 0),
    allowUnplaced: penalty !== undefined,
    unplaceable,
    integralCosts: b.continuous.every((v) => costs[v] === 0) && costs.every((c) => Number.isInteger(c)),
    plain: { variables: plainVariables, constraints: m + plainCapacityRows },
    nodeGroups,
  };
}

/**
 * How many copies of a class fit on empty node i: min over requested resources of ⌊R_ik / r_ck⌋, at most its
 * members; 0 where the node is blocked to it.
 */
function copiesOnEmpty(model: AssignmentModel, i: number, members: readonly number[]): bigint {
  const j = members[0]!;
  if (isBlocked(model, i, j)) return 0n;
  let copies = BigInt(members.length);
  for (const r of model.resources) {
    const d = demandUnits(r, i, j, model.items.length);
    if (d > 0n && (r.capacity[i] ?? 0n) / d < copies) copies = (r.capacity[i] ?? 0n) / d;
  }
  return copies;
}

/** The placement variables formulate would make (class × node pairs where a copy fits), without making them. */
export function placementPairs(model: AssignmentModel, classes: readonly (readonly number[])[]): number {
  let pairs = 0;
  for (const members of classes)
    for (let i = 0; i < model.nodes.length; i++) if (copiesOnEmpty(model, i, members) > 0n) pairs++;
  return pairs;
}

/** The placement variables y_ic, class by class; the number of binaries the plain 0-1 model would have. */
function placementVariables(b: ProgramBuilder): number {
  const { model } = b;
  const penalty = model.rules?.unplacedPenalty;
  const sign = senseSign(model.sense);
  const soft = preferenceWeightOf(model);
  let plainVariables = 0;
  b.classes.forEach((members, c) => {
    const j = members[0]!;
    for (let i = 0; i < model.nodes.length; i++) {
      const copies = copiesOnEmpty(model, i, members);
      if (copies === 0n) continue;
      plainVariables += members.length;
      // Placing a container earns back its unplaced penalty (the penalties of all are in the offset); its node
      // preferences are the preferences part's linear share.
      const prefer = soft * nodePreferenceAt(model, i, j);
      const cost = (model.objective?.cost ?? 1) * costOf(model, i, j) + prefer - sign * (penalty?.[j] ?? 0);
      b.placement(i, c, cost, Number(copies));
    }
  });
  return plainVariables;
}

/**
 * Each container on exactly one node: Σ_i y_ic = |c| for every class c (Σ_i x_ij = 1 when |c| = 1);
 * ≤ |c| when containers may stay out, and for a rule that joins its classes' rows (a gang that may stay
 * out as a whole) a binary g with Σ_i y_ic = |c| g for each of its classes. The containers that have no
 * variable at all.
 */
function assignmentRows(b: ProgramBuilder): number[] {
  const { model, classes } = b;
  const allowUnplaced = model.rules?.unplacedPenalty !== undefined;
  const gangOfClass = new Map<number, number>();
  for (const rule of model.rules?.groups ?? []) {
    const kind = kindOf(rule);
    const g = kind.assignmentLink?.(rule, b);
    if (g === undefined) continue;
    for (const c of classesOf(classes, itemsOf(rule))) gangOfClass.set(c, g);
  }
  const unplaceable: number[] = [];
  b.varsOfClass.forEach((vs, c) => {
    const members = classes[c]!;
    if (vs.length === 0 && !allowUnplaced) unplaceable.push(...members);
    const g = gangOfClass.get(c);
    const op = allowUnplaced && g === undefined ? 'le' : 'eq';
    const vars = g === undefined ? vs : [...vs, g];
    const coefs = g === undefined ? vs.map(() => 1) : [...vs.map(() => 1), -members.length];
    // Pushed even when empty: an empty '= |c|' row is the program's own statement that c cannot be placed.
    b.rows.push({
      name: g === undefined ? `assign_${c}` : `gang_${c}`,
      kind: 'assign',
      op,
      rhs: g === undefined ? members.length : 0,
      vars: Int32Array.from(vars),
      coefs: Float64Array.from(coefs),
    });
  });
  return unplaceable;
}

/** Below this, a capacity row's coefficient (of a row scaled to a right-hand side in [1, 2)) is left out. */
export const TINY_COEFFICIENT = 1e-9;

/**
 * The note for resources with demands below TINY_COEFFICIENT of a node's capacity (bounded from the smallest demand
 * and the largest capacity, O(n + m)): the solvers' rows leave them out.
 */
export function tinyCoefficientNotes(model: AssignmentModel): string[] {
  return model.resources.flatMap((r) => {
    let least = Infinity;
    for (const d of r.demand) if (d > 0n && Number(d) < least) least = Number(d);
    let most = 0;
    for (const c of r.capacity) if (Number(c) > most) most = Number(c);
    // The row of the largest capacity scales the smallest demand the least.
    if (!(most > 0 && least * rowScale(most) < TINY_COEFFICIENT)) return [];
    return [
      `some ${r.name} demands are below ${TINY_COEFFICIENT} of a node's ${r.name} capacity, under the solvers' ` +
        'tolerances: the integer program leaves them out of its capacity rows (a relaxation, so its bounds hold), ' +
        'and every plan is checked with them, exactly',
    ];
  });
}

/**
 * Capacity of node i for resource k: Σ_c r_ick y_ic ≤ R_ik, scaled by a power of two near 1/R_ik (exact
 * in floating point, coefficients O(1)); rows that can never bind are left out, and so are rows another
 * resource's row of the node implies (dominated). Returns how many rows the plain 0-1 model would need.
 */
function capacityRows(b: ProgramBuilder): number {
  const { model } = b;
  let plainCapacityRows = 0;
  for (let i = 0; i < model.nodes.length; i++) {
    const rows = model.resources.map((r, k) => nodeRow(b, r, k, i));
    plainCapacityRows += rows.filter((row) => row.plainBinds).length;
    const binding = rows.filter((row) => row.binds);
    for (const row of binding) {
      if (binding.some((other) => other !== row && implies(other, row) && (!implies(row, other) || other.k < row.k)))
        continue;
      const r = model.resources[row.k]!;
      const rhs = unitsToNumber(row.capacity, r.scale);
      const s = rowScale(rhs);
      // Coefficients below the solvers' tolerances (the row's rhs is in [1, 2)) are left out: GLPK proved a wrong
      // optimum with 2.5e-13 in a row. The program is then a relaxation: its bounds hold, and plans are verified.
      const kept = row.terms.flatMap(([v, d]): [number, number][] => {
        const x = unitsToNumber(d, r.scale);
        return x * s < TINY_COEFFICIENT ? [] : [[v, x * s]];
      });
      b.row(`cap_${row.k}_${i}`, 'capacity', 'le', rhs * s, kept);
    }
  }
  return plainCapacityRows;
}

/** A node's capacity row for one resource: its exact demands per variable, and whether it can bind. */
interface NodeRow {
  readonly k: number;
  readonly capacity: bigint;
  /** (variable, exact demand) for every variable of the node (demand 0 included, for dominance). */
  readonly terms: readonly (readonly [number, bigint])[];
  readonly all: ReadonlyMap<number, bigint>;
  readonly binds: boolean;
  readonly plainBinds: boolean;
}

function nodeRow(b: ProgramBuilder, r: AssignmentModel['resources'][number], k: number, i: number): NodeRow {
  const m = b.model.items.length;
  const capacity = r.capacity[i] ?? 0n;
  const all = new Map<number, bigint>();
  const terms: [number, bigint][] = [];
  let total = 0n;
  let plainTotal = 0n;
  for (const v of b.varsOfNode[i]!) {
    const d = demandUnits(r, i, b.memberOf(v), m);
    all.set(v, d);
    if (d === 0n) continue;
    total += d * BigInt(b.varUpper[v]!);
    plainTotal += d * BigInt(b.classes[b.varClass[v]!]!.length);
    terms.push([v, d]);
  }
  return { k, capacity, terms, all, binds: total > capacity, plainBinds: plainTotal > capacity };
}

/**
 * Whether row a implies row b on their node: every variable uses no larger a share of b's capacity than of a's,
 * d_b / R_b ≤ d_a / R_a (exactly, as d_b R_a ≤ d_a R_b), so Σ d_b y ≤ R_b follows from Σ d_a y ≤ R_a.
 */
function implies(a: NodeRow, b: NodeRow): boolean {
  if (a.capacity <= 0n || b.capacity <= 0n) return false;
  for (const [v, db] of b.terms) if (db * a.capacity > (a.all.get(v) ?? 0n) * b.capacity) return false;
  return true;
}

/**
 * Identical nodes i1 < i2 (same capacities, same cost and demand columns): any plan can be permuted
 * among them, so one optimal plan has them ordered by load: Σ_c w_c y_i1c ≥ Σ_c w_c y_i2c. Returns the
 * number of groups ordered.
 */
function orderRows(b: ProgramBuilder): number {
  let nodeGroups = 0;
  for (const group of nodeClasses(b.model)) {
    if (group.length < 2) continue;
    nodeGroups++;
    const weight = (v: number): number => classWeight(b.model, group[0]!, b.memberOf(v));
    for (let t = 0; t + 1 < group.length; t++) {
      const first = b.varsOfNode[group[t]!]!;
      const second = b.varsOfNode[group[t + 1]!]!;
      const terms = [
        ...first.map((v): [number, number] => [v, -weight(v)]),
        ...second.map((v): [number, number] => [v, weight(v)]),
      ];
      b.rows.push({
        name: `order_${group[t]}_${group[t + 1]}`,
        kind: 'symmetry',
        op: 'le',
        rhs: 0,
        vars: Int32Array.from(terms, (x) => x[0]),
        coefs: Float64Array.from(terms, (x) => x[1]),
      });
    }
  }
  return nodeGroups;
}
