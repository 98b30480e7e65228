import type { InputIssue } from '../models/validate.js';
import { InputError } from '../planning/errors.js';
import { QueueFullError } from '../solver/pool.js';
import { TooManyJobsError } from '../jobs/types.js';

/** Every error the API answers with: one catalogue, each code with its HTTP status. */
export const ERROR_CODES = {
  invalid_json: 400,
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  problem_too_large: 422,
  too_many_jobs: 429,
  queue_full: 503,
  shutting_down: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly InputIssue[] = [],
    /** Seconds for Retry-After (503s). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; issues: readonly InputIssue[] } } {
    return { error: { code: this.code, message: this.message, issues: this.issues } };
  }
}

/** Maps the use cases' errors, the body reader's and our own to the catalogue (anything else is internal). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof InputError) return new ApiError(err.code, err.message, err.issues);
  if (err instanceof QueueFullError) return new ApiError('queue_full', err.message, [], err.retryAfterSeconds);
  if (err instanceof TooManyJobsError) return new ApiError('too_many_jobs', err.message, [], err.retryAfterSeconds);
  const e = err as { type?: unknown; status?: unknown; message?: unknown; limit?: unknown };
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError('payload_too_large', `request body exceeds the limit of ${String(e.limit)} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_media_type', String(e.message));
    default:
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
        return new ApiError('invalid_input', String(e.message));
      return new ApiError('internal', 'internal error');
  }
}
