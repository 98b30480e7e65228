import * as highsPackage from 'highs';
import type { Highs } from 'highs';
import type { Row } from '../ip.js';
import type { LinearProgram } from '../lpformat.js';
import { CAPABILITIES } from './capabilities.js';
import { isLp, type Engine, type HeldProgram, type Hooks, type Limits, type Solution } from './engine.js';

// The package's types describe its CommonJS build; under ESM the loader is the default export either way.
const highsLoader = (highsPackage as unknown as { default: () => Promise<Highs> }).default;

/**
 * HiGHS (the `highs` package, WebAssembly) through its persistent model API: the engine that reports incumbents
 * and its dual bound while it searches, stops at a checkpoint when asked, takes a start solution, and changes a
 * held program in place. `mip_rel_gap` is always set (its default is 1e-4, not 0). Models are disposed after use
 * (garbage collection does not free WebAssembly memory). HiGHS's status codes are read in this file only.
 */
let highs: Highs | undefined;

async function load(): Promise<void> {
  highs ??= await highsLoader();
}

function loaded(): Highs {
  if (!highs) throw new Error('HiGHS is not loaded: call load() first');
  return highs;
}

type Model = ReturnType<Highs['createModel']>;

/** The program as a HiGHS persistent model (rows in CSR form; every column integer but the continuous ones). */
function createModel(h: Highs, ip: LinearProgram): Model {
  const C = h.constants;
  const nCols = ip.varCost.length;
  const starts = new Int32Array(ip.rows.length + 1);
  let nnz = 0;
  ip.rows.forEach((r, k) => {
    nnz += r.vars.length;
    starts[k + 1] = nnz;
  });
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  ip.rows.forEach((r, k) => {
    indices.set(r.vars, starts[k]!);
    values.set(r.coefs, starts[k]!);
  });
  const integrality = new Int32Array(nCols).fill(C.variableType.integer);
  for (const v of ip.continuous) integrality[v] = C.variableType.continuous;
  return h.createModel({
    numCols: nCols,
    numRows: ip.rows.length,
    sense: ip.sense === 'min' ? C.objectiveSense.minimize : C.objectiveSense.maximize,
    colCost: ip.varCost,
    colLower: new Float64Array(nCols),
    colUpper: ip.varUpper,
    rowLower: Float64Array.from(ip.rows, (r) => (r.op === 'eq' ? r.rhs : -Infinity)),
    rowUpper: Float64Array.from(ip.rows, (r) => r.rhs),
    matrix: { format: 'csr', numRows: ip.rows.length, numCols: nCols, starts, indices, values },
    integrality,
  });
}

/**
 * HiGHS's callbacks for the hooks given: improving solutions, the dual bound, and the interrupt. The bound is read
 * at the MIP interrupt checkpoints and with each improving solution (mipLogging fires only when HiGHS writes its
 * log, which output_flag off turns off), and reported only when it is better.
 */
function callbacks(h: Highs, sense: 'min' | 'max', hooks: Hooks): Parameters<Model['run']>[0] {
  const C = h.constants;
  const { onSolution, onBound, shouldStop } = hooks;
  let last: number | undefined;
  const bound = (b: number | undefined): void => {
    if (!onBound || b === undefined || !Number.isFinite(b)) return;
    if (last !== undefined && (sense === 'min' ? b <= last : b >= last)) return;
    last = b;
    onBound(b);
  };
  return {
    ...((onSolution || onBound) && {
      [C.callbackType.mipImprovingSolution]: (e: {
        data: { mip_solution?: Float64Array; mip_dual_bound?: number };
      }) => {
        if (onSolution && e.data.mip_solution) onSolution(Float64Array.from(e.data.mip_solution));
        bound(e.data.mip_dual_bound);
        return undefined;
      },
    }),
    ...((onBound || shouldStop) && {
      [C.callbackType.mipInterrupt]: (e: { data: { mip_dual_bound?: number }; interrupt(): void }) => {
        bound(e.data.mip_dual_bound);
        if (shouldStop?.()) e.interrupt();
        return undefined;
      },
    }),
  };
}

/**
 * HiGHS's model status and solution as a Solution. An LP solved to optimality has its objective as bound and its
 * row duals; a MIP proven optimal at gap 0 has its objective as bound (HiGHS proves within its absolute
 * tolerance mip_abs_gap, 1e-6), at a positive gap its dual bound.
 */
function solutionOf(h: Highs, model: Model, status: number, lp: boolean, mipGap: number): Solution {
  const C = h.constants;
  if (status === C.modelStatus.infeasible)
    return { status: 'infeasible', note: `HiGHS proved that no ${lp ? '' : 'integer '}solution exists` };
  const optimal = status === C.modelStatus.optimal;
  const x = optimal || Number(model.info.get('primal_solution_status')) === 2 ? model.getSolution() : undefined;
  const values = x ? Float64Array.from(x.colValue) : undefined;
  const objective = values ? model.getObjectiveValue() : undefined;
  const dual = lp ? NaN : Number(model.info.get('mip_dual_bound'));
  const bound = Number.isFinite(dual) ? { bound: dual } : {};
  if (optimal && values && objective !== undefined) {
    const proven = lp || mipGap === 0 ? { bound: objective } : bound;
    return {
      status: 'optimal',
      x: values,
      objective,
      ...proven,
      ...(lp ? { rowDual: Float64Array.from(x!.rowDual) } : {}),
    };
  }
  if (values)
    return {
      status: 'feasible',
      x: values,
      objective: objective!,
      ...bound,
      note: `HiGHS stopped: model status ${status}`,
    };
  return { status: 'unknown', ...bound, note: `HiGHS stopped without a solution (model status ${status})` };
}

