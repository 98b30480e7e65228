import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntegerProgram } from '../solver/ip.js';
import { toCplexLp } from '../solver/lpformat.js';

/** A native solver's answer on the same 0-1 program, for side-by-side comparison. */
export interface NativeResult {
  readonly status: 'optimal' | 'feasible' | 'infeasible' | 'unknown';
  readonly objective: number | null;
  readonly ms: number;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/**
 * Solves the program with Debian's cbc (COIN-OR 2.10) under a time limit in seconds (cbc's `sec` is CPU time; one
 * thread).
 */
export function cbc(ip: IntegerProgram, timeLimitS: number): NativeResult {
  const dir = mkdtempSync(join(tmpdir(), 'optiplace-'));
  try {
    writeFileSync(join(dir, 'model.lp'), toCplexLp(ip));
    const started = process.hrtime.bigint();
    spawnSync(
      'cbc',
      [
        join(dir, 'model.lp'),
        'sec',
        String(Math.max(1, Math.round(timeLimitS))),
        'solve',
        'solu',
        join(dir, 'out.txt'),
      ],
      { stdio: 'ignore' },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let first = '';
    try {
      first = readFileSync(join(dir, 'out.txt'), 'utf8').split('\n')[0] ?? '';
    } catch {
      return { status: 'unknown', objective: null, ms };
    }
    const objective = /objective value\s+(\S+)/.exec(first)?.[1];
    // With no integer solution cbc writes the continuous one under a header that says so: never read it as a plan.
    if (/no integer solution|continuous/i.test(first)) return { status: 'unknown', objective: null, ms };
    if (/^Optimal/.test(first)) return { status: 'optimal', objective: Number(objective), ms };
    if (/^Infeasible|^Integer infeasible/.test(first)) return { status: 'infeasible', objective: null, ms };
    if (/^Stopped/.test(first) && objective !== undefined)
      return { status: 'feasible', objective: Number(objective), ms };
    return { status: 'unknown', objective: null, ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Solves the program with Debian's glpsol (GLPK 5, native) under a time limit in seconds. */
export function glpsol(ip: IntegerProgram, timeLimitS: number): NativeResult {
  const dir = mkdtempSync(join(tmpdir(), 'optiplace-'));
  try {
    writeFileSync(join(dir, 'model.lp'), toCplexLp(ip));
    const started = process.hrtime.bigint();
    spawnSync(
      'glpsol',
      [
        '--lp',
        join(dir, 'model.lp'),
        '--tmlim',
        String(Math.max(1, Math.round(timeLimitS))),
        '-o',
        join(dir, 'out.txt'),
      ],
      { stdio: 'ignore' },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let out = '';
    try {
      out = readFileSync(join(dir, 'out.txt'), 'utf8');
    } catch {
      return { status: 'unknown', objective: null, ms };
    }
    const status = /Status:\s+INTEGER (OPTIMAL|NON-OPTIMAL|EMPTY|UNDEFINED)/.exec(out)?.[1];
    const objective = /Objective:\s+\S+ = (\S+)/.exec(out)?.[1];
    switch (status) {
      case 'OPTIMAL':
        return { status: 'optimal', objective: Number(objective), ms };
      case 'NON-OPTIMAL':
        return { status: 'feasible', objective: Number(objective), ms };
      case 'EMPTY':
        return { status: 'infeasible', objective: null, ms };
      default:
        return { status: 'unknown', objective: null, ms };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether Python's highspy (native HiGHS) is installed (pip install highspy). */
export function hasHighspy(): boolean {
  return spawnSync('python3', ['-c', 'import highspy'], { stdio: 'ignore' }).status === 0;
}

const HIGHSPY = `
import sys, json, time, highspy
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("threads", 1)
h.setOptionValue("time_limit", float(sys.argv[2]))
h.setOptionValue("mip_rel_gap", 1e-6)
if sys.argv[3] == "lp":
    h.setOptionValue("solve_relaxation", True)
h.readModel(sys.argv[1])
t = time.time()
h.run()
ms = (time.time() - t) * 1000
info = h.getInfo()
status = h.modelStatusToString(h.getModelStatus())
has = info.primal_solution_status == 2
print(json.dumps({"status": status, "objective": info.objective_function_value if has else None,
  "bound": info.mip_dual_bound if sys.argv[3] != "lp" else (info.objective_function_value if has else None), "ms": ms}))
`;

/** Native HiGHS (highspy, one thread) on an LP file: the integer program, or its LP relaxation ('lp'). */
export function highspy(
  lp: string,
  timeLimitS: number,
  mode: 'mip' | 'lp',
): { status: string; objective: number | null; bound: number | null; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'optiplace-'));
  try {
    writeFileSync(join(dir, 'model.lp'), lp);
    const r = spawnSync('python3', ['-c', HIGHSPY, join(dir, 'model.lp'), String(timeLimitS), mode], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    return JSON.parse(r.stdout) as { status: string; objective: number | null; bound: number | null; ms: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether Python can import the module (pip install ortools pyscipopt). */
export function hasPython(module: string): boolean {
  return spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/**
 * OR-Tools CP-SAT on the LP file, through its model builder (which reads MPS: SCIP's reader converts the LP file
 * first, so both read the very same program), with `workers` search workers.
 */
const CPSAT = `
import sys, json, time, os, pyscipopt
lp, limit, workers = sys.argv[1], float(sys.argv[2]), sys.argv[3]
p = pyscipopt.Model(); p.hideOutput(); p.readProblem(lp)
mps = os.path.join(os.path.dirname(lp), "model.mps"); p.writeProblem(mps, verbose=False)
from ortools.linear_solver.python import model_builder as mb
m = mb.Model(); m.import_from_mps_file(mps)
s = mb.Solver("sat"); s.set_time_limit_in_seconds(limit)
s.set_solver_specific_parameters("num_workers: " + workers)
t = time.time(); st = s.solve(m); ms = (time.time() - t) * 1000
names = {mb.SolveStatus.OPTIMAL: "optimal", mb.SolveStatus.FEASIBLE: "feasible",
  mb.SolveStatus.INFEASIBLE: "infeasible"}
status = names.get(st, "unknown")
has = status in ("optimal", "feasible")
print(json.dumps({"status": status, "objective": s.objective_value if has else None,
  "bound": s.best_objective_bound if has else None, "ms": ms}))
`;

/** SCIP (pyscipopt, one thread) on the LP file. */
const SCIP = `
import sys, json, time, pyscipopt
p = pyscipopt.Model(); p.hideOutput(); p.readProblem(sys.argv[1])
p.setParam("limits/time", float(sys.argv[2])); p.setParam("limits/gap", 0.0)
t = time.time(); p.optimize(); ms = (time.time() - t) * 1000
st = p.getStatus()
status = ("optimal" if st == "optimal" else "infeasible" if st == "infeasible"
  else "feasible" if p.getNSols() > 0 else "unknown")
print(json.dumps({"status": status, "objective": p.getObjVal() if p.getNSols() > 0 else None,
  "bound": p.getDualbound(), "ms": ms}))
`;

function python(script: string, ip: IntegerProgram, args: readonly string[]): NativeResult & { bound: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'optiplace-'));
  try {
    writeFileSync(join(dir, 'model.lp'), toCplexLp(ip));
    const r = spawnSync('python3', ['-c', script, join(dir, 'model.lp'), ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as NativeResult & { bound: number | null };
    } catch {
      return { status: 'unknown', objective: null, bound: null, ms: NaN };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CP-SAT (OR-Tools) on the same program, `workers` search workers, under a time limit in seconds. */
export function cpsat(
  ip: IntegerProgram,
  timeLimitS: number,
  workers: number,
): NativeResult & { bound: number | null } {
  return python(CPSAT, ip, [String(timeLimitS), String(workers)]);
}

/** SCIP on the same program, one thread, under a time limit in seconds. */
export function scip(ip: IntegerProgram, timeLimitS: number): NativeResult & { bound: number | null } {
  return python(SCIP, ip, [String(timeLimitS)]);
}
