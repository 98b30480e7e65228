import { maxOf } from '../models/own.js';
import type { IntegerProgram, Row } from './ip.js';

/**
 * Extended cover inequalities for the capacity rows (GLPK in WebAssembly has no cuts of its own).
 * For a row Σ a_v x_v ≤ b over binaries, a cover C (Σ_C a_v > b) gives Σ_C x_v ≤ |C| − 1, and its extension
 * E(C) = C ∪ {v : a_v ≥ max_C a} gives Σ_E(C) x_v ≤ |C| − 1. Every 0-1 point that satisfies the row satisfies
 * the cut, so adding cuts never changes the optimum; they only tighten the LP relaxation.
 */

/** Cuts violated by more than this at the LP point are added. */
const MIN_VIOLATION = 1e-4;

/**
 * Finds violated extended covers for the capacity rows at the fractional point `x` (x[v] for variable v).
 * Heuristic separation: build the cover from the variables with the largest x (larger a first on ties),
 * make it minimal by dropping the smallest-x members it can spare, keep it if violated.
 */
export function separateCovers(ip: IntegerProgram, x: Float64Array, start: number): Row[] {
  const cuts: Row[] = [];
  let id = start;
  for (const row of ip.rows) {
    // Covers are valid for 0-1 variables only: rows with an aggregated (general integer) variable are skipped.
    if (row.kind !== 'capacity' || row.vars.some((v) => ip.varUpper[v]! > 1)) continue;
    const members: number[] = [];
    for (let t = 0; t < row.vars.length; t++) if (x[row.vars[t]!]! > 1e-9) members.push(t);
    members.sort((p, q) => x[row.vars[q]!]! - x[row.vars[p]!]! || row.coefs[q]! - row.coefs[p]!);
    const cover: number[] = [];
    let weight = 0;
    for (const t of members) {
      cover.push(t);
      weight += row.coefs[t]!;
      if (weight > row.rhs + 1e-9) break;
    }
    if (weight <= row.rhs + 1e-9) continue;
    // Minimal: drop members, smallest x first, while what is left still exceeds the capacity.
    for (let k = cover.length - 1; k >= 0; k--) {
      const t = cover[k]!;
      if (weight - row.coefs[t]! > row.rhs + 1e-9) {
        weight -= row.coefs[t]!;
        cover.splice(k, 1);
      }
    }
    const size = cover.length;
    if (size < 2) continue;
    let lhs = 0;
    for (const t of cover) lhs += x[row.vars[t]!]!;
    if (lhs <= size - 1 + MIN_VIOLATION) continue;
    const inCover = new Set(cover);
    const maxA = maxOf(cover.map((t) => row.coefs[t]!));
    const vars: number[] = cover.map((t) => row.vars[t]!);
    for (let t = 0; t < row.vars.length; t++) if (!inCover.has(t) && row.coefs[t]! >= maxA) vars.push(row.vars[t]!);
    cuts.push({
      name: `cover_${id++}`,
      kind: 'cut',
      op: 'le',
      rhs: size - 1,
      vars: Int32Array.from(vars),
      coefs: new Float64Array(vars.length).fill(1),
    });
  }
  return cuts;
}

/** The program with extra rows appended. */
export function withRows(ip: IntegerProgram, rows: readonly Row[]): IntegerProgram {
  return { ...ip, rows: [...ip.rows, ...rows] };
}
