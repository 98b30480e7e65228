import { buySnapshot, fitSnapshot, QuestionSchema, whatIfSnapshot, type FitQuestion, type Question } from '../models/capacity.js';
import type { AssignmentModel, GroupRule } from '../models/model.js';
import { resolveOptions, type SolveOptions } from '../models/options.js';
import { SnapshotSchema, snapshotToModel } from '../models/snapshot.js';
import { formatPath, plainSnapshotBody, sizeIssues, optionIssues, type InputIssue, type ProblemLimits } from '../models/validate.js';
import { greedyPlan } from '../solver/greedy.js';
import type { SolverPool } from '../solver/pool.js';
import { solveModel, type SolveOutcome } from '../solver/solve.js';
import { ApiError } from './errors.js';
import { outcomeJson, planJson } from './response.js';

/**
 * POST /v1/capacity and `placement capacity`: a snapshot (plain or Kubernetes) with one `question`
 * (models/capacity.ts). Each question becomes one or more exact solves of a transformed snapshot; the
 * time limit is shared among them, so the whole answer keeps it. Every plan in the answer is verified.
 */
type Json = Record<string, unknown>;

function invalid(issues: readonly InputIssue[]): ApiError {
  return new ApiError('invalid_input', `invalid input: ${issues[0]?.path}: ${issues[0]?.message}`, issues);
}

function zodIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, prefix: PropertyKey[]): InputIssue[] {
  return error.issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}

/** Validates a (transformed) snapshot into a model; issues keep their paths. */
function modelOf(snapshot: Json, limits: ProblemLimits): { model: AssignmentModel; options: SolveOptions } {
  const parsed = SnapshotSchema.safeParse(snapshot);
  if (!parsed.success) throw invalid(zodIssues(parsed.error, []));
  const model = snapshotToModel(parsed.data);
  const options = resolveOptions(parsed.data.options);
  const bad = optionIssues(options, limits);
  if (bad.length > 0) throw invalid(bad);
  const tooLarge = sizeIssues(model, limits);
  if (tooLarge.length > 0) throw new ApiError('problem_too_large', `problem too large: ${tooLarge[0]?.message}`, tooLarge);
  return { model, options };
}

export interface CapacityContext {
  readonly pool: SolverPool;
  readonly limits: ProblemLimits;
}

export async function answerCapacity(body: unknown, ctx: CapacityContext): Promise<Json> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ path: '(body)', message: 'must be a JSON object' }]);
  const { question: rawQuestion, ...rest } = body as Json;
  if (rawQuestion === undefined) throw invalid([{ path: 'question', message: 'required: one of {fit}, {buy}, {whatIf}, {moveBudget}' }]);
  const q = QuestionSchema.safeParse(rawQuestion);
  if (!q.success) throw invalid(zodIssues(q.error, ['question']));
  const plain = plainSnapshotBody(rest);
  if (!plain.ok) throw invalid(plain.issues);
  const question: Question = q.data;
  // The snapshot as given must be valid, except that a purchase may start from no nodes at all.
  const base = 'buy' in question ? modelOf(buySnapshot(plain.snapshot, question.buy), ctx.limits) : modelOf(plain.snapshot, ctx.limits);
  const started = Date.now();
  const deadline = started + base.options.timeLimitMs;
  let answer: Json;
  if ('fit' in question) answer = await fit(plain.snapshot, question.fit, base, deadline, ctx);
  else if ('buy' in question) answer = await buy(plain.snapshot, question.buy, base, deadline, ctx);
  else if ('whatIf' in question) answer = await whatIf(plain.snapshot, question.whatIf, base, deadline, ctx);
  else answer = await moveBudget(plain.snapshot, question.moveBudget.maxMoves, base, deadline, ctx);
  return { ...answer, notes: [...plain.notes, ...((answer['notes'] as string[] | undefined) ?? [])], timings: { totalMs: Date.now() - started } };
}

/** Solves with the time left until `deadline` (split evenly over `share` solves still to come). */
async function solveBy(model: AssignmentModel, options: SolveOptions, deadline: number, share: number, ctx: CapacityContext): Promise<SolveOutcome> {
  const timeLimitMs = Math.max(1, Math.floor((deadline - Date.now()) / share));
  return solveModel(model, { ...options, timeLimitMs }, ctx.pool);
}

/** Container name → node name for every container the plan places. */
function placementOf(model: AssignmentModel, plan: ArrayLike<number>): Map<string, string> {
  return new Map(model.items.flatMap((c, j) => (plan[j]! >= 0 ? [[c, model.nodes[plan[j]!]!] as [string, string]] : [])));
}

/** Where each container runs now: its `current`, else (nothing runs yet) the optimal plan of the snapshot. */
async function currentPlacement(base: { model: AssignmentModel; options: SolveOptions }, deadline: number, ctx: CapacityContext, share: number): Promise<{ map: Map<string, string>; note?: string }> {
  const m = base.model;
  const current = m.rules?.current;
  if (current && current.some((i) => i >= 0)) {
    return { map: placementOf(m, current) };
  }
  const o = await solveBy(m, base.options, deadline, share, ctx);
  return {
    map: placementOf(m, o.plan.assignment),
    note: `no container has a current node: the current placement is this service's plan for the snapshot (${o.status}, objective ${o.objective})`,
  };
}

