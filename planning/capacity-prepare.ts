import {
  buySnapshot,
  fitCopies,
  fitSnapshot,
  placedCopies,
  QuestionSchema,
  whatIfSnapshot,
  type BuyQuestion,
  type ConsolidateQuestion,
  type FitQuestion,
  type Question,
  type WhatIfQuestion,
} from '../models/capacity.js';
import { countIssues, snapshotCounts } from '../models/counts.js';
import type { AssignmentModel } from '../models/model.js';
import {
  SnapshotSchema,
  SnapshotWithoutNodesSchema,
  type ContainerInput,
  type SnapshotInput,
} from '../models/snapshot.js';
import { issuesOf, plainSnapshotBody, validateSnapshot, type ProblemLimits } from '../models/validate.js';
import { greedyPlan } from '../solver/greedy.js';
import { objectivePrecision, precisionIssues } from '../models/precision.js';
import { invalid, tooLarge } from './errors.js';
import { accept, type Seeded } from './accept.js';
import { namedPlacement } from '../models/plan.js';
import { uniformTable } from '../models/pairs.js';

/**
 * The first stage of a capacity question (POST /v1/capacity, placement capacity): the snapshot (plain or
 * Kubernetes) and its `question` → the models its solves need, each counted against the limits before it
 * is built (a question's transformation can multiply the problem: copies of shapes, catalogue nodes).
 * The solves and the answer are in capacity.ts.
 */

export type CapacityPrepared =
  | {
      readonly question: 'fit';
      readonly notes: readonly string[];
      readonly q: FitQuestion;
      readonly base: Seeded;
      readonly fit: Seeded;
      readonly copies: readonly number[];
      /** Each copy left out costs its weight × moveScale, each move 1 (fewer than moveScale moves in all). */
      readonly moveScale: number;
      readonly movers: number;
      readonly greedyAlone: Record<string, number>;
      readonly greedyTogether: Record<string, number>;
    }
  | {
      readonly question: 'buy';
      readonly notes: readonly string[];
      readonly q: BuyQuestion;
      readonly built: Seeded;
      readonly keptCount: number;
    }
  | {
      readonly question: 'whatIf';
      readonly notes: readonly string[];
      readonly q: WhatIfQuestion;
      readonly base: Seeded;
      readonly next?: { readonly built: Seeded; readonly now: readonly (readonly [string, string])[] };
    }
  | {
      readonly question: 'moveBudget';
      readonly notes: readonly string[];
      readonly maxMoves: number;
      readonly base: Seeded;
      readonly free: Seeded;
    }
  | {
      readonly question: 'consolidate';
      readonly notes: readonly string[];
      readonly maxRemoved: number;
      readonly base: Seeded;
      readonly snapshot: SnapshotInput;
      readonly candidates: readonly number[];
      readonly first: 'moves' | 'price';
    };

/** Validates a (transformed) snapshot into a model: counted first, then checked, issues at their paths. */
function modelOf(snapshot: SnapshotInput, limits: ProblemLimits): Seeded {
  const tooMany = countIssues(snapshotCounts(snapshot), limits, 'snapshot');
  if (tooMany.length > 0) throw tooLarge(tooMany);
  return accept(validateSnapshot(snapshot), limits);
}

/**
 * The question and the plain snapshot beside it (Kubernetes documents converted), or the issues that say
 * what is wrong with them. The snapshot is checked by its schema here only for a purchase (which may
 * start from no nodes); every other question validates it as its base model before transforming it.
 */
