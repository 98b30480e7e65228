import type { IntegerProgram } from './ip.js';

/**
 * Writes the integer program as CPLEX LP text, which glpsol, cbc, HiGHS and most other solvers read.
 * Variable x{v} is the program's variable v: y_{node, class}, an integer in [0, its upper bound].
 */
export function toCplexLp(ip: IntegerProgram): string {
  const lines: string[] = [ip.sense === 'min' ? 'Minimize' : 'Maximize'];
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
    lines.push(` ${row.name}: ${wrap(Array.from(row.vars, (v, t) => term(row.coefs[t]!, v))).slice(1)} ${row.op === 'eq' ? '=' : '<='} ${row.rhs}`);
  }
  lines.push('Bounds');
  for (let v = 0; v < ip.varCost.length; v++) lines.push(` 0 <= x${v} <= ${ip.varUpper[v]}`);
  lines.push('General');
  const continuous = new Set(ip.continuous);
  for (let v = 0; v < ip.varCost.length; v++) if (!continuous.has(v)) lines.push(` x${v}`);
  lines.push('End', '');
  return lines.join('\n');
}