/** The snapshot with every container pinned where `placement` puts it (cluster-capacity's starting point). */
function pinnedTo(snapshot: Json, placement: ReadonlyMap<string, string>): Json {
  const containers = ((snapshot['containers'] as Json[] | undefined) ?? []).flatMap((c) => {
    const at = placement.get(String(c['name']));
    return at === undefined ? [] : [{ ...c, current: at, pinned: true }];
  });
  return { ...snapshot, containers };
}

// ---------------------------------------------------------------- fit

async function fit(snapshot: Json, q: FitQuestion, base: { model: AssignmentModel; options: SolveOptions }, deadline: number, ctx: CapacityContext): Promise<Json> {
  const notes: string[] = [];
  // Without repacking, containers stay where they run now (current, or the greedy's plan when nothing runs yet).
  let start = snapshot;
  let placement: Map<string, string> | undefined;
  if (!q.repack) {
    const cur = base.model.rules?.current;
    if (!cur || !cur.some((i) => i >= 0)) {
      placement = placementOf(base.model, greedyPlan(base.model));
      notes.push('no container has a current node: without repacking they stay where the greedy puts them');
      start = pinnedTo(snapshot, placement);
    }
  }
  const { snapshot: fs, copies } = fitSnapshot(start, q);
  const built = modelOf(fs, ctx.limits);
  const model = withFitObjective(built.model, q, copies);

  // The greedy count, as cluster-capacity reports it: each shape alone, copies one at a time beside what runs.
  const runningNow = placement ?? placementOf(base.model, base.model.rules?.current ?? []);
  const greedyStart = q.repack ? pinnedTo(snapshot, runningNow.size > 0 ? runningNow : placementOf(base.model, greedyPlan(base.model))) : start;
  const greedyCount = (shapes: FitQuestion['shapes']): Record<string, number> => {
    const gm = modelOf(fitSnapshot(greedyStart, { ...q, shapes, repack: false }).snapshot, ctx.limits).model;
    const g = greedyPlan(gm);
    return Object.fromEntries(shapes.map((shape) => [shape.name, gm.items.filter((c, j) => c.startsWith(`${shape.name}#`) && g[j]! >= 0).length]));
  };
  const greedyAlone = Object.assign({}, ...q.shapes.map((shape) => greedyCount([shape]))) as Record<string, number>;
  const greedyTogether = greedyCount(q.shapes);

  const o = await solveBy(model, built.options, deadline, 1, ctx);
  const counts = (plan: ArrayLike<number>): Record<string, number> =>
    Object.fromEntries(q.shapes.map((shape) => [shape.name, model.items.filter((c, j) => c.startsWith(`${shape.name}#`) && plan[j]! >= 0).length]));
  const weightOf = (c: Record<string, number>): number => q.shapes.reduce((t, s) => t + (s.weight ?? 1) * (c[s.name] ?? 0), 0);
  const existing = base.model.items.length;
  const existingPlaced = Array.from(o.plan.assignment.slice(0, existing)).every((i) => i >= 0);
  const totalWeight = q.shapes.reduce((t, s, k) => t + (s.weight ?? 1) * copies[k]!, 0);
  const exact = o.objective === null ? null : counts(o.plan.assignment);
  return {
    question: 'fit',
    status: o.status,
    fits: existingPlaced,
    ...(existingPlaced ? {} : { note: 'the current containers themselves do not all fit' }),
    extra: exact,
    weighted: exact === null ? null : weightOf(exact),
    // The objective is the weight left out; a lower bound on it caps the weight that can be added.
    upperBound: o.bound === null || !existingPlaced ? null : Math.max(0, Math.min(totalWeight, totalWeight - o.bound)),
    considered: Object.fromEntries(q.shapes.map((s, k) => [s.name, copies[k]!])),
    greedy: { aloneEach: greedyAlone, together: greedyTogether, weighted: weightOf(greedyTogether) },
    repack: q.repack ?? false,
    plan: planJson(model, o.plan),
    moves: (outcomeJson(model, o)['moves'] as unknown) ?? [],
    notes: [...notes, ...o.notes],
  };
}

/**
 * Objective for "how many more fit": costs are 0; a copy left out costs its weight; a current container
 * left out costs more than all copies together, so it is left out only if it cannot be placed at all.
 */
function withFitObjective(model: AssignmentModel, q: FitQuestion, copies: readonly number[]): AssignmentModel {
  const weightOfItem = (name: string): number | undefined => {
    const k = q.shapes.findIndex((s) => name.startsWith(`${s.name}#`));
    return k < 0 ? undefined : (q.shapes[k]!.weight ?? 1);
  };
  const totalWeight = q.shapes.reduce((t, s, k) => t + (s.weight ?? 1) * copies[k]!, 0);
  const hard = 2 ** Math.ceil(Math.log2(totalWeight + 1));
  const existing = model.items.length - copies.reduce((a, b) => a + b, 0);
  const unplacedPenalty = model.items.map((name, j) => (j < existing ? hard : (weightOfItem(name) ?? hard)));
  return { ...model, cost: new Array<number>(model.cost.length).fill(0), rules: { ...model.rules!, unplacedPenalty } };
}