function split(body: unknown): { question: Question; raw: unknown; notes: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid([{ path: '(body)', message: 'must be a JSON object' }]);
  const { question: rawQuestion, ...rest } = body as Record<string, unknown>;
  if (rawQuestion === undefined)
    throw invalid([
      { path: 'question', message: 'required: one of {fit}, {buy}, {whatIf}, {moveBudget}, {consolidate}' },
    ]);
  const q = QuestionSchema.safeParse(rawQuestion);
  if (!q.success) throw invalid(issuesOf(q.error, ['question']));
  const plain = plainSnapshotBody(rest);
  if (!plain.ok) throw invalid(plain.issues);
  // Temporary nodes stand in for a plan's change; a capacity question's nodes are the question's own.
  const options = (plain.snapshot as { options?: { temporaryNodes?: unknown } } | undefined)?.options;
  if (options?.temporaryNodes !== undefined)
    throw invalid([
      {
        path: 'options.temporaryNodes',
        message: 'temporary nodes are for the change plans of plan and evaluate, not for capacity questions',
      },
    ]);
  return { question: q.data, raw: plain.snapshot, notes: plain.notes };
}

/**
 * The plain snapshot as the schema's input type, once the schema accepts it (a purchase's may have no
 * nodes). Typed only after that check, so no transformation ever sees an unchecked body.
 */
function checkedSnapshot(raw: unknown, withoutNodes = false): SnapshotInput {
  const checked = (withoutNodes ? SnapshotWithoutNodesSchema : SnapshotSchema).safeParse(raw);
  if (!checked.success) throw invalid(issuesOf(checked.error));
  return raw as SnapshotInput;
}

/** The snapshot as given, validated as the base model of the question (the schema and every limit). */
function baseOf(raw: unknown, limits: ProblemLimits): { snapshot: SnapshotInput; base: Seeded } {
  const base = accept(validateSnapshot(raw), limits);
  // validateSnapshot parsed it with SnapshotSchema: it is a SnapshotInput.
  return { snapshot: raw as SnapshotInput, base };
}

/** The snapshot with every container pinned where `placement` puts it (cluster-capacity's starting point). */
function pinnedTo(snapshot: SnapshotInput, placement: ReadonlyMap<string, string>): SnapshotInput {
  const containers = snapshot.containers.flatMap((c): ContainerInput[] => {
    const at = placement.get(c.name);
    return at === undefined ? [] : [{ ...c, current: at, pinned: true }];
  });
  return { ...snapshot, containers };
}

const hasCurrent = (model: AssignmentModel): boolean => model.rules?.current.some((i) => i >= 0) ?? false;

/** The body as its counts are checked: without the question, but with the containers a whatIf starts. */
function withStarted(body: Record<string, unknown>): Record<string, unknown> {
  const q = body['question'] as { whatIf?: { start?: unknown } } | undefined;
  const start = q?.whatIf?.start;
  const containers = body['containers'];
  return {
    ...body,
    question: undefined,
    ...(Array.isArray(start) && Array.isArray(containers) ? { containers: [...containers, ...start] } : {}),
  };
}

export function prepareCapacity(body: unknown, limits: ProblemLimits): CapacityPrepared {
  const tooMany =
    typeof body === 'object' && body !== null
      ? countIssues(snapshotCounts(withStarted(body as Record<string, unknown>)), limits, 'snapshot')
      : [];
  if (tooMany.length > 0) throw tooLarge(tooMany);
  const { question, raw, notes } = split(body);
  // A purchase may start from no nodes at all; every other question from a valid snapshot.
  if ('buy' in question) return prepareBuy(checkedSnapshot(raw, true), question.buy, notes, limits);
  const { snapshot, base } = baseOf(raw, limits);
  if ('fit' in question) return prepareFit(snapshot, question.fit, base, notes, limits);
  if ('whatIf' in question) {
    const q = question.whatIf;
    const names = new Set(base.model.nodes);
    const unknown = (q.remove ?? []).flatMap((n, k) =>
      names.has(n) ? [] : [{ path: `question.whatIf.remove[${k}]`, message: `unknown node "${n}"` }],
    );
    const containers = new Set(base.model.items);
    const taken = (q.start ?? []).flatMap((c, k) => {
      const path = `question.whatIf.start[${k}].name`;
      if (containers.has(c.name))
        return [{ path, message: `a container "${c.name}" is already in the snapshot or in start` }];
      containers.add(c.name);
      return [];
    });
    if (unknown.length + taken.length > 0) throw invalid([...unknown, ...taken]);
    if (!hasCurrent(base.model)) return { question: 'whatIf', notes, q, base };
    const now = namedPlacement(base.model, base.model.rules!.current);
    return {
      question: 'whatIf',
      notes,
      q,
      base,
      next: { built: modelOf(whatIfSnapshot(snapshot, q, now), limits), now: [...now] },
    };
  }
  if ('consolidate' in question) return prepareConsolidate(snapshot, question.consolidate, base, notes);
  if (!hasCurrent(base.model))
    throw invalid([
      {
        path: 'question.moveBudget',
        message: 'needs a current placement: give containers a `current` node (bound pods in Kubernetes input)',
      },
    ]);
  // Moves are limited by k, not priced: the curve shows the cost the moves buy.
  const containers = snapshot.containers.map((c): ContainerInput => {
    const { moveCost: _moveCost, pinned: _pinned, ...rest } = c;
    return rest;
  });
  const free = modelOf({ ...snapshot, containers, options: { ...snapshot.options, moveCost: 0 } }, limits);
  return { question: 'moveBudget', notes, maxMoves: question.moveBudget.maxMoves, base, free };
}

