import type { InputIssue } from '../models/validate.js';

/** Every error the API answers with: one catalogue, each code with its HTTP status. */
export const ERROR_CODES = {
  invalid_json: 400,
  invalid_input: 400,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  problem_too_large: 422,
  queue_full: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly InputIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; issues: readonly InputIssue[] } } {
    return { error: { code: this.code, message: this.message, issues: this.issues } };
  }
}
