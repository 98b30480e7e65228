import { stringify } from 'yaml';
import { solvedJson, type Result } from '../planning/usecases.js';
import { versionInfo } from '../planning/version.js';
import type { OutputFormat } from './args.js';
import { renderTable } from './table.js';
import { renderCapacityTable } from './capacity-table.js';
import type { CapacityAnswer } from '../planning/schemas.js';

/**
 * What goes to stdout: the answer JSON as the API gives it, the same answer as YAML, or the table for
 * people (plans, programs and evaluations: nodes with bars; capacity questions: their figures); LP text as
 * it is. The exit code follows the status.
 */

const exitCodeOf = (status: unknown): number => (status === 'infeasible' ? 1 : status === 'unknown' ? 3 : 0);

/**
 * JSON, or YAML of exactly what that JSON says (serialised first: what JSON leaves out, YAML does too).
 * YAML 1.1's quoting, so that names such as "no", "on" or "y" stay strings for YAML 1.1 readers as well;
 * no folded lines.
 */
function serialise(json: unknown, format: OutputFormat): string {
  const text = JSON.stringify(json, null, 2);
  return format === 'yaml' ? stringify(JSON.parse(text), { lineWidth: 0, version: '1.1' }) : `${text}\n`;
}

/** Prints the result; answers its exit code. */
export function printResult(result: Result, format: OutputFormat): number {
  if (result.kind === 'text') {
    process.stdout.write(result.text);
    return 0;
  }
  if (result.kind === 'json') {
    // The JSON answers here are capacity questions': their table is their figures, not nodes' bars.
    const table = format === 'table' && 'question' in result.json;
    process.stdout.write(table ? renderCapacityTable(result.json as CapacityAnswer) : serialise(result.json, format));
    return exitCodeOf(result.json['status']);
  }
  const { solved } = result;
  if (format === 'table') {
    const conflict = solved.explanation ? `conflict: ${solved.explanation.message}\n` : '';
    process.stdout.write(
      `${renderTable(solved.built.model, solved.outcome, solved.given, solved.built.swarm)}${conflict}`,
    );
  } else process.stdout.write(serialise(solvedJson(solved), format));
  return exitCodeOf(solved.outcome.status);
}

/** `--version`: this build, its commit, the solver packages and Node. */
export function versionText(): string {
  const v = versionInfo();
  const solvers = Object.entries(v.solvers).map(([name, version]) => `${name} ${version}`);
  return `placement ${v.version} (${v.commit ?? 'unknown commit'})\nsolvers: ${solvers.join(', ')}\nnode ${v.node}\n`;
}