function hold(program: LinearProgram): HeldProgram {
  const h = loaded();
  const C = h.constants;
  const model = createModel(h, program);
  let columns = program.varCost.length;
  let lp = isLp(program);
  return {
    solve: (limits: Limits, hooks: Hooks = {}) => {
      const mipGap = limits.mipGap ?? 0;
      model.options.set({
        output_flag: false,
        time_limit: Math.max(0.001, limits.timeLimitMs / 1000),
        mip_rel_gap: mipGap,
      });
      const run = model.run(lp ? undefined : callbacks(h, program.sense, hooks));
      return solutionOf(h, model, run.modelStatus, lp, mipGap);
    },
    setStart: (x) => model.setSolution({ colValue: Float64Array.from(x) }),
    addColumn: (cost, upper, rows, values) => {
      model.addCol(cost, 0, upper, { indices: Int32Array.from(rows), values: Float64Array.from(values) });
      return columns++;
    },
    setColumnBounds: (col, lower, upper) => model.changeColBounds(col, lower, upper),
    setRowBounds: (row, lower, upper) => model.changeRowBounds(row, lower, upper),
    setCoefficient: (row, col, value) => model.changeCoefficient(row, col, value),
    setIntegrality: (integral) => {
      if (integral.length === 0) return;
      const types = integral.map((i) => (i ? C.variableType.integer : C.variableType.continuous));
      model.changeColsIntegrality({ kind: 'range', from: 0, to: integral.length - 1 }, types);
      lp = integral.length === columns && integral.every((i) => !i);
    },
    dispose: () => model.dispose(),
  };
}

/**
 * Runs a small LP of the aggregate's form (classes spread over node groups under capacity rows), so that the
 * simplex code this thread runs is compiled to optimised machine code before a request needs it. A fresh
 * WebAssembly instance runs baseline code until its functions are hot: the first LP of a 5 000 × 150 000
 * snapshot took 0.6-0.8 s in a new thread and 0.15-0.3 s after five of these (some 50 ms each; a thread's
 * compiled code is its own).
 */
function warmUp(): void {
  warmUpLp ??= warmUpProgram(20, 100);
  const held = hold(warmUpLp);
  try {
    held.solve({ timeLimitMs: 5000 });
  } finally {
    held.dispose();
  }
}

let warmUpLp: LinearProgram | undefined;

/** x_gc ≥ 0 containers of class c on group g: each class placed in full, three resources per group. */
function warmUpProgram(groups: number, classes: number): LinearProgram {
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const nVars = groups * classes;
  const varCost = Float64Array.from({ length: nVars }, () => 1 + Math.floor(next() * 100));
  const rows: Row[] = [];
  const demand = Array.from({ length: classes }, () => [1 + next() * 8, 1 + next() * 32, 1]);
  const count = Array.from({ length: classes }, () => 1 + Math.floor(next() * 40));
  for (let c = 0; c < classes; c++) {
    const vars = Int32Array.from({ length: groups }, (_, g) => g * classes + c);
    rows.push({
      name: `c${c}`,
      kind: 'assign',
      op: 'eq',
      rhs: count[c]!,
      vars,
      coefs: new Float64Array(groups).fill(1),
    });
  }
  const total = [0, 1, 2].map((k) => demand.reduce((t, d, c) => t + d[k]! * count[c]!, 0));
  for (let g = 0; g < groups; g++)
    for (let k = 0; k < 3; k++) {
      const vars = Int32Array.from({ length: classes }, (_, c) => g * classes + c);
      const coefs = Float64Array.from(demand, (d) => d[k]!);
      rows.push({ name: `g${g}_${k}`, kind: 'capacity', op: 'le', rhs: (1.3 * total[k]!) / groups, vars, coefs });
    }
  const continuous = Array.from({ length: nVars }, (_, v) => v);
  return { sense: 'min', varCost, varUpper: new Float64Array(nVars).fill(Infinity), rows, continuous };
}

/** The program in CPLEX LP text, read and solved by HiGHS itself (`highs.solve`): its status and objective. */
function solveText(lpText: string, limits: Limits): Solution {
  const h = loaded();
  const options = { time_limit: Math.max(0.001, limits.timeLimitMs / 1000), mip_rel_gap: limits.mipGap ?? 0 };
  const r = h.solve(lpText, options) as unknown as { Status: string; ObjectiveValue: number };
  if (r.Status === 'Optimal') return { status: 'optimal', objective: r.ObjectiveValue, bound: r.ObjectiveValue };
  if (r.Status === 'Infeasible') return { status: 'infeasible' };
  return { status: 'unknown', note: `HiGHS stopped: ${r.Status}` };
}

export const highsEngine: Engine = {
  name: 'highs',
  can: CAPABILITIES.highs,
  load,
  hold,
  memoryBytes: () => (highs as { memoryBytes?: number } | undefined)?.memoryBytes,
  warmUp,
  solveText,
};
