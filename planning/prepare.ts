import type { AssignmentModel } from '../models/model.js';
import { countIssues, programCounts, snapshotCounts } from '../models/counts.js';
import { parseJsonBody, shapeIssue } from '../models/json.js';
import type { SolveOptions } from '../models/options.js';
import { givenPlan, splitPlan } from '../models/plan.js';
import { validatePlanBody, validateProgram, type ProblemLimits } from '../models/validate.js';
import { formulate } from '../solver/formulate.js';
import type { IntegerProgram } from '../solver/ip.js';
import { programLp, toCplexLp } from '../solver/lpformat.js';
import { aggregate, atScale, type Aggregate } from '../solver/scale/aggregate.js';
import { scaleProgram, type ScaleProgram } from '../solver/scale/program.js';
import { accept, type Built, type Seeded } from './accept.js';
import { prepareCapacity, prepareWhatIfModel, type CapacityPrepared } from './capacity-prepare.js';
import { InputError, invalid, tooLarge } from './errors.js';
import { routeHint } from './hints.js';
import { solvedFacts, solvedText, type SolvedFacts } from './solved.js';
import { greedyOnly } from '../solver/solve.js';

/**
 * The first stage of every use case: the request body → a validated model, ready to solve, or the
 * InputError that says why not. In order, each step only once the ones before have passed:
 * 1. JSON (bytes or text) → a value; its depth and `__proto__` keys;
 * 2. the size limits, from the body's counts alone (before any work that grows with them);
 * 3. the schema, with every issue at its path;
 * 4. the model, its size and the exactness of its objective (422);
 * 5. the seed greedy plan (every answer carries it).
 * This is CPU work in proportion to the body: the service runs it in its input threads, never on the
 * event loop (planning/prepare-worker.ts); the CLI runs it in-process.
 */
export type Route = 'plan' | 'solve' | 'evaluate' | 'capacity';

export interface PrepareRequest {
  readonly route: Route;
  /** The body: raw bytes or text (parsed here), or an already parsed value. */
  readonly body: Uint8Array | string | { readonly parsed: unknown };
  readonly limits: ProblemLimits;
  /** `lp`: the integer program as CPLEX LP text instead of a model (plan and solve only). */
  readonly format?: 'json' | 'lp';
  /**
   * For a capacity whatIf without current placement: its second stage, with the placement the first stage's solve gave.
   */
  readonly whatIfPlacement?: readonly (readonly [string, string])[];
  /**
   * Epoch ms when the request arrived, from callers that take a written answer: a plan or evaluation that needs no
   * solver thread (`solver: "greedy"` at scale, solver/solve.ts greedyOnly) is then answered here, as JSON text,
   * rather than sending its model to be solved and back to be written (some 300 ms at 150 000 containers).
   */
  readonly answerFrom?: number;
}

export type Prepared =
  | ({ readonly kind: 'model'; readonly given?: Int32Array } & Built)
  | { readonly kind: 'lp'; readonly text: string }
  | { readonly kind: 'capacity'; readonly capacity: CapacityPrepared }
  | { readonly kind: 'whatIf'; readonly built: Seeded }
  /** The answer itself (`answerFrom`), and what the metrics and the request's log line read of it. */
  | { readonly kind: 'written'; readonly text: string | Uint8Array; readonly solved: SolvedFacts };

/** Most nonzeros an LP export writes (about 20 bytes each: some 50 MB of text). */
export const MAX_LP_NONZEROS = 2_500_000;

export function prepare(req: PrepareRequest): Prepared {
  const body = parsedBody(req.body);
  try {
    const prepared = prepareBody(req, body);
    return req.answerFrom === undefined ? prepared : (answered(prepared, req.answerFrom) ?? prepared);
  } catch (err) {
    if (!(err instanceof InputError) || err.code !== 'invalid_input') throw err;
    const hint = routeHint(req.route, body);
    throw hint ? new InputError(err.code, `${err.message} (${hint})`, err.issues) : err;
  }
}

