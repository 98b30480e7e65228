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

export function prepareJobInput(body: Uint8Array | string, limits: ProblemLimits): JobInput {
  const parsed = JobEnvelopeSchema.safeParse(parsedBody(body));
  if (!parsed.success) throw invalid(issuesOf(parsed.error));
  const { kind, input } = parsed.data;
  let prepared;
  try {
    prepared = prepare({ route: kind as Route, body: { parsed: input }, limits });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const issues = err.issues.map((i) => ({ ...i, path: i.path.startsWith('(') ? i.path : `input.${i.path}` }));
    throw new InputError(err.code, err.message, issues);
  }
  if (prepared.kind !== 'capacity' && prepared.kind !== 'model')
    throw new Error(`internal error: a job's input prepared as ${prepared.kind}`);
  const timeLimitMs =
    prepared.kind === 'capacity' ? capacityTimeLimitMs(prepared.capacity) : prepared.options.timeLimitMs;
  return { kind, priority: parsed.data.priority ?? 5, timeLimitMs, text: JSON.stringify(input) };
}
