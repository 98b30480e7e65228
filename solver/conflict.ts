import { fitsEmpty, isBlocked, type AssignmentModel } from '../models/model.js';
import { restrictItems } from '../models/restrict.js';
import { BACKENDS } from './backends/index.js';
import { engineFor } from './strategy.js';
import { formulate } from './formulate.js';
import { greedyPlan } from './greedy.js';
import { heuristicPlan } from './heuristic.js';
import type { Explanation } from './protocol.js';
import { describe } from './explanation.js';
import { ContainerKinds } from './kinds.js';
import { verifyPlan } from './verify.js';
import { hasBlocks, withoutBlocks } from '../models/pairs.js';

/**
 * Why no plan places everything, as a small conflict (run in a solver worker, within a deadline).
 *
 * 1. A first conflict with a proof that needs no solver: a container that fits on no node alone; else, for
 *    a resource whose total demand exceeds the total capacity, the largest requests of it until their sum
 *    does; else every container.
 * 2. A deletion filter in halving chunks (drop a chunk, keep it out if the rest is still proven
 *    infeasible; then chunks half as large, down to single containers), so a conflict of k among m
 *    containers costs about k·log(m/k) checks, not m.
 * 3. Each set one smaller than the result is shown to fit by a verified plan (once per kind of container:
 *    identical replicas give the same set), and each resource and rule is relaxed in turn on it: those
 *    whose relaxation alone makes it fit are named as causes.
 * A check is a proof either way: infeasible by a total-demand count, a container that fits nowhere, or
 * the sub-program engine's proof (strategy.ts); feasible by a plan (the greedy, the local search, or that engine)
 * that passes the verifier.
 * What the time does not allow is left out and `minimal` is false. Every time the conflict shrinks it is
 * posted through `progress`, so the caller has the latest one even if the worker is stopped.
 */
type Feasibility = 'fits' | 'conflict' | 'unknown';

/** A resource whose total demand in the model is over the total capacity of every node: a proof without a solver. */
function overDemanded(model: AssignmentModel): number {
  return model.resources.findIndex((r) => {
    if (r.perNode) return false;
    let demand = 0n;
    let capacity = 0n;
    for (const d of r.demand) demand += d;
    for (const c of r.capacity) capacity += c;
    return demand > capacity;
  });
}

/** Whether the sub-model has a plan: a proof either way, or unknown when neither came by the deadline. */
function feasibility(model: AssignmentModel, deadline: number): Feasibility {
  const m = model.items.length;
  if (m === 0) return 'fits';
  if (overDemanded(model) >= 0) return 'conflict';
  for (let j = 0; j < m; j++)
    if (!model.nodes.some((_, i) => !isBlocked(model, i, j) && fitsEmpty(model, i, j))) return 'conflict';
  const greedy = greedyPlan(model);
  if (verifyPlan(model, greedy, true).valid) return 'fits';
  const quick = heuristicPlan(model, greedy, Math.min(deadline, Date.now() + 20));
  if (quick && verifyPlan(model, quick, true).valid) return 'fits';
  const left = deadline - Date.now();
  if (left < 5) return 'unknown';
  const ip = formulate(model);
  if (ip.unplaceable.length > 0) return 'conflict';
  const r = BACKENDS[engineFor('subprogram')].solve({ model, ip, timeLimitMs: left, mipGap: 0 });
  if (r.status === 'infeasible') return 'conflict';
  if (r.assignment && verifyPlan(model, r.assignment, true).valid) return 'fits';
  return 'unknown';
}

/** The first conflict, proven without a solver where it can be (see the file comment), and how. */
function firstConflict(model: AssignmentModel): { items: number[]; by: 'alone' | 'demand' | 'all' } {
  const m = model.items.length;
  const alone = model.items.findIndex(
    (_, j) => !model.nodes.some((_, i) => !isBlocked(model, i, j) && fitsEmpty(model, i, j)),
  );
  if (alone >= 0) return { items: [alone], by: 'alone' };
  const k = overDemanded(model);
  if (k < 0) return { items: Array.from({ length: m }, (_, j) => j), by: 'all' };
  const r = model.resources[k]!;
  let capacity = 0n;
  for (const c of r.capacity) capacity += c;
  const order = Array.from({ length: m }, (_, j) => j).sort((a, b) =>
    r.demand[b]! > r.demand[a]! ? 1 : r.demand[b]! < r.demand[a]! ? -1 : a - b,
  );
  const prefix: number[] = [];
  let total = 0n;
  for (const j of order) {
    prefix.push(j);
    total += r.demand[j]!;
    if (total > capacity) break;
  }
  return { items: prefix.sort((a, b) => a - b), by: 'demand' };
}

