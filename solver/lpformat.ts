import type { IntegerProgram } from './ip.js';

/** What the LP text is written from: the columns and rows (the placement program, or the scale path's). */
export type LinearProgram = Pick<IntegerProgram, 'sense' | 'varCost' | 'varUpper' | 'rows' | 'continuous'>;

/**
 * Writes the integer program as CPLEX LP text, which glpsol, cbc, HiGHS and most other solvers read.
 * Variable x{v} is the program's variable v: y_{node, class}, an integer in [0, its upper bound].
 */
export function toCplexLp(
  ip: IntegerProgram,
  names?: { readonly nodes: readonly string[]; readonly items: readonly string[] },
): string {
  const lines: string[] = [];
  if (names) {
    // What each variable means, as comments (LP readers skip lines starting with a backslash).
    lines.push(`\\ optiplace placement model: ${ip.n} nodes, ${ip.m} containers, ${ip.varCost.length} variables`);
    if (ip.offset !== 0) lines.push(`\\ the placement objective is this objective + ${ip.offset} (unplaced penalties)`);
    for (let v = 0; v < ip.varCost.length; v++) {
      const c = ip.varClass[v]!;
      if (c < 0) {
        const a = ip.aux.find((x) => x.v === v);
        lines.push(`\\ x${v}: auxiliary (${a?.kind ?? 'rule'})`);
        continue;
      }
      const members = ip.classes[c]!.map((j) => names.items[j]);
      lines.push(`\\ x${v}: how many of [${members.join(', ')}] go on ${names.nodes[ip.varNode[v]!]}`);
    }
  }
  // Not push(...lines): a spread of a large program's lines overflows the call stack.
  for (const line of programLines(ip)) lines.push(line);
  lines.push('End', '');
  return lines.join('\n');
}

/** Objective, rows, bounds and integers of a program, as CPLEX LP lines (without End). */
function programLines(ip: LinearProgram): string[] {
  const lines: string[] = [];
  lines.push(ip.sense === 'min' ? 'Minimize' : 'Maximize');
  const term = (coef: number, v: number): string => `${coef < 0 ? '-' : '+'} ${Math.abs(coef)} x${v}`;
  const wrap = (terms: string[]): string => {
    const out: string[] = [];
    for (let k = 0; k < terms.length; k += 8) out.push(` ${terms.slice(k, k + 8).join(' ')}`);
    return out.join('\n') || ' 0 x0';
  };
  lines.push(` obj: ${wrap(Array.from(ip.varCost, (c, v) => term(c, v))).slice(1)}`);
  lines.push('Subject To');
  for (const row of ip.rows) {
    if (row.vars.length === 0) continue;
    lines.push(
      ` ${row.name}: ${wrap(Array.from(row.vars, (v, t) => term(row.coefs[t]!, v))).slice(1)} ` +
        `${row.op === 'eq' ? '=' : '<='} ${row.rhs}`,
    );
  }
  lines.push('Bounds');
  for (let v = 0; v < ip.varCost.length; v++) lines.push(` 0 <= x${v} <= ${ip.varUpper[v]}`);
  lines.push('General');
  const continuous = new Set(ip.continuous);
  for (let v = 0; v < ip.varCost.length; v++) if (!continuous.has(v)) lines.push(` x${v}`);
  return lines;
}

/** A program without names (the scale path's aggregate, for native solvers side by side). */
export function programLp(ip: LinearProgram): string {
  return [...programLines(ip), 'End', ''].join('\n');
}
