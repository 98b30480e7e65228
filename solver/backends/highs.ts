import * as highsPackage from 'highs';
import type { Highs } from 'highs';
import { assignmentFromValues, valuesFromAssignment, type IntegerProgram, type Row } from '../ip.js';
import type { LinearProgram } from '../lpformat.js';
import type { Backend, BackendResult, SolveHooks, SolveInput } from './backend.js';
import { emptyProgramResult } from './glpk.js';

// The package's types describe its CommonJS build; under ESM the loader is the default export either way.
const highsLoader = (highsPackage as unknown as { default: () => Promise<Highs> }).default;

/**
 * HiGHS (the `highs` package, WebAssembly) through its persistent model API, so the answer carries
 * HiGHS's own dual bound and gap. `mip_rel_gap` is set from mipGap (its default is 1e-4, not 0). The
 * model is disposed after every solve (garbage collection does not free WebAssembly memory).
 * Incumbents and bounds found during the run are reported through the hooks as they come, and the run
 * stops early when `shouldStop` says so (checked at HiGHS's MIP interrupt points).
 */
let highs: Highs | undefined;

export async function loadHighs(): Promise<Highs> {
  const loaded = highs ?? (await highsLoader());
  highs = loaded;
  return loaded;
}

/**
 * Runs a small LP of the aggregate's form (classes spread over node groups under capacity rows), so that the
 * simplex code this thread runs is compiled to optimised machine code before a request needs it. A fresh
 * WebAssembly instance runs baseline code until its functions are hot: the first LP of a 5 000 × 150 000
 * snapshot took 0.6-0.8 s in a new thread and 0.15-0.3 s after five of these (some 50 ms each; a thread's
 * compiled code is its own).
 */
export function warmUp(h: Loaded): void {
  warmUpLp ??= warmUpProgram(20, 100);
  const model = createModel(h, warmUpLp);
  try {
    model.options.set({ output_flag: false, time_limit: 5 });
    model.run();
  } finally {
    model.dispose();
  }
}

let warmUpLp: HighsProgram | undefined;

/** x_gc ≥ 0 containers of class c on group g: each class placed in full, three resources per group. */
function warmUpProgram(groups: number, classes: number): HighsProgram {
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

type Loaded = Highs;
type Model = ReturnType<Loaded['createModel']>;

/** What a HiGHS model is built from: the program's columns and rows (the placement program, or the scale path's). */
export type HighsProgram = LinearProgram;

/** The program as a HiGHS persistent model (rows in CSR form; every column integer but the continuous ones). */
export function createModel(h: Loaded, ip: HighsProgram): Model {
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
 * HiGHS's callbacks for the hooks given: improving solutions, the dual bound, and the interrupt. The bound
 * is read at the MIP interrupt checkpoints and with each improving solution (mipLogging fires only when
 * HiGHS writes its log, which output_flag off turns off), and reported only when it is better.
 */
function callbacks(h: Loaded, ip: IntegerProgram, hooks: SolveHooks): Parameters<Model['run']>[0] {
  const C = h.constants;
  const { onIncumbent, onBound, shouldStop } = hooks;
  let last: number | undefined;
  const bound = (b: number | undefined): void => {
    if (!onBound || b === undefined || !Number.isFinite(b)) return;
    if (last !== undefined && (ip.sense === 'min' ? b <= last : b >= last)) return;
    last = b;
    onBound(b);
  };
  return {
    ...((onIncumbent || onBound) && {
      [C.callbackType.mipImprovingSolution]: (e: {
        data: { mip_solution?: Float64Array; mip_dual_bound?: number };
      }) => {
        if (onIncumbent && e.data.mip_solution) onIncumbent(assignmentFromValues(ip, e.data.mip_solution));
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

/** HiGHS's model status and solution as a result: the status codes are read here and nowhere else. */
function resultOf(h: Loaded, ip: IntegerProgram, model: Model, status: number, mipGap: number): BackendResult {
  const C = h.constants;
  const dualBound = Number(model.info.get('mip_dual_bound'));
  const hasSolution = Number(model.info.get('primal_solution_status')) === 2;
  const bound = Number.isFinite(dualBound) ? { bound: dualBound } : {};
  const solution = (): Pick<BackendResult, 'assignment' | 'objective'> => ({
    assignment: assignmentFromValues(ip, model.getSolution().colValue),
    objective: model.getObjectiveValue(),
  });
  if (status === C.modelStatus.optimal) {
    // HiGHS proved optimality (within its absolute tolerance mip_abs_gap, 1e-6): its objective is the bound.
    if (mipGap > 0) return { status: 'feasible', ...solution(), ...bound, note: 'stopped within mipGap' };
    const s = solution();
    return { status: 'optimal', ...s, ...(s.objective === undefined ? {} : { bound: s.objective }) };
  }
  if (status === C.modelStatus.infeasible)
    return { status: 'infeasible', note: 'HiGHS proved that no integer solution exists' };
  if (hasSolution)
    return { status: 'feasible', ...solution(), ...bound, note: `HiGHS stopped: model status ${status}` };
  return { status: 'unknown', ...bound, note: `HiGHS stopped without a solution (model status ${status})` };
}

export function solveWithHighs(input: SolveInput, hooks: SolveHooks = {}): BackendResult {
  if (!highs) throw new Error('HiGHS is not loaded: call loadHighs() first');
  const { ip, timeLimitMs, mipGap } = input;
  if (ip.varCost.length === 0) return emptyProgramResult(ip);
  const model = createModel(highs, ip);
  try {
    model.options.set({ output_flag: false, time_limit: Math.max(0.001, timeLimitMs / 1000), mip_rel_gap: mipGap });
    // A complete heuristic plan as the starting incumbent: HiGHS checks it and uses it as its cutoff.
    if (hooks.start) model.setSolution({ colValue: valuesFromAssignment(ip, hooks.start) });
    const run = model.run(callbacks(highs, ip, hooks));
    return resultOf(highs, ip, model, run.modelStatus, mipGap);
  } finally {
    model.dispose();
  }
}

export const highsBackend: Backend = {
  name: 'highs',
  hooks: ['onIncumbent', 'onBound', 'shouldStop', 'start'],
  solve: (input, hooks) => solveWithHighs(input, hooks),
};
