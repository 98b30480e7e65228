import { fitsEmpty, isBlocked, type AssignmentModel, type GroupRule, type PlacementRules } from '../models/model.js';
import type { SolveOptions } from '../models/options.js';
import type { SolverPool } from './pool.js';
import { solveModel } from './solve.js';
import { verifyPlan } from './verify.js';

/**
 * Why no plan places everything, as a small conflict: a deletion filter over containers. Starting from
 * every container, drop one at a time and keep it out if the rest is still infeasible (an exact solver's
 * proof). What remains is irreducible: each container in it is needed, and dropping any one leaves a set
 * that fits, shown by a verified plan for each. Then each resource and each rule is relaxed in turn on the
 * conflict; those whose relaxation makes it fit are named as its cause.
 */
export interface Explanation {
  readonly containers: readonly string[];
  /** The nodes any of these containers may use (capacity and blocking rules aside). */
  readonly nodes: readonly string[];
  /** Resources and rules whose relaxation alone makes the conflict fit. */
  readonly causes: readonly string[];
  /** True when every deletion was decided by a proof and every one-smaller set has a verified plan. */
  readonly minimal: boolean;
  readonly message: string;
}

/** The model restricted to the items `keep` (indices into model.items), with rules mapped and unplacement off. */
export function restrictItems(model: AssignmentModel, keep: readonly number[]): AssignmentModel {
  const n = model.nodes.length;
  const m = model.items.length;
  const index = new Map(keep.map((j, t) => [j, t]));
  const map = (items: readonly number[]): number[] => items.flatMap((j) => (index.has(j) ? [index.get(j)!] : []));
  const resources = model.resources.map((r) => ({ ...r, demand: r.perNode ? Array.from({ length: n }, (_, i) => keep.map((j) => r.demand[i * m + j]!)).flat() : keep.map((j) => r.demand[j]!) }));
  const cost = Array.from({ length: n }, (_, i) => keep.map((j) => model.cost[i * m + j]!)).flat();
  let rules: PlacementRules | undefined;
  if (model.rules) {
    const r = model.rules;
    const groups = r.groups.flatMap((g): GroupRule[] => {
      switch (g.kind) {
        case 'apart':
          return [{ ...g, a: map(g.a), b: map(g.b) }];
        case 'together':
          return index.has(g.item) ? [{ ...g, item: index.get(g.item)!, with: map(g.with) }] : [];
        default:
          return [{ ...g, items: map(g.items) }];
      }
    });
    const blocked = new Uint8Array(n * keep.length);
    for (let i = 0; i < n; i++) keep.forEach((j, t) => (blocked[i * keep.length + t] = r.blocked[i * m + j]!));
    const blockedDetail = new Map<number, string>();
    for (const [x, text] of r.blockedDetail) {
      const t = index.get(x % m);
      if (t !== undefined) blockedDetail.set(Math.floor(x / m) * keep.length + t, text);
    }
    rules = { blocked, blockedDetail, groups, current: Int32Array.from(keep, (j) => r.current[j]!) };
  }
  const { rules: _rules, ...rest } = model;
  void _rules;
  return { ...rest, items: keep.map((j) => model.items[j]!), resources, cost, ...(rules ? { rules } : {}) };
}

type Feasibility = 'fits' | 'conflict' | 'unknown';

export async function explainInfeasible(model: AssignmentModel, options: SolveOptions, pool: SolverPool, deadline: number): Promise<Explanation | undefined> {
  const m = model.items.length;
  // Feasibility only: any plan will do, so the cost is dropped and the first verified plan ends the search.
  const check = async (sub: AssignmentModel, share: number): Promise<Feasibility> => {
    const left = deadline - Date.now();
    if (left < 20) return 'unknown';
    const plain = { ...sub, cost: new Array<number>(sub.cost.length).fill(0) };
    const o = await solveModel(plain, { ...options, timeLimitMs: Math.max(10, Math.floor(left / share)), mipGap: 0 }, pool);
    if (o.status === 'infeasible') return 'conflict';
    if ((o.status === 'optimal' || o.status === 'feasible') && verifyPlan(plain, o.plan.assignment, true).valid) return 'fits';
    return 'unknown';
  };
  // A container that fits on no node even alone is a conflict of one: no search needed.
  const alone = model.items.findIndex((_, j) => !model.nodes.some((_, i) => !isBlocked(model, i, j) && fitsEmpty(model, i, j)));
  let keep = alone >= 0 ? [alone] : Array.from({ length: m }, (_, j) => j);
  let minimal = true;
  for (let t = 0; t < keep.length; ) {
    const without = keep.filter((_, u) => u !== t);
    const f = without.length === 0 ? 'fits' : await check(restrictItems(model, without), Math.max(1, keep.length - t + 2));
    if (f === 'conflict') keep = without;
    else {
      if (f === 'unknown') minimal = false;
      t++;
    }
  }
  if (Date.now() >= deadline) minimal = false;
  const core = restrictItems(model, keep);
  // Causes: relax one resource, or one rule, or every block at once, and see whether the conflict goes.
  const causes: string[] = [];
  for (let k = 0; k < core.resources.length; k++) {
    const relaxed = { ...core, resources: core.resources.filter((_, x) => x !== k) };
    if ((await check(relaxed, core.resources.length + 2)) === 'fits') causes.push(core.resources[k]!.name);
  }
  if (core.rules) {
    const r = core.rules;
    for (let g = 0; g < r.groups.length; g++) {
      const relaxed = { ...core, rules: { ...r, groups: r.groups.filter((_, x) => x !== g) } };
      if ((await check(relaxed, r.groups.length + 2)) === 'fits') causes.push(r.groups[g]!.name);
    }
    if (r.blocked.some((b) => b !== 0) && (await check({ ...core, rules: { ...r, blocked: new Uint8Array(r.blocked.length) } }, 2)) === 'fits') {
      causes.push('node eligibility (taints, selectors, affinity, cordons)');
    }
  }
  const nodes = model.nodes.filter((_, i) => keep.some((j) => (model.rules?.blocked[i * m + j] ?? 0) === 0));
  const containers = keep.map((j) => model.items[j]!);
  const where = nodes.length === 0 ? 'any node' : `nodes ${nodes.join(', ')}`;
  const why = causes.length ? ` (${causes.join('; ')})` : '';
  const message =
    containers.length === 1
      ? `container ${containers[0]} fits on none of ${where === 'any node' ? 'the nodes' : where}${why}`
      : `containers ${containers.join(', ')} do not fit together on ${where}${why}; without any one of them the rest fits`;
  return { containers, nodes, causes, minimal, message };
}
