import { serveTasks } from '../solver/serve.js';
import { InputError, type InputFailure } from './errors.js';
import { prepare, type PrepareRequest, type Prepared } from './prepare.js';
import { solvedText, type Solved, type SolvedFacts } from './solved.js';
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
  | { readonly bytes: Uint8Array; readonly written?: SolvedFacts }
  | { readonly job: JobInput };

export type InputTask =
  | PrepareRequest
  | { readonly serialize: Solved }
  | { readonly job: Uint8Array | string; readonly limits: ProblemLimits; readonly route?: JobKind };

/** UTF-8 bytes that own their buffer (it moves to the event loop's thread, not copied). */
function utf8(text: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.byteLength(text));
  Buffer.from(bytes.buffer).write(text);
  return bytes;
}

serveTasks((req: InputTask): PrepareReply => {
  if ('serialize' in req) return { bytes: utf8(solvedText(req.serialize)) };
  try {
    if ('job' in req) return { job: prepareJobInput(req.job, req.limits, req.route) };
    const prepared = prepare(req);
    // The answer's bytes go as the reply's own `bytes`, which serveTasks transfers.
    if (prepared.kind === 'written' && typeof prepared.text === 'string')
      return { written: prepared.solved, bytes: utf8(prepared.text) };
    return { prepared };
  } catch (err) {
    if (err instanceof InputError) return { failure: err.toFailure() };
    throw err;
  }
}, Promise.resolve());
