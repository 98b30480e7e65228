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
