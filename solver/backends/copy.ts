import type { LinearProgram } from '../lpformat.js';
import type { HeldProgram, Hooks, Limits, Solution } from './engine.js';

/**
 * A program held as a copy that is changed in place and handed whole to the library at each solve: how the
 * engines without a persistent model (GLPK, javascript-lp-solver) hold one. Every column is in [lower, upper];
 * every row's activity in [lower, upper] (−Infinity / Infinity where open).
 */
export interface ProgramCopy {
  readonly sense: 'min' | 'max';
  readonly cost: number[];
  readonly lower: number[];
  readonly upper: number[];
  readonly integer: boolean[];
  readonly rows: { readonly name: string; lower: number; upper: number; vars: number[]; coefs: number[] }[];
}

export function copyOf(program: LinearProgram): ProgramCopy {
  const continuous = new Set(program.continuous);
  return {
    sense: program.sense,
    cost: Array.from(program.varCost),
    lower: Array.from(program.varCost, () => 0),
    upper: Array.from(program.varUpper),
    integer: Array.from(program.varCost, (_, v) => !continuous.has(v)),
    rows: program.rows.map((r) => ({
      name: r.name,
      lower: r.op === 'eq' ? r.rhs : -Infinity,
      upper: r.rhs,
      vars: Array.from(r.vars),
      coefs: Array.from(r.coefs),
    })),
  };
}

/** A program without columns: optimal at 0 when every row admits an activity of 0, else infeasible. */
export function emptyCopySolution(copy: ProgramCopy): Solution {
  const holds = copy.rows.every((r) => r.lower <= 0 && 0 <= r.upper);
  return holds
    ? { status: 'optimal', x: new Float64Array(0), objective: 0, bound: 0 }
    : { status: 'infeasible', note: 'a row holds no column and excludes 0' };
}

/** A held program over a copy: the changes go to the copy, and `solve` hands the whole copy to the library. */
export function heldCopy(
  program: LinearProgram,
  solve: (copy: ProgramCopy, limits: Limits, hooks: Hooks) => Solution,
): HeldProgram {
  const copy = copyOf(program);
  return {
    solve: (limits, hooks = {}) => (copy.cost.length === 0 ? emptyCopySolution(copy) : solve(copy, limits, hooks)),
    // No warm start in these libraries.
    setStart: () => undefined,
    addColumn: (cost, upper, rows, values) => {
      const col = copy.cost.length;
      copy.cost.push(cost);
      copy.lower.push(0);
      copy.upper.push(upper);
      copy.integer.push(false);
      for (let t = 0; t < rows.length; t++) {
        const row = copy.rows[rows[t]!]!;
        row.vars.push(col);
        row.coefs.push(values[t]!);
      }
      return col;
    },
    setColumnBounds: (col, lower, upper) => {
      copy.lower[col] = lower;
      copy.upper[col] = upper;
    },
    setRowBounds: (row, lower, upper) => {
      copy.rows[row]!.lower = lower;
      copy.rows[row]!.upper = upper;
    },
    setCoefficient: (row, col, value) => {
      const r = copy.rows[row]!;
      const t = r.vars.indexOf(col);
      if (t >= 0) r.coefs[t] = value;
      else {
        r.vars.push(col);
        r.coefs.push(value);
      }
    },
    setIntegrality: (integral) => integral.forEach((i, col) => (copy.integer[col] = i)),
    dispose: () => undefined,
  };
}
