import { demandUnits, type AssignmentModel, type GroupRule, senseSign } from '../models/model.js';
import { denseBlocks, denseCosts } from '../models/pairs.js';
import { itemsOf } from '../models/rules/registry.js';
import { ruleViolations } from './verify.js';

/**
 * The cost-aware fallback heuristic: a regret construction followed by local search (shift and swap
 * moves) within a deadline. Unlike the seed greedy (kept unchanged as the comparison baseline) it reads
 * the costs. Resource amounts are handled as integer units in doubles, exact below 2^53; the plan is
 * checked by the independent verifier before use anyway.
 */
export interface Data {
  readonly n: number;
  readonly m: number;
  readonly K: number;
  /** s · c_ij at i*m+j, where s = 1 for min and -1 for max: always minimised. */
  readonly cost: Float64Array;
  readonly cap: Float64Array; // k*n + i
  readonly dem: Float64Array; // k*n*m + i*m + j
  /** Pairs a rule forbids (i*m+j non-zero), or null. */
  readonly blocked: Uint8Array | null;
  /** Whether the group rules that involve these items hold for the plan (null: no group rules). */
  readonly rulesHold: ((plan: Int32Array, items: readonly number[]) => boolean) | null;
  /** Penalty of leaving each item out (s-signed), or null when every item must be placed. */
  readonly penalty: Float64Array | null;
}

export function data(model: AssignmentModel): Data {
  const n = model.nodes.length;
  const m = model.items.length;
  const K = model.resources.length;
  const s = senseSign(model.sense);
  const cap = new Float64Array(K * n);
  const dem = new Float64Array(K * n * m);
  model.resources.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      cap[k * n + i] = Number(r.capacity[i] ?? 0n);
      for (let j = 0; j < m; j++) dem[k * n * m + i * m + j] = Number(demandUnits(r, i, j, m));
    }
  });
  const rules = model.rules;
  let rulesHold: Data['rulesHold'] = null;
  if (rules && rules.groups.length > 0) {
    const byItem: GroupRule[][] = Array.from({ length: m }, () => []);
    for (const r of rules.groups) for (const j of itemsOf(r)) byItem[j]!.push(r);
    rulesHold = (plan, items) =>
      [...new Set(items.flatMap((j) => byItem[j]!))].every((r) => ruleViolations(model, r, plan).length === 0);
  }
  const penalty = rules?.unplacedPenalty ? Float64Array.from(rules.unplacedPenalty, (p) => s * p) : null;
  return {
    n,
    m,
    K,
    cost: denseCosts(model.cost, n, m, s),
    cap,
    dem,
    blocked: rules ? denseBlocks(rules.blocked, n, m) : null,
    rulesHold,
    penalty,
  };
}

function fits(d: Data, rem: Float64Array, i: number, j: number): boolean {
  if (d.blocked && d.blocked[i * d.m + j] !== 0) return false;
  for (let k = 0; k < d.K; k++) if (d.dem[k * d.n * d.m + i * d.m + j]! > rem[k * d.n + i]!) return false;
  return true;
}

function move(d: Data, rem: Float64Array, i: number, j: number, sign: 1 | -1): void {
  for (let k = 0; k < d.K; k++) rem[k * d.n + i]! -= sign * d.dem[k * d.n * d.m + i * d.m + j]!;
}

/** Regret construction: place next the container that loses most if its best node is taken. Null if it gets stuck. */
function regret(d: Data): Int32Array | null {
  const { n, m } = d;
  const rem = d.cap.slice();
  const plan = new Int32Array(m).fill(-1);
  const b1 = new Int32Array(m);
  const b2 = new Int32Array(m);
  const v1 = new Float64Array(m);
  const v2 = new Float64Array(m);
  const compute = (j: number): void => {
    let i1 = -1;
    let i2 = -1;
    let c1 = Infinity;
    let c2 = Infinity;
    for (let i = 0; i < n; i++) {
      if (!fits(d, rem, i, j)) continue;
      const c = d.cost[i * m + j]!;
      if (c < c1) {
        i2 = i1;
        c2 = c1;
        i1 = i;
        c1 = c;
      } else if (c < c2) {
        i2 = i;
        c2 = c;
      }
    }
    b1[j] = i1;
    b2[j] = i2;
    v1[j] = c1;
    v2[j] = c2;
  };
  for (let j = 0; j < m; j++) compute(j);
  const open = new Set<number>(Array.from({ length: m }, (_, j) => j));
  while (open.size > 0) {
    let pick = -1;
    let best = -Infinity;
    for (const j of open) {
      if (b1[j]! < 0) return null;
      const r = v2[j]! - v1[j]!;
      if (r > best) {
        best = r;
        pick = j;
      }
    }
    const i = b1[pick]!;
    plan[pick] = i;
    move(d, rem, i, pick, 1);
    open.delete(pick);
    for (const j of open) if (b1[j] === i || b2[j] === i) compute(j);
  }
  return plan;
}

