import { answerCapacity, capacityTimeLimitMs } from './capacity.js';
import type { Planner } from './planner.js';
import type { PrepareRequest, Route } from './prepare.js';
import { solvedJson, type Solved } from './solved.js';
import type { SolveOptions } from '../models/options.js';
import type { ChangePlan } from '../solver/changes/order.js';
import type { SolveOutcome } from '../solver/solve.js';
import { TIME } from '../solver/strategy.js';
import type { Built } from './accept.js';

export { solvedJson, type Solved } from './solved.js';

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
  | { readonly kind: 'json'; readonly json: Record<string, unknown> }
  | { readonly kind: 'text'; readonly text: string }
  /** JSON already serialised (off the event loop, for large answers): text, or UTF-8 bytes. */
  | { readonly kind: 'jsonText'; readonly text: string | Uint8Array };

export type Result =
  { readonly kind: 'solved'; readonly solved: Solved } | Exclude<Answer, { readonly kind: 'jsonText' }>;
type Written = Extract<Answer, { readonly kind: 'jsonText' }>;

/**
 * Runs the use case of `req.route`. A caller that sends JSON text (`writes`) may get the answer written where its
 * input was read, when it needs no solver thread.
 */
export function run(planner: Planner, req: Request & { readonly writes: true }): Promise<Result | Written>;
export function run(planner: Planner, req: Request): Promise<Result>;
export async function run(planner: Planner, req: Request & { readonly writes?: true }): Promise<Result | Written> {
  const prepared = await planner.prepare({
    route: req.route,
    body: req.body,
    ...(req.format ? { format: req.format } : {}),
    ...(req.writes ? { answerFrom: req.arrival } : {}),
  });
  const preparedAt = Date.now();
  switch (prepared.kind) {
    case 'lp':
      return { kind: 'text', text: prepared.text };
    case 'written':
      return { kind: 'jsonText', text: prepared.text };
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
      const reserve = answerReserveMs(prepared.model.items.length);
      const outcome = await planner.solve(prepared, deadline - reserve - changesMs(prepared.options));
      const explanation =
        outcome.status === 'infeasible' ? ((await planner.explain(prepared.model, deadline)) ?? null) : undefined;
      const changes = prepared.options.changes ? await ordered(planner, prepared, outcome, deadline - reserve) : {};
      return {
        kind: 'solved',
        solved: {
          built: prepared,
          ...(prepared.given ? { given: prepared.given } : {}),
          outcome,
          ...(explanation !== undefined ? { explanation } : {}),
          ...changes,
          arrival: req.arrival,
          prepared: preparedAt,
        },
      };
    }
  }
}

/**
 * Time the solve leaves before the deadline for the answer: deciding it, writing it and sending it take
 * some 12 µs per container here (1.8 s for 150 000 containers, 45 MB of JSON), so that a solve that runs
 * to its deadline is still answered within the limit plus 500 ms. Nothing below 5 000 containers.
 */
export function answerReserveMs(containers: number): number {
  return containers < 5_000 ? 0 : Math.round(0.012 * containers);
}

/** Runs the use case and answers with its JSON (or LP text). */
export async function answer(planner: Planner, req: Request): Promise<Answer> {
  const r = await run(planner, req);
  return r.kind === 'solved' ? { kind: 'json', json: solvedJson(r.solved) } : r;
}

/**
 * Runs the use case and answers with its JSON as text, a solved answer serialised by `serialize` (the
 * service does it in an input thread: a 150 000-container answer takes half a second to build and write).
 */
export async function answerText(
  planner: Planner,
  req: Request,
  serialize: (solved: Solved) => Promise<string | Uint8Array>,
): Promise<Answer> {
  const r = await run(planner, { ...req, writes: true });
  return r.kind === 'solved' ? { kind: 'jsonText', text: await serialize(r.solved) } : r;
}

/** The time kept from the solve for ordering the change (options.changes, TIME.changes). */
const changesMs = (o: SolveOptions): number =>
  o.changes ? Math.min(TIME.changes.maxMs, o.timeLimitMs * TIME.changes.share) : 0;

/**
 * The change from today's placement to the plan (the given one, for an evaluation), ordered into waves; nothing
 * when the solve found no valid plan (an infeasible model). A given plan that breaks a rule is blocked there.
 */
async function ordered(
  planner: Planner,
  prepared: Built & { readonly given?: Int32Array },
  outcome: SolveOutcome,
  deadline: number,
): Promise<{ changes?: { plan: ChangePlan | undefined } }> {
  const { model } = prepared;
  const found = outcome.status !== 'infeasible' && outcome.plan.verification.valid;
  const target = prepared.given ?? (found ? outcome.plan.assignment : undefined);
  if (!target) return {};
  const start = model.rules?.current ?? new Int32Array(model.items.length).fill(-1);
  // With temporary nodes, the change is ordered in the model where they are open (same indices).
  const within = prepared.changeModel ?? model;
  return { changes: { plan: await planner.changes(within, start, target, deadline) } };
}
