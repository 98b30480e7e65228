import {
  BLOCK_REASONS,
  demandUnits,
  resourceNameOf,
  tolerationsOf,
  unitsToNumber,
  type AssignmentModel,
  type BlockReason,
} from '../models/model.js';
import { formatTaint, untoleratedTaints } from '../models/selectors.js';
import { ContainerKinds } from './kinds.js';
import { blockAt } from '../models/pairs.js';
import { kindOf } from '../models/rules/registry.js';

/** Why no plan can place every container: each reason is a proof on its own. */
export type Reason =
  | { readonly kind: 'fits-nowhere'; readonly container: string; readonly message: string }
  | { readonly kind: 'unplaced'; readonly container: string; readonly message: string }
  | {
      readonly kind: 'total-demand';
      readonly resource: string;
      readonly demand: number;
      readonly capacity: number;
      readonly message: string;
    }
  | { readonly kind: 'solver-proof'; readonly solver: string; readonly message: string };

/**
 * Resources whose total demand exceeds total capacity (uniform demand only: node-dependent demand has no single total).
 */
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
      reasons.push({
        kind: 'total-demand',
        resource: r.name,
        demand: d,
        capacity: c,
        message: `total ${r.name} requested (${d}) exceeds total ${r.name} capacity (${c})`,
      });
    }
  }
  return reasons;
}

/** The resource of a shared column that item j asks for and node i does not give (kube-scheduler: Insufficient). */
function lackedResource(model: AssignmentModel, i: number, j: number): string | undefined {
  const r = model.resources.find(
    (t) => t.members && t.members.item[j]! >= 0 && t.members.item[j] !== t.members.node[i],
  );
  return r ? resourceNameOf(r, j) : undefined;
}

/** The scheduler's wording for each block reason. */
const BLOCK_MESSAGES: Record<Exclude<BlockReason, ''>, string> = {
  unschedulable: 'node(s) were unschedulable',
  'not-ready': 'node(s) were not ready',
  selector: "node(s) didn't match Pod's node affinity/selector",
  taint: 'node(s) had untolerated taint',
  'topology-key': "node(s) didn't match pod topology spread constraints (missing required label)",
  affinity: "node(s) didn't match pod affinity rules",
  pinned: 'node(s) are not the node it is bound to',
  full: 'node(s) already had more of a resource it requests than they have (Insufficient resources)',
  lacks: 'node(s) had none of a resource it requests (Insufficient resources)',
};

/**
 * The group rules as seen from a fixed plan, each through its kind's reason part (models/rules/): "would placing
 * j on node i break rule g" is a few lookups. For a valid plan only rules involving j can break, so each container
 * is checked against its own rules, in rule order.
 */
class RuleView {
  private readonly byItem = new Map<number, number[]>();
  private readonly breaks: (((j: number, i: number) => boolean) | undefined)[] = [];

  constructor(
    private readonly model: AssignmentModel,
    plan: Int32Array,
  ) {
    (model.rules?.groups ?? []).forEach((g, x) => {
      const kind = kindOf(g);
      for (const j of kind.constrained(g)) {
        const list = this.byItem.get(j);
        if (list) list.push(x);
        else this.byItem.set(j, [x]);
      }
      this.breaks.push(kind.reason.breaks?.(g, model, plan));
    });
  }

  /** The message of the first rule that placing unplaced container j on node i breaks. */
  broken(j: number, i: number): string | undefined {
    const groups = this.model.rules?.groups ?? [];
    for (const x of this.byItem.get(j) ?? []) if (this.breaks[x]?.(j, i)) return kindOf(groups[x]!).reason.message;
    return undefined;
  }

  /** The message of the first rule that no single placement breaks but that holds j back as a whole (a gang). */
  whole(j: number): string | undefined {
    const groups = this.model.rules?.groups ?? [];
    for (const x of this.byItem.get(j) ?? []) if (!this.breaks[x]) return kindOf(groups[x]!).reason.message;
    return undefined;
  }
}

/** Exact units of each resource used on each node by the plan. */
function usage(model: AssignmentModel, plan: Int32Array): bigint[][] {
  const m = model.items.length;
  const used = model.resources.map(() => new Array<bigint>(model.nodes.length).fill(0n));
  for (let p = 0; p < m; p++)
    if (plan[p]! >= 0) model.resources.forEach((r, k) => (used[k]![plan[p]!]! += demandUnits(r, plan[p]!, p, m)));
  return used;
}

