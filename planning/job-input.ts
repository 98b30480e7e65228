import { z } from 'zod';
import { issuesOf, type ProblemLimits } from '../models/validate.js';
import { capacityTimeLimitMs } from './capacity.js';
import { InputError, invalid } from './errors.js';
import { parsedBody, prepare, type Route } from './prepare.js';

/**
 * A job submission (POST /v1/jobs): `{kind, input, priority?}`, read and checked in an input thread like
 * any body: the input is checked as its route would (so a bad input gets its 400 or 422 at once, naming
 * `input.<field>`), and written back as JSON text for the job to carry.
 */
export const JOB_KINDS = ['plan', 'solve', 'evaluate', 'capacity'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JobEnvelopeSchema = z.strictObject({
  kind: z.enum(JOB_KINDS),
  input: z.record(z.string(), z.unknown()).describe('the body of that route'),
  priority: z.number().int().min(1).max(10).optional().describe('1 (first) to 10 (last); default 5'),
});

export interface JobInput {
  readonly kind: JobKind;
  readonly priority: number;
  /** The input's time limit (ms): the job's deadline is its arrival plus this. */
  readonly timeLimitMs: number;
  readonly text: string;
}

/**
 * `route` given: the body is that route's input itself (a synchronous request that distributed mode turns
 * into a job), and its issues keep the route's own paths.
 */
export function prepareJobInput(body: Uint8Array | string, limits: ProblemLimits, route?: JobKind): JobInput {
  const value = parsedBody(body);
  if (route) return checked(route, value as Record<string, unknown>, 5, limits, '');
  const parsed = JobEnvelopeSchema.safeParse(value);
  if (!parsed.success) throw invalid(issuesOf(parsed.error));
  return checked(parsed.data.kind, parsed.data.input, parsed.data.priority ?? 5, limits, 'input.');
}

function checked(
  kind: JobKind,
  input: Record<string, unknown>,
  priority: number,
  limits: ProblemLimits,
  prefix: string,
): JobInput {
  let prepared;
  try {
    prepared = prepare({ route: kind as Route, body: { parsed: input }, limits });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const issues = err.issues.map((i) => ({ ...i, path: i.path.startsWith('(') ? i.path : `${prefix}${i.path}` }));
    throw new InputError(err.code, err.message, issues);
  }
  if (prepared.kind !== 'capacity' && prepared.kind !== 'model')
    throw new Error(`internal error: a job's input prepared as ${prepared.kind}`);
  const timeLimitMs =
    prepared.kind === 'capacity' ? capacityTimeLimitMs(prepared.capacity) : prepared.options.timeLimitMs;
  return { kind, priority, timeLimitMs, text: JSON.stringify(input) };
}
