import type { AssignmentModel } from '../models/model.js';
import { moveLimitRule } from '../models/rules/moveLimit.js';
import { placedCopies } from '../models/capacity.js';
import type { SolveOutcome } from '../solver/solve.js';
import { outcomeJson, planJson } from './answer.js';
import type { CapacityPrepared } from './capacity-prepare.js';
import type { Planner } from './planner.js';
import type { Built } from './accept.js';
import type { PrepareRequest } from './prepare.js';
import { namedPlacement } from '../models/plan.js';
import type { CapacityAnswer } from './schemas.js';
import { changesJson } from './changes.js';
import { removalOrder } from '../solver/consolidate.js';

/**
 * The second stage of a capacity question: its solves, sharing the time limit (each gets the time left
 * split over the solves still to come), and the answer. Every plan in it is verified.
 */

/** A question's answer before the use case adds its timings. */
type Answered<Q extends CapacityAnswer['question']> = Omit<Extract<CapacityAnswer, { question: Q }>, 'timings'>;

/** Solves with the time left until `deadline`, split evenly over `share` solves still to come. */
function solveBy(planner: Planner, built: Built, deadline: number, share: number): Promise<SolveOutcome> {
  const now = Date.now();
  return planner.solve(built, now + Math.max(1, Math.floor((deadline - now) / share)));
}

/** The time limit a capacity question counts (its snapshot's options). */
export function capacityTimeLimitMs(prep: CapacityPrepared): number {
  return (prep.question === 'buy' ? prep.built : prep.base).options.timeLimitMs;
}

export async function answerCapacity(
  prep: CapacityPrepared,
  planner: Planner,
  deadline: number,
  body: PrepareRequest['body'],
): Promise<Omit<CapacityAnswer, 'timings'>> {
  let answer: Omit<CapacityAnswer, 'timings'>;
  switch (prep.question) {
    case 'fit':
      answer = await fit(prep, planner, deadline);
      break;
    case 'buy':
      answer = await buy(prep, planner, deadline);
      break;
    case 'whatIf':
      answer = await whatIf(prep, planner, deadline, body);
      break;
    case 'moveBudget':
      answer = await moveBudget(prep, planner, deadline);
      break;
    case 'consolidate':
      answer = await consolidate(prep, planner, deadline);
      break;
  }
  return { ...answer, notes: [...prep.notes, ...answer.notes] };
}

async function fit(
  prep: CapacityPrepared & { question: 'fit' },
  planner: Planner,
  deadline: number,
): Promise<Answered<'fit'>> {
  const { q, base, copies, moveScale, movers } = prep;
  const model = prep.fit.model;
  const o = await solveBy(planner, prep.fit, deadline, 1);
  const counts = (plan: ArrayLike<number>): Record<string, number> =>
    placedCopies(plan, base.model.items.length, q, copies);
  const weightOf = (c: Record<string, number>): number =>
    q.shapes.reduce((t, s) => t + (s.weight ?? 1) * (c[s.name] ?? 0), 0);
  const existing = base.model.items.length;
  const existingPlaced = Array.from(o.plan.assignment.slice(0, existing)).every((i) => i >= 0);
  const totalWeight = q.shapes.reduce((t, s, k) => t + (s.weight ?? 1) * copies[k]!, 0);
  const exact = o.objective === null ? null : counts(o.plan.assignment);
  // The objective is moves + moveScale × the weight left out (moves < moveScale): a lower bound on it caps the weight
  // added.
  const leftOutAtLeast = o.bound === null ? null : (o.bound - movers) / moveScale;
  return {
    question: 'fit',
    status: o.status,
    fits: existingPlaced,
    ...(existingPlaced ? {} : { note: 'the current containers themselves do not all fit' }),
    extra: exact,
    weighted: exact === null ? null : weightOf(exact),
    upperBound:
      leftOutAtLeast === null || !existingPlaced
        ? null
        : Math.max(0, Math.min(totalWeight, totalWeight - leftOutAtLeast)),
    considered: Object.fromEntries(q.shapes.map((s, k) => [s.name, copies[k]!])),
    greedy: { aloneEach: prep.greedyAlone, together: prep.greedyTogether, weighted: weightOf(prep.greedyTogether) },
    repack: q.repack ?? false,
    plan: planJson(model, o.plan, prep.fit.options.assignments),
    moves: outcomeJson(model, o).moves ?? [],
    notes: o.notes,
  };
}

async function buy(
  prep: CapacityPrepared & { question: 'buy' },
  planner: Planner,
  deadline: number,
): Promise<Answered<'buy'>> {
  const { q, keptCount } = prep;
  const model = prep.built.model;
  const o = await solveBy(planner, prep.built, deadline, 1);
  const used = new Set(Array.from(o.plan.assignment).filter((i) => i >= keptCount));
  // A Map: a type may be named as one of Object.prototype's keys ("constructor").
  const byType = new Map<string, number>();
  let price = 0;
  let k = keptCount;
  for (const t of q.catalogue) {
    for (let c = 0; c < t.max; c++, k++) {
      if (!used.has(k)) continue;
      byType.set(t.type, (byType.get(t.type) ?? 0) + 1);
      price += t.price;
    }
  }
  const feasible = o.objective !== null;
  return {
    question: 'buy',
    status: o.status,
    buy: feasible ? Object.fromEntries(byType) : null,
    nodes: feasible ? [...used].sort((a, b) => a - b).map((i) => model.nodes[i]!) : null,
    price: feasible ? price : null,
    bound: o.bound,
    gap: o.gap,
    plan: planJson(model, o.plan, prep.built.options.assignments),
    ...(o.reasons.length > 0 ? { reasons: o.reasons } : {}),
    notes: o.notes,
  };
}