/**
 * Why container j cannot go on any node beside the plan (`view` and `used` built from it; j unplaced in
 * it), in the Kubernetes scheduler's wording: "0/5 nodes are available: 3 Insufficient nvidia.com/gpu, 2
 * node(s) had untolerated taint {dedicated: gpu}." Per node the first failing check counts: blocking rules
 * (cordon, readiness, selector and affinity, taints), then capacity (every short resource), then group rules.
 */
function schedulerMessage(
  model: AssignmentModel,
  j: number,
  view: RuleView,
  used: readonly (readonly bigint[])[],
): string {
  const n = model.nodes.length;
  const m = model.items.length;
  const rules = model.rules;
  const counts = new Map<string, number>();
  const count = (msg: string): void => void counts.set(msg, (counts.get(msg) ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const b = rules ? blockAt(rules.blocked, i, j) : 0;
    if (b !== 0) {
      const reason = BLOCK_REASONS[b] as Exclude<BlockReason, ''>;
      const taint =
        reason === 'taint' && rules?.taints
          ? untoleratedTaints(rules.taints.nodes[i] ?? [], tolerationsOf(rules.taints, j))[0]
          : undefined;
      const lacking = reason === 'lacks' ? lackedResource(model, i, j) : undefined;
      count(
        taint
          ? `${BLOCK_MESSAGES.taint} ${formatTaint(taint)}`
          : lacking
            ? `Insufficient ${lacking}`
            : BLOCK_MESSAGES[reason],
      );
      continue;
    }
    const short = model.resources.filter((r, k) => demandUnits(r, i, j, m) > (r.capacity[i] ?? 0n) - used[k]![i]!);
    if (short.length > 0) {
      for (const r of short) count(r.name === 'pods' ? 'Too many pods' : `Insufficient ${resourceNameOf(r, j)}`);
      continue;
    }
    count(view.broken(j, i) ?? view.whole(j) ?? 'node(s) had room for it alone, but not beside the rest of the plan');
  }
  const parts = [...counts].map(([msg, c]) => `${c} ${msg}`).sort();
  return `0/${n} nodes are available: ${parts.join(', ')}.`;
}

/**
 * Messages for the given unplaced containers beside the plan, at most `limit` of them, alike containers computed once.
 */
function messages(
  model: AssignmentModel,
  plan: Int32Array,
  containers: readonly number[],
  limit: number,
): { j: number; message: string }[] {
  const view = new RuleView(model, plan);
  const used = usage(model, plan);
  const cache = new Map<string, string>();
  const kinds = new ContainerKinds(model);
  return containers.slice(0, limit).map((j) => {
    const key = kinds.of(j);
    let message = cache.get(key);
    if (message === undefined) cache.set(key, (message = schedulerMessage(model, j, view, used)));
    return { j, message };
  });
}

/**
 * Containers with a reason of their own in an answer; the rest are counted in one more reason (see the README's
 * limits).
 */
export const MAX_REASONS = 1000;

/** For containers that fit on no node on their own: why, node by node, in the scheduler's words. */
export function fitsNowhereReasons(model: AssignmentModel, containers: readonly number[]): Reason[] {
  const empty = new Int32Array(model.items.length).fill(-1);
  const out: Reason[] = messages(model, empty, containers, MAX_REASONS).map(({ j, message }) => {
    const container = model.items[j] ?? String(j);
    return { kind: 'fits-nowhere', container, message: `container "${container}": ${message}` };
  });
  if (containers.length > MAX_REASONS)
    out.push({
      kind: 'fits-nowhere',
      container: '',
      message: `and ${containers.length - MAX_REASONS} more containers that fit on no node`,
    });
  return out;
}

/** For the containers a plan leaves out (allowed by options.allowUnplaced): why each does not fit beside it. */
export function unplacedReasons(model: AssignmentModel, plan: ArrayLike<number>): Reason[] {
  const p = Int32Array.from(plan);
  const left = Array.from(p.keys()).filter((j) => p[j]! < 0);
  const out: Reason[] = messages(model, p, left, MAX_REASONS).map(({ j, message }) => {
    const container = model.items[j] ?? String(j);
    return { kind: 'unplaced', container, message: `container "${container}": ${message}` };
  });
  if (left.length > MAX_REASONS)
    out.push({ kind: 'unplaced', container: '', message: `and ${left.length - MAX_REASONS} more containers left out` });
  return out;
}