type Check = (items: readonly number[], share: number) => Feasibility;

/**
 * Drops chunks (halving down to single containers) while the rest is still proven infeasible; false when time ran out
 * or a check was undecided.
 */
function deletionFilter(
  start: readonly number[],
  check: Check,
  deadline: number,
  progress: (keep: readonly number[]) => void,
): { keep: number[]; decided: boolean } {
  let keep = [...start];
  let decided = true;
  for (
    let chunk = Math.max(1, Math.floor(keep.length / 2));
    keep.length > 1;
    chunk = Math.max(1, Math.floor(chunk / 2))
  ) {
    for (let at = 0; at < keep.length && keep.length > 1;) {
      const without = [...keep.slice(0, at), ...keep.slice(at + chunk)];
      const f = without.length === 0 ? 'fits' : check(without, 4 + Math.ceil(keep.length / chunk));
      if (f === 'conflict') {
        keep = without;
        progress(keep);
      } else {
        if (f === 'unknown') decided = false;
        at += chunk;
      }
      if (Date.now() >= deadline) return { keep, decided: false };
    }
    if (chunk === 1) break;
  }
  return { keep, decided };
}

/**
 * Whether every set one smaller than `keep` fits (checked once per kind of container: alike ones give the same set).
 */
function oneSmallerFit(model: AssignmentModel, keep: readonly number[], check: Check): Feasibility {
  const kinds = new ContainerKinds(restrictItems(model, keep, true));
  const tried = new Map<string, Feasibility>();
  for (let t = 0; t < keep.length; t++) {
    const kind = kinds.of(t);
    let f = tried.get(kind);
    if (f === undefined)
      tried.set(
        kind,
        (f = check(
          keep.filter((_, u) => u !== t),
          4 + keep.length - t,
        )),
      );
    if (f !== 'fits') return f;
  }
  return 'fits';
}

export function findConflict(
  model: AssignmentModel,
  deadline: number,
  progress: (containers: readonly number[]) => void = () => undefined,
): Explanation {
  const first = firstConflict(model);
  let keep = first.items;
  progress(keep);
  const check: Check = (items, share) => {
    const left = deadline - Date.now();
    if (left < 10) return 'unknown';
    return feasibility(restrictItems(model, items, true), Date.now() + Math.max(5, left / Math.max(1, share)));
  };
  // A total-demand conflict is usually irreducible already (dropping any one brings the demand under
  // the capacity): check that first, and filter only if some one-smaller set is still infeasible.
  let verdict: Feasibility = first.by === 'demand' ? oneSmallerFit(model, keep, check) : 'conflict';
  if (verdict === 'conflict') {
    const filtered = deletionFilter(keep, check, deadline, progress);
    keep = filtered.keep;
    verdict = filtered.decided ? oneSmallerFit(model, keep, check) : 'unknown';
  }
  const minimal = verdict === 'fits' && Date.now() < deadline;
  const core = restrictItems(model, keep, true);
  const causes = relaxations(core, (relaxed, share) =>
    deadline - Date.now() < 10 ? 'unknown' : feasibility(relaxed, Date.now() + (deadline - Date.now()) / share),
  );
  return describe(model, keep, causes, minimal);
}

/** The resources and rules whose relaxation alone makes the conflict fit. */
function relaxations(core: AssignmentModel, check: (relaxed: AssignmentModel, share: number) => Feasibility): string[] {
  const causes: string[] = [];
  for (let k = 0; k < core.resources.length; k++) {
    const relaxed = { ...core, resources: core.resources.filter((_, x) => x !== k) };
    if (check(relaxed, core.resources.length + 2) === 'fits') causes.push(core.resources[k]!.name);
  }
  if (core.rules) {
    const r = core.rules;
    for (let g = 0; g < r.groups.length; g++) {
      const relaxed = { ...core, rules: { ...r, groups: r.groups.filter((_, x) => x !== g) } };
      if (check(relaxed, r.groups.length + 2) === 'fits') causes.push(r.groups[g]!.name);
    }
    if (hasBlocks(r.blocked) && check({ ...core, rules: { ...r, blocked: withoutBlocks(r.blocked) } }, 2) === 'fits') {
      causes.push('node eligibility (taints, selectors, affinity, cordons)');
    }
  }
  return causes;
}
