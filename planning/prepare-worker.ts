import { serveTasks } from '../solver/serve.js';
import { InputError, type InputFailure } from './errors.js';
import { prepare, type PrepareRequest, type Prepared } from './prepare.js';
import { solvedText, type Solved } from './solved.js';
import { prepareJobInput, type JobInput, type JobKind } from './job-input.js';
import type { ProblemLimits } from '../models/validate.js';

/**
 * An input thread: runs stage 1 (planning/prepare.ts) off the event loop, and writes large answers as
 * JSON text (the last stage). Input problems come back as a value ({failure}); anything else thrown is a
 * bug and comes back as a task error.
 */
export type PrepareReply =
  | { readonly prepared: Prepared }
  | { readonly failure: InputFailure }
  /** A solved answer as UTF-8 JSON, its buffer transferred (no copy, no encoding on the event loop). */
  | { readonly bytes: Uint8Array }
  | { readonly job: JobInput };

export type InputTask =
  | PrepareRequest
  | { readonly serialize: Solved }
  | { readonly job: Uint8Array | string; readonly limits: ProblemLimits; readonly route?: JobKind };

serveTasks((req: InputTask): PrepareReply => {
  if ('serialize' in req) {
    const text = solvedText(req.serialize);
    const bytes = new Uint8Array(Buffer.byteLength(text));
    Buffer.from(bytes.buffer).write(text);
    return { bytes };
  }
  try {
    if ('job' in req) return { job: prepareJobInput(req.job, req.limits, req.route) };
    return { prepared: prepare(req) };
  } catch (err) {
    if (err instanceof InputError) return { failure: err.toFailure() };
    throw err;
  }
}, Promise.resolve());
