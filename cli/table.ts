import { unitsToNumber, type AssignmentModel } from '../models/model.js';
import { relativeGap } from '../solver/bounds.js';
import type { PlanSummary, SolveOutcome } from '../solver/solve.js';
import { verifyPlan } from '../solver/verify.js';

/**
 * The plan as a report for people (`-o table`): a summary line each for the plan and the greedy
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
export const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

/** A number to at most 6 significant digits, without trailing zeros. */
export const plain = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));

/**
 * Kubernetes resources counted in bytes: memory, ephemeral-storage, storage and hugepages-<size> (with or
 * without a requests./limits. prefix). Every other resource is a count (cpu in cores, GPUs, pods, …).
 */
export const isByteResource = (name: string): boolean =>
  /^(?:requests\.|limits\.)?(?:memory|ephemeral-storage|storage|hugepages-.+)$/.test(name) || name === 'MemoryBytes';

const BINARY_UNITS = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

/** Bytes in the largest binary unit they reach, to two decimals at most: 512Mi, 15Gi, 1.5Ti, 100. */
export function binaryBytes(bytes: number): string {
  let p = 0;
  while (p < BINARY_UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (p + 1)) p++;
  const v = bytes / 1024 ** p;
  return `${p === 0 ? plain(v) : String(Number(v.toFixed(2)))}${BINARY_UNITS[p]}`;
}

/**
 * Used / capacity for people: a snapshot's byte resources in binary units ("15Gi / 16Gi"), its cpu in cores
 * ("7.5 / 8 cpu"), other resources (and every resource of a program, whose units are the caller's) as plain
 * numbers.
 */
export function quantities(model: AssignmentModel, k: number, used: bigint, cap: bigint): string {
  const r = model.resources[k]!;
  const [u, c] = [unitsToNumber(used, r.scale), unitsToNumber(cap, r.scale)];
  if (model.kind === 'snapshot' && isByteResource(r.name)) return `${binaryBytes(u)} / ${binaryBytes(c)}`;
  if (model.kind === 'snapshot' && r.name === 'cpu') return `${plain(u)} / ${plain(c)} cpu`;
  // Docker Swarm's NanoCPUs, in cores.
  if (model.kind === 'snapshot' && r.name === 'NanoCPUs') return `${plain(u / 1e9)} / ${plain(c / 1e9)} cpu`;
  return `${plain(u)} / ${plain(c)}`;
}

function usage(model: AssignmentModel, plan: PlanSummary, i: number): string[] {
  // Names longer than 16 (ephemeral-storage, example.com/fpga) widen the column, so the bars stay aligned.
  const width = Math.max(16, ...model.resources.map((r) => r.name.length));
  return model.resources.flatMap((r, k) => {
    const cap = r.capacity[i] ?? 0n;
    if (cap === 0n || r.name === 'pods') return [];
    const used = plan.verification.used[k]![i]!;
    return [`${r.name.padEnd(width)} ${bar(Number(used) / Number(cap))}  ${quantities(model, k, used, cap)}`];
  });
}

/** The summary line of another plan: its objective, how far above the plan, and whether it breaks a rule. */
function summary(model: AssignmentModel, o: SolveOutcome, label: string, plan: PlanSummary): string {
  const check = plan.verification;
  const objective = check.valid && (check.complete || model.rules?.unplacedPenalty) ? check.objective : null;
  const gapToPlan = objective !== null && o.objective !== null ? relativeGap(objective, o.objective) : null;
  const above = gapToPlan === null ? '' : `${pct(gapToPlan)} above the plan`;
  const invalid = check.valid ? '' : `   INVALID: ${check.violations.slice(0, 3).join('; ')}`;
  return `${label.padEnd(6)} objective ${num(objective)}   ${above}${invalid}`;
}

/** The report; `swarm`: Swarm's own plan, for Docker Swarm input (a third line per node). */
export function renderTable(model: AssignmentModel, o: SolveOutcome, given?: Int32Array, swarm?: Int32Array): string {
  const other: { label: string; plan: PlanSummary } = given
    ? { label: 'given', plan: { assignment: given, verification: verifyPlan(model, given, true) } }
    : { label: 'greedy', plan: o.greedy };
  // Swarm's plan may leave tasks pending, as swarmkit does: checked without asking for every task.
  const third = swarm
    ? { label: 'swarm', plan: { assignment: swarm, verification: verifyPlan(model, swarm, false) } }
    : undefined;
  const lines: string[] = [];
  lines.push(
    `status ${o.status}   objective ${num(o.objective)}   bound ` +
      `${num(o.bound)}   gap ${pct(o.gap)}   (plan from ${o.source})`,
  );
  for (const p of third ? [other, third] : [other]) lines.push(summary(model, o, p.label, p.plan));
  const names = (plan: PlanSummary, i: number): string => {
    const on = model.items.filter((_, j) => plan.assignment[j] === i);
    return on.length === 0 ? '(empty)' : on.join(', ');
  };
  model.nodes.forEach((node, i) => {
    lines.push('', `${node}`);
    lines.push(`  plan    ${names(o.plan, i)}`);
    for (const p of third ? [other, third] : [other]) lines.push(`  ${p.label.padEnd(7)} ${names(p.plan, i)}`);
    for (const u of usage(model, o.plan, i)) lines.push(`  ${u}`);
  });
  const out = (plan: PlanSummary): string[] => model.items.filter((_, j) => plan.assignment[j]! < 0);
  if (out(o.plan).length > 0) lines.push('', `unplaced (plan): ${out(o.plan).join(', ')}`);
  for (const p of third ? [other, third] : [other])
    if (out(p.plan).length > 0) lines.push(`unplaced (${p.label}): ${out(p.plan).join(', ')}`);
  for (const r of o.reasons) lines.push(`reason: ${r.message}`);
  return `${lines.join('\n')}\n`;
}