/** A consolidation: the base model with today's placement, and the candidate nodes (all, or those named). */
function prepareConsolidate(
  snapshot: SnapshotInput,
  q: ConsolidateQuestion,
  base: Seeded,
  notes: string[],
): CapacityPrepared {
  if (!hasCurrent(base.model))
    throw invalid([
      {
        path: 'question.consolidate',
        message: 'needs a current placement: give containers a `current` node (bound pods in Kubernetes input)',
      },
    ]);
  const index = new Map(base.model.nodes.map((n, i) => [n, i]));
  const named = q.candidates ?? base.model.nodes;
  const unknown = named.flatMap((n, k) =>
    index.has(n) ? [] : [{ path: `question.consolidate.candidates[${k}]`, message: `unknown node "${n}"` }],
  );
  if (unknown.length > 0) throw invalid(unknown);
  const candidates = [...new Set(named.map((n) => index.get(n)!))];
  const first = q.minimise ?? 'moves';
  return { question: 'consolidate', notes, maxRemoved: q.maxRemoved, base, snapshot, candidates, first };
}

/** whatIf's second stage, when nothing ran yet: the re-plan model from the placement the first solve gave. */
export function prepareWhatIfModel(body: unknown, now: ReadonlyMap<string, string>, limits: ProblemLimits): Seeded {
  const { question, raw } = split(body);
  if (!('whatIf' in question)) throw invalid([{ path: 'question', message: 'expected {whatIf}' }]);
  return modelOf(whatIfSnapshot(checkedSnapshot(raw), question.whatIf, now), limits);
}

function prepareBuy(snapshot: SnapshotInput, q: BuyQuestion, notes: string[], limits: ProblemLimits): CapacityPrepared {
  const keptCount = q.keepExisting === false ? 0 : snapshot.nodes.length;
  const nodes = keptCount + q.catalogue.reduce((t, c) => t + c.max, 0);
  const containers = snapshot.containers.length;
  const tooMany = countIssues({ nodes, containers, terms: 0, labelSets: 0, matrixPairs: 0 }, limits, 'snapshot').map(
    (i) => ({
      ...i,
      path: 'question.buy.catalogue',
    }),
  );
  if (tooMany.length > 0) throw tooLarge(tooMany);
  return { question: 'buy', notes, q, built: modelOf(buySnapshot(snapshot, q), limits), keptCount };
}

