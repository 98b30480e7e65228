import type { Explanation } from '../solver/protocol.js';
import type { SolveOutcome } from '../solver/solve.js';
import { answerCapacity, capacityTimeLimitMs } from './capacity.js';
import { evaluationJson, outcomeJson } from './answer.js';
import type { Planner } from './planner.js';
import type { Built } from './accept.js';
import type { PrepareRequest, Route } from './prepare.js';

/**
 * The use cases, the same for HTTP, the CLI and (later) job workers: plan, solve, evaluate, capacity, and
 * the LP export. Each reads its input (stage 1), solves within the time limit counted from `arrival`, and
 * answers with the JSON the API documents; an infeasible plan, solve or evaluation gets its minimal
 * conflict within what is left of the limit. Input problems are InputErrors (planning/errors.ts).
 */
export interface Request {
  readonly route: Route;
  readonly body: PrepareRequest['body'];
  readonly format?: 'json' | 'lp';
  /** Epoch ms when the request arrived: the time limit counts from here. */
  readonly arrival: number;
}

export type Answer =
  { readonly kind: 'json'; readonly json: Record<string, unknown> } | { readonly kind: 'text'; readonly text: string };

/** A solved plan, solve or evaluation, before it is turned into JSON (the CLI's table reads it). */
export interface Solved {
  readonly built: Built;
  readonly given?: Int32Array;
  readonly outcome: SolveOutcome;
  readonly explanation?: Explanation | null;
  /** Epoch ms: when the request arrived, and when its input was read and checked. */
  readonly arrival: number;
  readonly prepared: number;
}

export type Result = { readonly kind: 'solved'; readonly solved: Solved } | Answer;

/** Runs the use case of `req.route`. */
export async function run(planner: Planner, req: Request): Promise<Result> {
  const prepared = await planner.prepare({
    route: req.route,
    body: req.body,
    ...(req.format ? { format: req.format } : {}),
  });
  const preparedAt = Date.now();
  switch (prepared.kind) {
    case 'lp':
      return { kind: 'text', text: prepared.text };
    case 'capacity': {
      const deadline = req.arrival + capacityTimeLimitMs(prepared.capacity);
      const json = await answerCapacity(prepared.capacity, planner, deadline, req.body);
      return {
        kind: 'json',
        json: { ...json, timings: { totalMs: Date.now() - req.arrival, prepareMs: preparedAt - req.arrival } },
      };
    }
    case 'whatIf':
      throw new Error('internal error: a whatIf second stage reached the use case');
    case 'model': {
      const deadline = req.arrival + prepared.options.timeLimitMs;
      const outcome = await planner.solve(prepared, deadline);
      const explanation =
        outcome.status === 'infeasible' ? ((await planner.explain(prepared.model, deadline)) ?? null) : undefined;
      return {
        kind: 'solved',
        solved: {
          built: prepared,
          ...(prepared.given ? { given: prepared.given } : {}),
          outcome,
          ...(explanation !== undefined ? { explanation } : {}),
          arrival: req.arrival,
          prepared: preparedAt,
        },
      };
    }
  }
}

/** The answer JSON of a solved plan, solve or evaluation. */
export function solvedJson(s: Solved): Record<string, unknown> {
  const { model, notes } = s.built;
  const json = s.given ? evaluationJson(model, s.given, s.outcome, notes) : outcomeJson(model, s.outcome, notes);
  if (s.explanation !== undefined) json['explanation'] = s.explanation;
  // From the request's arrival: reading and checking the input, waiting for a solver thread, solving.
  const t = s.outcome.timings;
  const timings = {
    totalMs: Date.now() - s.arrival,
    prepareMs: s.prepared - s.arrival,
    queuedMs: t.queuedMs ?? 0,
    solveMs: t.totalMs,
    timedOut: t.timedOut,
  };
  if (s.given) (json['optimal'] as Record<string, unknown>)['timings'] = timings;
  else json['timings'] = timings;
  return json;
}

/** Runs the use case and answers with its JSON (or LP text). */
export async function answer(planner: Planner, req: Request): Promise<Answer> {
  const r = await run(planner, req);
  return r.kind === 'solved' ? { kind: 'json', json: solvedJson(r.solved) } : r;
}
