import { unitsToNumber, type AssignmentModel } from '../models/model.js';
import { relativeGap } from '../solver/bounds.js';
import type { PlanSummary, SolveOutcome } from '../solver/solve.js';
import { verifyPlan } from '../solver/verify.js';

/**
 * The plan as a report for people (`--format table`): a summary line each for the plan and the greedy
 * (or a given plan), then one block per node with its containers under both and a utilisation bar per
 * resource. Plain text, fixed width, no colours.
 */
const BAR = 20;

function bar(fraction: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * BAR);
  return `${'█'.repeat(full)}${'░'.repeat(BAR - full)} ${(100 * fraction).toFixed(0).padStart(3)}%`;
}

const num = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : Number.isInteger(x) ? String(x) : x.toPrecision(6);
const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

function usage(model: AssignmentModel, plan: PlanSummary, i: number): string[] {
  return model.resources.flatMap((r, k) => {
    const cap = r.capacity[i] ?? 0n;
    if (cap === 0n || r.name === 'pods') return [];
    const used = plan.verification.used[k]![i]!;
    return [
      `${r.name.padEnd(16)} ${bar(Number(used) / Number(cap))}  ` +
        `${num(unitsToNumber(used, r.scale))} / ${num(unitsToNumber(cap, r.scale))}`,
    ];
  });
}

export function renderTable(model: AssignmentModel, o: SolveOutcome, given?: Int32Array): string {
  const other: { label: string; plan: PlanSummary } = given
    ? { label: 'given', plan: { assignment: given, verification: verifyPlan(model, given, true) } }
    : { label: 'greedy', plan: o.greedy };
  const otherObjective =
    other.plan.verification.valid && (other.plan.verification.complete || model.rules?.unplacedPenalty)
      ? other.plan.verification.objective
      : null;
  const lines: string[] = [];
  lines.push(
    `status ${o.status}   objective ${num(o.objective)}   bound ` +
      `${num(o.bound)}   gap ${pct(o.gap)}   (plan from ${o.source})`,
  );
  const gapToPlan = otherObjective !== null && o.objective !== null ? relativeGap(otherObjective, o.objective) : null;
  const above = gapToPlan === null ? '' : `${pct(gapToPlan)} above the plan`;
  const check = other.plan.verification;
  const invalid = check.valid ? '' : `   INVALID: ${check.violations.slice(0, 3).join('; ')}`;
  lines.push(`${other.label.padEnd(6)} objective ${num(otherObjective)}   ${above}${invalid}`);
  const names = (plan: PlanSummary, i: number): string => {
    const on = model.items.filter((_, j) => plan.assignment[j] === i);
    return on.length === 0 ? '(empty)' : on.join(', ');
  };
  model.nodes.forEach((node, i) => {
    lines.push('', `${node}`);
    lines.push(`  plan    ${names(o.plan, i)}`);
    lines.push(`  ${other.label.padEnd(7)} ${names(other.plan, i)}`);
    for (const u of usage(model, o.plan, i)) lines.push(`  ${u}`);
  });
  const out = (plan: PlanSummary): string[] => model.items.filter((_, j) => plan.assignment[j]! < 0);
  if (out(o.plan).length > 0) lines.push('', `unplaced (plan): ${out(o.plan).join(', ')}`);
  if (out(other.plan).length > 0) lines.push(`unplaced (${other.label}): ${out(other.plan).join(', ')}`);
  for (const r of o.reasons) lines.push(`reason: ${r.message}`);
  return `${lines.join('\n')}\n`;
}