async function whatIf(
  prep: CapacityPrepared & { question: 'whatIf' },
  planner: Planner,
  deadline: number,
  body: PrepareRequest['body'],
): Promise<Answered<'whatIf'>> {
  const notes: string[] = [];
  let next = prep.next;
  if (!next) {
    // Nothing runs yet: the current placement is this service's plan for the snapshot.
    const o = await solveBy(planner, prep.base, deadline, 2);
    const now = [...namedPlacement(prep.base.model, o.plan.assignment)];
    notes.push(
      `no container has a current node: the current placement is this ` +
        `service's plan for the snapshot (${o.status}, objective ${o.objective})`,
    );
    next = { built: await planner.prepareWhatIf(body, now), now };
  }
  const now = new Map(next.now);
  const model = next.built.model;
  const o = await solveBy(planner, next.built, deadline, 1);
  const moves = model.items.flatMap((c, j) => {
    const from = now.get(c);
    const i = o.plan.assignment[j]!;
    const to = i < 0 ? null : model.nodes[i]!;
    return from !== undefined && from !== to ? [{ container: c, from, to }] : [];
  });
  const unplaced = model.items.filter((_, j) => o.plan.assignment[j]! < 0);
  return {
    question: 'whatIf',
    status: o.status,
    fits: o.objective !== null && unplaced.length === 0,
    moves,
    moveCount: moves.filter((m) => m.to !== null).length,
    objective: o.objective,
    bound: o.bound,
    unplaced,
    ...(o.reasons.length > 0 ? { reasons: o.reasons } : {}),
    plan: planJson(model, o.plan, next.built.options.assignments),
    notes: [...notes, ...o.notes],
  };
}

async function moveBudget(
  prep: CapacityPrepared & { question: 'moveBudget' },
  planner: Planner,
  deadline: number,
): Promise<Answered<'moveBudget'>> {
  const m0 = prep.free.model;
  const movers = m0.items.flatMap((_, j) => (m0.rules!.current[j]! >= 0 ? [j] : []));
  const curve: Answered<'moveBudget'>['curve'][number][] = [];
  let last: { model: AssignmentModel; o: SolveOutcome } | undefined;
  for (let k = 0; k <= prep.maxMoves; k++) {
    const limit = moveLimitRule(`at most ${k} moves`, movers, k);
    const model: AssignmentModel = { ...m0, rules: { ...m0.rules!, groups: [...m0.rules!.groups, limit] } };
    // The variant's greedy differs (it keeps the move limit too): the solver thread computes it.
    const { greedy: _greedy, greedyChecked: _checked, ...rest } = prep.free;
    const o = await solveBy(planner, { ...rest, model }, deadline, prep.maxMoves - k + 1);
    const moved = movers.filter((j) => o.plan.assignment[j]! >= 0 && o.plan.assignment[j] !== m0.rules!.current[j]);
    curve.push({
      maxMoves: k,
      status: o.status,
      objective: o.objective,
      bound: o.bound,
      moves: o.objective === null ? null : moved.length,
      moved: o.objective === null ? null : moved.map((j) => m0.items[j]!),
    });
    last = { model, o };
  }
  return {
    question: 'moveBudget',
    curve,
    plan: last ? planJson(last.model, last.o.plan, prep.free.options.assignments) : null,
    notes: [],
  };
}

async function consolidate(
  prep: CapacityPrepared & { question: 'consolidate' },
  planner: Planner,
  deadline: number,
): Promise<Answered<'consolidate'>> {
  const { model } = prep.base;
  const prices = prep.snapshot.nodes.map((n) => n.price ?? 1);
  const { candidates, maxRemoved, first } = prep;
  const task = { model, prices, candidates, maxRemoved, first, deadline };
  const points = await planner.consolidate(task);
  if (!points) return { question: 'consolidate', frontier: [], notes: ['no solver thread answered within the limit'] };
  const start = model.rules!.current;
  const total = prices.reduce((t, p) => t + p, 0);
  const frontier = points.map((p) => ({
    removed: p.removed.length,
    nodes: p.removed.map((i) => model.nodes[i]!),
    status: p.status,
    saved: p.saved,
    price: total - p.saved,
    moves: p.plan ? p.plan.reduce((t, i, j) => t + (start[j]! >= 0 && i !== start[j] ? 1 : 0), 0) : null,
    waves: p.changes && p.changes.status !== 'blocked' ? p.changes.waves.length : null,
    ...(p.unplaced ? { unplaced: p.unplaced.map((j) => model.items[j]!) } : {}),
    ...(p.changes ? { changes: changesJson(model, start, p.changes) } : {}),
  }));
  const removable = removalOrder(model, prices, start, prep.candidates, first).length;
  const kept = prep.candidates.length - removable;
  const notes =
    kept > 0
      ? [
          `${kept} of the ${prep.candidates.length} candidate nodes cannot be emptied: they run a pinned container, ` +
            'or one that a budget allowing no disruption (or two budgets) selects',
        ]
      : [];
  return { question: 'consolidate', frontier, notes };
}