function prepareBody(req: PrepareRequest, body: unknown): Prepared {
  const shape = shapeIssue(body);
  if (shape) throw invalid([shape]);
  if (req.format === 'lp' && req.route !== 'plan' && req.route !== 'solve')
    throw invalid([{ path: 'format', message: `the LP export is for plan and solve, not ${req.route}` }]);
  if (req.route === 'capacity') {
    return req.whatIfPlacement
      ? { kind: 'whatIf', built: prepareWhatIfModel(body, new Map(req.whatIfPlacement), req.limits) }
      : { kind: 'capacity', capacity: prepareCapacity(body, req.limits) };
  }
  const { plan, rest } = req.route === 'evaluate' ? splitPlan(body) : { plan: undefined, rest: body };
  const program = req.route === 'solve';
  const tooMany = countIssues(
    program ? programCounts(rest) : snapshotCounts(rest),
    req.limits,
    program ? 'program' : 'snapshot',
  );
  if (tooMany.length > 0) throw tooLarge(tooMany);
  const built = accept(program ? validateProgram(rest) : validatePlanBody(rest), req.limits, 'in the solve');
  if (req.format === 'lp') return { kind: 'lp', text: lpText(built.model, built.options) };
  if (req.route !== 'evaluate') return { kind: 'model', ...built };
  const given = givenPlan(built.model, plan);
  if (!given.ok) throw invalid(given.issues);
  return { kind: 'model', ...built, given: given.plan };
}

/** The answer as JSON text, where the prepared model needs no solver thread; else undefined. */
function answered(prepared: Prepared, arrival: number): Prepared | undefined {
  if (prepared.kind !== 'model') return undefined;
  const { model, options, greedy, greedyChecked, precision } = prepared;
  const ctx = { ...(greedy ? { greedy } : {}), ...(greedyChecked ? { greedyChecked } : {}), precision };
  const outcome = greedyOnly(model, options, ctx);
  if (!outcome) return undefined;
  const solved = { built: prepared, ...(prepared.given ? { given: prepared.given } : {}), outcome };
  const text = solvedText({ ...solved, arrival, prepared: Date.now() });
  return { kind: 'written', text, solved: solvedFacts(model, outcome, arrival + options.timeLimitMs) };
}

/** The body as a value: JSON text or bytes parsed (refused with invalid_json when it is not JSON). */
export function parsedBody(body: PrepareRequest['body']): unknown {
  if (typeof body === 'object' && !(body instanceof Uint8Array)) return body.parsed;
  const text =
    typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const parsed = parseJsonBody(text);
  if (!parsed.ok) throw new InputError('invalid_json', parsed.message);
  return parsed.value;
}

/**
 * The model as CPLEX LP text, refused (422) past MAX_LP_NONZEROS: the program the solvers get, that is the
 * aggregate program over node groups and container classes where the model takes the scale path.
 */
function lpText(model: AssignmentModel, options: SolveOptions): string {
  const agg = atScale(model) ? aggregate(model) : undefined;
  const scale = agg && !('outOfReach' in agg) ? agg : undefined;
  const ip = scale ? scaleProgram(model, scale) : formulate(model, { symmetry: options.symmetry });
  let nonzeros = 0;
  for (const row of ip.rows) nonzeros += row.vars.length;
  // The aggregate's comment line per variable is some five nonzeros' worth of text.
  if (scale) nonzeros += 5 * ip.varCost.length;
  if (nonzeros > MAX_LP_NONZEROS)
    throw tooLarge([
      {
        path: 'format',
        message: `the integer program has ${nonzeros} nonzeros, more than the ${MAX_LP_NONZEROS} an LP export writes`,
      },
    ]);
  return scale ? aggregateLp(model, scale, ip as ScaleProgram) : toCplexLp(ip as IntegerProgram, model);
}

/** The aggregate program as LP text, each variable named in a comment. */
function aggregateLp(model: AssignmentModel, agg: Aggregate, prog: ScaleProgram): string {
  const lines = [
    `\\ optiplace aggregate program (the scale path): ${agg.groups.length} node groups × ` +
      `${agg.classes.length} container classes, ${prog.varCost.length} variables`,
  ];
  if (prog.offset !== 0)
    lines.push(`\\ the placement objective is this objective + ${prog.offset} (unplaced penalties)`);
  agg.pairs.forEach((p, v) => {
    const cl = agg.classes[p.c]!;
    const gr = agg.groups[p.g]!;
    lines.push(
      `\\ x${v}: how many of the ${cl.items.length} containers like ${model.items[cl.items[0]!]} go on the ` +
        `${gr.nodes.length} nodes like ${model.nodes[gr.nodes[0]!]}`,
    );
  });
  for (let v = agg.pairs.length; v < prog.varCost.length; v++) lines.push(`\\ x${v}: auxiliary (nodes used, rules)`);
  return `${lines.join('\n')}\n${programLp(prog)}`;
}