// ---------------------------------------------------------------- buy

async function buy(snapshot: Json, q: Parameters<typeof buySnapshot>[1], built: { model: AssignmentModel; options: SolveOptions }, deadline: number, ctx: CapacityContext): Promise<Json> {
  const { model, options } = built;
  const o = await solveBy(model, options, deadline, 1, ctx);
  const keptCount = q.keepExisting === false ? 0 : ((snapshot['nodes'] as unknown[] | undefined) ?? []).length;
  const used = new Set(Array.from(o.plan.assignment).filter((i) => i >= keptCount));
  const byType: Record<string, number> = {};
  let price = 0;
  let k = keptCount;
  for (const t of q.catalogue) {
    for (let c = 0; c < t.max; c++, k++) {
      if (!used.has(k)) continue;
      byType[t.type] = (byType[t.type] ?? 0) + 1;
      price += t.price;
    }
  }
  const feasible = o.objective !== null;
  return {
    question: 'buy',
    status: o.status,
    buy: feasible ? byType : null,
    nodes: feasible ? [...used].sort((a, b) => a - b).map((i) => model.nodes[i]) : null,
    price: feasible ? price : null,
    bound: o.bound,
    gap: o.gap,
    plan: planJson(model, o.plan),
    ...(o.reasons.length > 0 ? { reasons: o.reasons } : {}),
    notes: o.notes,
  };
}

// ---------------------------------------------------------------- what if

async function whatIf(snapshot: Json, q: Parameters<typeof whatIfSnapshot>[1], base: { model: AssignmentModel; options: SolveOptions }, deadline: number, ctx: CapacityContext): Promise<Json> {
  const names = new Set(base.model.nodes);
  const unknown = (q.remove ?? []).flatMap((n, k) => (names.has(n) ? [] : [{ path: `question.whatIf.remove[${k}]`, message: `unknown node "${n}"` }]));
  if (unknown.length > 0) throw invalid(unknown);
  const hasCurrent = base.model.rules?.current.some((i) => i >= 0) ?? false;
  const now = await currentPlacement(base, deadline, ctx, 2);
  const { model, options } = modelOf(whatIfSnapshot(snapshot, q, now.map), ctx.limits);
  const o = await solveBy(model, options, deadline, 1, ctx);
  const moves = model.items.flatMap((c, j) => {
    const from = now.map.get(c);
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
    plan: planJson(model, o.plan),
    notes: [...(hasCurrent ? [] : now.note ? [now.note] : []), ...o.notes],
  };
}

// ---------------------------------------------------------------- move budget

async function moveBudget(snapshot: Json, maxMoves: number, base: { model: AssignmentModel; options: SolveOptions }, deadline: number, ctx: CapacityContext): Promise<Json> {
  const hasCurrent = base.model.rules?.current.some((i) => i >= 0) ?? false;
  if (!hasCurrent) throw invalid([{ path: 'question.moveBudget', message: 'needs a current placement: give containers a `current` node (bound pods in Kubernetes input)' }]);
  // Moves are limited by k, not priced: the curve shows the cost the moves buy.
  const containers = ((snapshot['containers'] as Json[] | undefined) ?? []).map((c) => {
    const { moveCost: _m, pinned: _p, ...rest } = c;
    void _m;
    void _p;
    return rest;
  });
  const free = { ...snapshot, containers, options: { ...((snapshot['options'] as Json | undefined) ?? {}), moveCost: 0 } };
  const { model: m0, options } = modelOf(free, ctx.limits);
  const movers = m0.items.flatMap((_, j) => (m0.rules!.current[j]! >= 0 ? [j] : []));
  const curve: Json[] = [];
  let last: { model: AssignmentModel; o: SolveOutcome } | undefined;
  for (let k = 0; k <= maxMoves; k++) {
    const limit: GroupRule = { kind: 'moveLimit', name: `at most ${k} moves`, items: movers, limit: k };
    const model: AssignmentModel = { ...m0, rules: { ...m0.rules!, groups: [...m0.rules!.groups, limit] } };
    const o = await solveBy(model, options, deadline, maxMoves - k + 1, ctx);
    const moved = movers.filter((j) => o.plan.assignment[j]! >= 0 && o.plan.assignment[j] !== m0.rules!.current[j]);
    curve.push({ maxMoves: k, status: o.status, objective: o.objective, bound: o.bound, moves: o.objective === null ? null : moved.length, moved: o.objective === null ? null : moved.map((j) => m0.items[j]) });
    last = { model, o };
  }
  return {
    question: 'moveBudget',
    curve,
    plan: last ? planJson(last.model, last.o.plan) : null,
    notes: [],
  };
}