function prepareFit(
  snapshot: SnapshotInput,
  q: FitQuestion,
  base: Seeded,
  notes: string[],
  limits: ProblemLimits,
): CapacityPrepared {
  const own: string[] = [...notes];
  // Without repacking, containers stay where they run now (current, or the greedy's plan when nothing runs yet).
  let start = snapshot;
  let placement: Map<string, string> | undefined;
  if (!q.repack && !hasCurrent(base.model)) {
    placement = namedPlacement(base.model, base.greedy);
    own.push('no container has a current node: without repacking they stay where the greedy puts them');
    start = pinnedTo(snapshot, placement);
  }
  const copies = fitCopies(start, q);
  const total = base.model.items.length + copies.reduce((a, b) => a + b, 0);
  const tooMany = countIssues(
    { nodes: base.model.nodes.length, containers: total, terms: 0, labelSets: 0, matrixPairs: 0 },
    limits,
    'snapshot',
  ).map((i) => ({ ...i, path: 'question.fit' }));
  if (tooMany.length > 0) throw tooLarge(tooMany);
  const built = modelOf(fitSnapshot(start, q, copies), limits);
  const objective = withFitObjective(built.model, q, copies);
  const precision = objectivePrecision(objective.model);
  const inexact = precisionIssues(precision);
  if (inexact.length > 0) throw tooLarge(inexact);
  const fit: Seeded = { ...built, model: objective.model, precision };
  // The greedy count, as cluster-capacity reports it: each shape alone, copies one at a time beside what runs.
  const runningNow = placement ?? namedPlacement(base.model, base.model.rules?.current ?? []);
  const greedyStart = q.repack
    ? pinnedTo(snapshot, runningNow.size > 0 ? runningNow : namedPlacement(base.model, base.greedy))
    : start;
  const greedyCount = (shapes: FitQuestion['shapes']): Record<string, number> => {
    const only = { ...q, shapes, repack: false };
    const shapeCopies = fitCopies(greedyStart, only);
    const gm = modelOf(fitSnapshot(greedyStart, only, shapeCopies), limits).model;
    return placedCopies(greedyPlan(gm), greedyStart.containers.length, only, shapeCopies);
  };
  const greedyAlone = Object.assign({}, ...q.shapes.map((shape) => greedyCount([shape]))) as Record<string, number>;
  return {
    question: 'fit',
    notes: own,
    q,
    base,
    fit,
    copies,
    moveScale: objective.moveScale,
    movers: objective.movers,
    greedyAlone,
    greedyTogether: greedyCount(q.shapes),
  };
}

/**
 * The objective of "how many more fit", lexicographic in three levels: a current container left out
 * costs more than everything below (it is left out only if it cannot be placed at all); a copy left out
 * costs its weight × B; a running container moved off its node (with repack) costs 1, and B, a power of
 * two above the number of movable containers, keeps every count of moves below one unit of weight. So the
 * most weight is placed first, and among such plans the one with the fewest moves.
 */
function withFitObjective(
  model: AssignmentModel,
  q: FitQuestion,
  copies: readonly number[],
): { model: AssignmentModel; moveScale: number; movers: number } {
  const n = model.nodes.length;
  const m = model.items.length;
  const existing = m - copies.reduce((a, b) => a + b, 0);
  const current = model.rules!.current;
  let movers = 0;
  const from = new Int32Array(m).fill(-1);
  for (let j = 0; j < existing; j++) {
    // Without repack, running containers are pinned: they cannot move at all.
    if (current[j]! < 0 || !q.repack) continue;
    movers++;
    from[j] = current[j]!;
  }
  // Each move costs 1; nothing else costs (the caller's or derived costs are gone).
  const cost = {
    ...uniformTable(n, m, (l) => new Float64Array(l), 0),
    moves: { from, cost: new Float64Array(m).fill(1) },
  };
  const moveScale = 2 ** Math.ceil(Math.log2(movers + 1));
  const weights = q.shapes.flatMap((s, k) => new Array<number>(copies[k]!).fill(s.weight ?? 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const hard = 2 ** Math.ceil(Math.log2(totalWeight * moveScale + movers + 1));
  const unplacedPenalty = model.items.map((_, j) => (j < existing ? hard : weights[j - existing]! * moveScale));
  // The costs are the moves now (the caller's or derived ones are gone).
  const { derivedCosts: _derived, ...rest } = model;
  return { model: { ...rest, cost, rules: { ...model.rules!, unplacedPenalty } }, moveScale, movers };
}
