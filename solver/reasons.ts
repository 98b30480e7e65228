import {
  BLOCK_REASONS,
  demandUnits,
  domainIndex,
  tolerationsOf,
  unitsToNumber,
  type AssignmentModel,
  type BlockReason,
  type GroupRule,
} from '../models/model.js';
import { maxOf, minOf } from '../models/own.js';
import { formatTaint, untoleratedTaints } from '../models/selectors.js';
import { ContainerKinds } from './kinds.js';
import { blockAt } from '../models/pairs.js';

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
 * The group rules as seen from a fixed plan: counts per domain of each rule's sets, so "would placing j
 * on node i break rule g" is a few lookups. For a valid plan only rules involving j can break, so each
 * container is checked against its own rules, in rule order.
 */
class RuleView {
  private readonly byItem = new Map<number, number[]>();
  private readonly counts: {
    a: Int32Array;
    b: Int32Array;
    sel?: Set<number>;
    inA?: Set<number>;
    low: number;
    atLow: number;
    high: number;
  }[] = [];
  private readonly moved: number[] = [];

  constructor(
    private readonly model: AssignmentModel,
    plan: Int32Array,
  ) {
    const n = model.nodes.length;
    const current = model.rules?.current;
    (model.rules?.groups ?? []).forEach((g, x) => {
      const involved = g.kind === 'apart' ? [...g.a, ...g.b] : g.kind === 'together' ? g.items : g.items;
      for (const j of involved) {
        const list = this.byItem.get(j);
        if (list) list.push(x);
        else this.byItem.set(j, [x]);
      }
      this.moved.push(
        g.kind === 'moveLimit' ? g.items.filter((j) => plan[j]! >= 0 && plan[j] !== current?.[j]).length : 0,
      );
      const domains = g.kind === 'gang' || g.kind === 'moveLimit' ? [] : g.domains;
      const domainOf = domainIndex(domains, n);
      const tally = (items: readonly number[]): Int32Array => {
        const c = new Int32Array(domains.length);
        for (const j of items) if (plan[j]! >= 0 && domainOf[plan[j]!]! >= 0) c[domainOf[plan[j]!]!]!++;
        return c;
      };
      const a =
        g.kind === 'apart'
          ? tally(g.a)
          : g.kind === 'together'
            ? tally(g.with)
            : g.kind === 'gang' || g.kind === 'moveLimit'
              ? new Int32Array(0)
              : tally(g.items);
      const b = g.kind === 'apart' ? tally(g.b) : new Int32Array(0);
      const low = a.length === 0 ? 0 : minOf(a);
      this.counts.push({
        a,
        b,
        ...(g.kind === 'together' ? { sel: new Set(g.with) } : {}),
        ...(g.kind === 'apart' ? { inA: new Set(g.a) } : {}),
        low,
        atLow: a.reduce((t, c) => t + (c === low ? 1 : 0), 0),
        high: a.length === 0 ? 0 : maxOf(a),
      });
    });
  }

  /** The first rule (other than gangs) that placing unplaced container j on node i breaks. */
  broken(j: number, i: number): GroupRule | undefined {
    const groups = this.model.rules?.groups ?? [];
    for (const x of this.byItem.get(j) ?? []) {
      const g = groups[x]!;
      if (g.kind !== 'gang' && this.breaks(g, x, j, i)) return g;
    }
    return undefined;
  }

  private breaks(g: GroupRule, x: number, j: number, i: number): boolean {
    const c = this.counts[x]!;
    if (g.kind === 'moveLimit') return i !== this.model.rules?.current[j] && this.moved[x]! + 1 > g.limit;
    if (g.kind === 'gang') return false;
    const d = domainIndex(g.domains, this.model.nodes.length)[i]!;
    switch (g.kind) {
      case 'atMost':
        return d >= 0 && c.a[d]! + 1 > g.limit;
      case 'apart':
        return d >= 0 && (c.inA!.has(j) ? c.b[d]! : c.a[d]!) > 0;
      case 'together':
        return d < 0 || c.a[d]! === 0;
      case 'spread': {
        if (d < 0) return false;
        const low = c.a[d]! === c.low && c.atLow === 1 ? c.low + 1 : c.low;
        return Math.max(c.high, c.a[d]! + 1) - low > g.maxSkew;
      }
    }
  }

  inGang(j: number): boolean {
    const groups = this.model.rules?.groups ?? [];
    return (this.byItem.get(j) ?? []).some((x) => groups[x]!.kind === 'gang');
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
      count(taint ? `${BLOCK_MESSAGES.taint} ${formatTaint(taint)}` : BLOCK_MESSAGES[reason]);
      continue;
    }
    const short = model.resources.filter((r, k) => demandUnits(r, i, j, m) > (r.capacity[i] ?? 0n) - used[k]![i]!);
    if (short.length > 0) {
      for (const r of short) count(r.name === 'pods' ? 'Too many pods' : `Insufficient ${r.name}`);
      continue;
    }
    const broken = view.broken(j, i);
    count(
      broken
        ? RULE_MESSAGES[broken.kind]
        : view.inGang(j)
          ? RULE_MESSAGES.gang
          : 'node(s) had room for it alone, but not beside the rest of the plan',
    );
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
