import { preferenceWeightOf, type AssignmentModel } from '../../models/model.js';
import type { ProgramRows, Terms } from '../../models/rules/kind.js';
import type { AuxVariable, Row } from '../ip.js';
import { classesOf } from './classes.js';

export { withCoef, type Terms } from '../../models/rules/kind.js';

/**
 * The integer program as it is being built: the placement variables y_ic (one per class c and node i
 * where a container of c fits alone), auxiliary variables (varNode = varClass = −1, described in `aux`),
 * and the rows. The parts of formulate.ts, and each rule kind (models/rules/), add their rows here.
 */
export class ProgramBuilder implements ProgramRows {
  readonly varNode: number[] = [];
  readonly varClass: number[] = [];
  readonly varCost: number[] = [];
  readonly varUpper: number[] = [];
  readonly varsOfClass: number[][];
  readonly varsOfNode: number[][];
  readonly rows: Row[] = [];
  readonly aux: AuxVariable[] = [];
  readonly continuous: number[] = [];

  /** The objective's weight of the preferences part (0 when preferences are not optimised). */
  readonly preferenceWeight: number;

  constructor(
    readonly model: AssignmentModel,
    readonly classes: readonly (readonly number[])[],
  ) {
    this.preferenceWeight = preferenceWeightOf(model);
    this.varsOfClass = classes.map(() => []);
    this.varsOfNode = Array.from({ length: model.nodes.length }, () => []);
  }

  /** A placement variable y_ic in [0, upper] costing `cost`; its index. */
  placement(i: number, c: number, cost: number, upper: number): number {
    const v = this.push(i, c, cost, upper);
    this.varsOfClass[c]!.push(v);
    this.varsOfNode[i]!.push(v);
    return v;
  }

  /** An auxiliary variable in [0, upper] (integer unless `isContinuous`), costing `cost`; its index. */
  newAux(upper: number, make: (v: number) => AuxVariable, cost = 0, isContinuous = false): number {
    const v = this.push(-1, -1, cost, upper);
    this.aux.push(make(v));
    if (isContinuous) this.continuous.push(v);
    return v;
  }

  /** Adds `cost` to what variable v costs in the objective. */
  addCost(v: number, cost: number): void {
    this.varCost[v] = this.varCost[v]! + cost;
  }

  /** Adds a row of kind `kind` when it has terms. */
  row(name: string, kind: Row['kind'], op: Row['op'], rhs: number, terms: Terms): void {
    if (terms.length === 0) return;
    this.rows.push({
      name,
      kind,
      op,
      rhs,
      vars: Int32Array.from(terms, (t) => t[0]),
      coefs: Float64Array.from(terms, (t) => t[1]),
    });
  }

  /** The placement variables of the classes of `items` on the nodes of `domain`. */
  inDomain(items: readonly number[], domain: readonly number[]): number[] {
    const d = new Set(domain);
    return this.classesOf(items).flatMap((c) => this.varsOfClass[c]!.filter((v) => d.has(this.varNode[v]!)));
  }

  /** The classes whose members are in `items`. */
  classesOf(items: readonly number[]): number[] {
    return classesOf(this.classes, items);
  }

  /** The first container of the class of placement variable v (it stands for them all). */
  memberOf(v: number): number {
    return this.classes[this.varClass[v]!]![0]!;
  }

  private push(i: number, c: number, cost: number, upper: number): number {
    this.varNode.push(i);
    this.varClass.push(c);
    this.varCost.push(cost);
    this.varUpper.push(upper);
    return this.varNode.length - 1;
  }
}
