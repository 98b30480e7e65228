import type { LinearProgram } from '../lpformat.js';

/**
 * One interface for every LP and MIP the service solves: the placement program, the root-cut LPs, the aggregate
 * program at scale and its slack and pattern LPs, the column-generation master, the LNS and conflict
 * sub-programs. Each solver library is one Engine in one file of solver/backends/, and no file outside that
 * folder imports a library or reads its status codes (the lint layer rules enforce it). Outcomes are values:
 * a time limit or an infeasible program is a status, never an exception.
 */
export type EngineName = 'glpk' | 'highs' | 'jslp';

/**
 * What an engine can do. The portfolio, the searches and the scale path choose engines by these (strategy.ts),
 * never by name; the conformance suite (test/engines.test.ts) checks each claim.
 */
export interface Capabilities {
  /** Solves linear programs (every column continuous) to optimality within its time limit. */
  readonly lp: boolean;
  /** Reports the row duals of an optimal LP. */
  readonly duals: boolean;
  /** Returns by its time limit (GLPK can overrun its own: it is stopped by ending its thread). */
  readonly stopsOnTime: boolean;
  /** Stops at its next checkpoint when `shouldStop` says so, and returns its best solution. */
  readonly gracefulStop: boolean;
  /** Reports each better integer solution and dual bound while it searches. */
  readonly progress: boolean;
  /** Reports a proven dual bound when a MIP search stops before its proof. */
  readonly mipBound: boolean;
  /** Takes a start solution (HiGHS checks it and uses its objective as a cutoff). */
  readonly warmStart: boolean;
  /** Changes a program it holds in place (columns, bounds, coefficients) instead of rebuilding it per solve. */
  readonly incremental: boolean;
  /** Has cutting planes of its own (root cuts are added for engines without). */
  readonly ownCuts: boolean;
  /** The largest program (variables) it is meant for: beyond it another engine serves. */
  readonly maxVariables: number;
}

export type EngineStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface Limits {
  /** Wall-clock milliseconds this solve may take, from now. */
  readonly timeLimitMs: number;
  /** Relative gap at which a MIP search may stop (default 0: prove optimality). */
  readonly mipGap?: number;
}

/** What an engine may report while it searches (each honoured only where its capabilities say so). */
export interface Hooks {
  /** Each better integer solution (column values). */
  readonly onSolution?: (x: Float64Array) => void;
  /** Each better proven dual bound. */
  readonly onBound?: (bound: number) => void;
  /** Polled at checkpoints: true asks it to stop and return what it has. */
  readonly shouldStop?: () => boolean;
}

/**
 * A solve's outcome. `optimal`: proven at gap 0 (an LP solved to optimality is `optimal`); `feasible`: a solution
 * whose optimality is not proven (time limit, stop, or a positive mipGap); `infeasible`: proven that none exists;
 * `unknown`: neither a solution nor a proof.
 */
export interface Solution {
  readonly status: EngineStatus;
  /** Column values, for optimal and feasible. */
  readonly x?: Float64Array;
  readonly objective?: number;
  /** A proven bound in the program's sense: the objective when optimal, else the engine's dual bound if any. */
  readonly bound?: number;
  /** Row duals of an optimal LP (engines with `duals`). */
  readonly rowDual?: Float64Array;
  readonly note?: string;
}

/**
 * A program an engine holds: solved, changed and solved again, then disposed (WebAssembly memory is not freed by
 * the garbage collector). Columns are numbered from 0 in the program's order, added ones after; rows likewise.
 */
export interface HeldProgram {
  solve(limits: Limits, hooks?: Hooks): Solution;
  /** Column values to start from (engines without `warmStart` ignore it). */
  setStart(x: ArrayLike<number>): void;
  /** Adds a continuous column in [0, upper] with these row coefficients; its index. */
  addColumn(cost: number, upper: number, rows: ArrayLike<number>, values: ArrayLike<number>): number;
  setColumnBounds(col: number, lower: number, upper: number): void;
  setRowBounds(row: number, lower: number, upper: number): void;
  setCoefficient(row: number, col: number, value: number): void;
  /** Columns 0..integral.length − 1 made integer (true) or continuous (false). */
  setIntegrality(integral: readonly boolean[]): void;
  dispose(): void;
}

export interface Engine {
  readonly name: EngineName;
  readonly can: Capabilities;
  /** Loads the library in this thread (once; later calls return at once). */
  load(): Promise<void>;
  /** The program, held by this engine (loaded first). */
  hold(program: LinearProgram): HeldProgram;
  /** Bytes of its WebAssembly heap in this thread, where the library says. */
  memoryBytes?(): number | undefined;
  /** Runs a small program so that the code a first request needs is compiled (where that pays). */
  warmUp?(): void;
  /**
   * Solves a program written as CPLEX LP text, read by the library's own parser (where it has one): the LP export
   * checked by something that shares nothing with the formulation. Status, objective and bound only.
   */
  solveText?(lpText: string, limits: Limits): Solution;
}

/** The program with every column continuous: its LP relaxation. */
export function relaxed(program: LinearProgram): LinearProgram {
  return { ...program, continuous: Array.from(program.varCost, (_, v) => v) };
}

/** Whether every column of the program is continuous. */
export const isLp = (program: LinearProgram): boolean => program.continuous.length === program.varCost.length;
