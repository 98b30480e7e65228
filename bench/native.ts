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