/** First-improvement local search with shift and swap moves until no move improves or the deadline passes. */
function localSearch(d: Data, plan: Int32Array, deadline: number): void {
  const { n, m } = d;
  const rem = d.cap.slice();
  for (let j = 0; j < m; j++) if (plan[j]! >= 0) move(d, rem, plan[j]!, j, 1);
  const c = (i: number, j: number): number => d.cost[i * m + j]!;
  const hold = d.rulesHold;
  let improved = true;
  while (improved && Date.now() < deadline) {
    improved = false;
    for (let j = 0; j < m; j++) {
      const a = plan[j]!;
      if (a < 0) continue;
      for (let i = 0; i < n; i++) {
        if (i === a || c(i, j) >= c(a, j) || !fits(d, rem, i, j)) continue;
        plan[j] = i;
        if (hold && !hold(plan, [j])) {
          plan[j] = a;
          continue;
        }
        move(d, rem, a, j, -1);
        move(d, rem, i, j, 1);
        improved = true;
        break;
      }
    }
    for (let j1 = 0; j1 < m && Date.now() < deadline; j1++) {
      for (let j2 = j1 + 1; j2 < m; j2++) {
        const a = plan[j1]!;
        const b = plan[j2]!;
        if (a < 0 || b < 0 || a === b || c(b, j1) + c(a, j2) >= c(a, j1) + c(b, j2)) continue;
        move(d, rem, a, j1, -1);
        move(d, rem, b, j2, -1);
        let ok = fits(d, rem, b, j1) && fits(d, rem, a, j2);
        if (ok && hold) {
          plan[j1] = b;
          plan[j2] = a;
          ok = hold(plan, [j1, j2]);
          plan[j1] = a;
          plan[j2] = b;
        }
        if (ok) {
          move(d, rem, b, j1, 1);
          move(d, rem, a, j2, 1);
          plan[j1] = b;
          plan[j2] = a;
          improved = true;
        } else {
          move(d, rem, a, j1, 1);
          move(d, rem, b, j2, 1);
        }
      }
    }
  }
}

/** A plan's objective in the minimisation sense (a container left out costs its penalty), capacity aside. */
export function objective(d: Data, plan: Int32Array): number {
  let z = 0;
  for (let j = 0; j < d.m; j++) z += plan[j]! < 0 ? (d.penalty?.[j] ?? Infinity) : d.cost[plan[j]! * d.m + j]!;
  return z;
}

/**
 * The best complete plan found from the regret construction and from `start` (e.g. the greedy plan, if
 * complete), each improved by local search until `deadline` (epoch ms). Null if neither is complete.
 */
export function heuristicPlan(model: AssignmentModel, start: Int32Array | null, deadline: number): Int32Array | null {
  // It improves the cost only: under balance or pack weights the solvers and the greedy answer.
  if (model.objective && (model.objective.balance > 0 || model.objective.pack > 0)) return null;
  const d = data(model);
  // The regret construction knows blocked pairs but not the group rules: with those, only the start is improved.
  const usableStart = start && (d.penalty !== null || !start.includes(-1)) ? start.slice() : null;
  const candidates = [d.rulesHold ? null : regret(d), usableStart].filter((p): p is Int32Array => p !== null);
  let best: Int32Array | null = null;
  for (const plan of candidates) {
    localSearch(d, plan, deadline);
    if (!best || objective(d, plan) < objective(d, best)) best = plan;
  }
  return best;
}
