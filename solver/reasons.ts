import { BLOCK_REASONS, demandUnits, unitsToNumber, type AssignmentModel, type BlockReason, type GroupRule } from '../models/model.js';
import { ruleViolations } from './verify.js';

/** Why no plan can place every container: each reason is a proof on its own. */
export type Reason =
  | { readonly kind: 'fits-nowhere'; readonly container: string; readonly message: string }
  | { readonly kind: 'unplaced'; readonly container: string; readonly message: string }
  | { readonly kind: 'total-demand'; readonly resource: string; readonly demand: number; readonly capacity: number; readonly message: string }
  | { readonly kind: 'solver-proof'; readonly solver: string; readonly message: string };

/** Resources whose total demand exceeds total capacity (uniform demand only: node-dependent demand has no single total). */
export function totalDemandReasons(model: AssignmentModel): Reason[] {
  const reasons: Reason[] = [];
  for (const r of model.resources) {
    if (r.perNode) continue;
    let demand = 0n;
    let capacity = 0n;
    for (const d of r.demand) demand += d;
    for (const c of r.capacity) capacity += c;
    if (demand > capacity) {
      const d = unitsToNumber(demand, r.scale);
      const c = unitsToNumber(capacity, r.scale);
      reasons.push({ kind: 'total-demand', resource: r.name, demand: d, capacity: c, message: `total ${r.name} requested (${d}) exceeds total ${r.name} capacity (${c})` });
    }
  }
  return reasons;
}

/** The scheduler's wording for each block reason. */
const BLOCK_MESSAGES: Record<Exclude<BlockReason, ''>, string> = {
  unschedulable: 'node(s) were unschedulable',
  'not-ready': 'node(s) were not ready',
  selector: "node(s) didn't match Pod's node affinity/selector",
  taint: 'node(s) had untolerated taint',
  affinity: "node(s) didn't match pod affinity rules",
  pinned: 'node(s) are not the node it is bound to',
};

const RULE_MESSAGES: Record<GroupRule['kind'], string> = {
  atMost: "node(s) didn't match pod anti-affinity rules",
  apart: "node(s) didn't match pod anti-affinity rules",
  together: "node(s) didn't match pod affinity rules",
  spread: "node(s) didn't match pod topology spread constraints",
  gang: 'node(s) had room for it alone, but not for its whole gang',
  moveLimit: 'node(s) had room, but the move budget is spent',
};

/**
 * Why container j cannot go on any node beside the plan (an empty plan when none is given), in the
 * Kubernetes scheduler's wording: "0/5 nodes are available: 3 Insufficient nvidia.com/gpu, 2 node(s) had
 * untolerated taint {dedicated: gpu}." Per node the first failing check counts: blocking rules (cordon,
 * readiness, selector and affinity, taints), then capacity (every short resource), then group rules.
 */
export function schedulerMessage(model: AssignmentModel, j: number, plan?: ArrayLike<number>): string {
  const n = model.nodes.length;
  const m = model.items.length;
  const rules = model.rules;
  const placed = plan ? Int32Array.from(plan) : new Int32Array(m).fill(-1);
  placed[j] = -1;
  const used = model.resources.map(() => new Array<bigint>(n).fill(0n));
  for (let p = 0; p < m; p++) if (placed[p]! >= 0) model.resources.forEach((r, k) => (used[k]![placed[p]!]! += demandUnits(r, placed[p]!, p, m)));
  const counts = new Map<string, number>();
  const count = (msg: string): void => void counts.set(msg, (counts.get(msg) ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const b = rules?.blocked[i * m + j] ?? 0;
    if (b !== 0) {
      const reason = BLOCK_REASONS[b] as Exclude<BlockReason, ''>;
      count(reason === 'taint' ? `${BLOCK_MESSAGES.taint} ${rules?.blockedDetail.get(i * m + j) ?? ''}`.trim() : BLOCK_MESSAGES[reason]);
      continue;
    }
    const short = model.resources.filter((r, k) => demandUnits(r, i, j, m) > (r.capacity[i] ?? 0n) - used[k]![i]!);
    if (short.length > 0) {
      for (const r of short) count(r.name === 'pods' ? 'Too many pods' : `Insufficient ${r.name}`);
      continue;
    }
    placed[j] = i;
    const broken = (rules?.groups ?? []).find((g) => g.kind !== 'gang' && ruleViolations(model, g, placed).length > 0);
    placed[j] = -1;
    const gang = (rules?.groups ?? []).find((g) => g.kind === 'gang' && g.items.includes(j));
    count(broken ? RULE_MESSAGES[broken.kind] : gang ? RULE_MESSAGES.gang : 'node(s) had room for it alone, but not beside the rest of the plan');
  }
  const parts = [...counts].map(([msg, c]) => `${c} ${msg}`).sort();
  return `0/${n} nodes are available: ${parts.join(', ')}.`;
}

/** For containers that fit on no node on their own: why, node by node, in the scheduler's words. */
export function fitsNowhereReasons(model: AssignmentModel, containers: readonly number[]): Reason[] {
  return containers.map((j) => {
    const container = model.items[j] ?? String(j);
    return { kind: 'fits-nowhere', container, message: `container "${container}": ${schedulerMessage(model, j)}` };
  });
}

/** For the containers a plan leaves out (allowed by options.allowUnplaced): why each does not fit beside it. */
export function unplacedReasons(model: AssignmentModel, plan: ArrayLike<number>): Reason[] {
  const out: Reason[] = [];
  for (let j = 0; j < model.items.length; j++) {
    if (plan[j]! >= 0) continue;
    const container = model.items[j] ?? String(j);
    out.push({ kind: 'unplaced', container, message: `container "${container}": ${schedulerMessage(model, j, plan)}` });
  }
  return out;
}
