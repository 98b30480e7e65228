import type { InputIssue } from '../models/validate.js';

/**
 * Why an input is refused, as the use cases say it (the HTTP layer maps each code to a status):
 * - invalid_json: not JSON, or JSON that is not an object or array;
 * - invalid_input: a field is missing, wrong, out of range, unknown or inconsistent;
 * - problem_too_large: more of something than the limits allow (counted before any work that grows with it).
 */
export type InputErrorCode = 'invalid_json' | 'invalid_input' | 'problem_too_large';

export interface InputFailure {
  readonly code: InputErrorCode;
  readonly message: string;
  readonly issues: readonly InputIssue[];
}

export class InputError extends Error implements InputFailure {
  constructor(
    readonly code: InputErrorCode,
    message: string,
    readonly issues: readonly InputIssue[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** As a plain value (it crosses threads as one). */
  toFailure(): InputFailure {
    return { code: this.code, message: this.message, issues: this.issues };
  }

  static from(f: InputFailure): InputError {
    return new InputError(f.code, f.message, f.issues);
  }
}

export const invalid = (issues: readonly InputIssue[]): InputError =>
  new InputError('invalid_input', `invalid input: ${issues[0]?.path}: ${issues[0]?.message}`, issues);

export const tooLarge = (issues: readonly InputIssue[]): InputError =>
  new InputError('problem_too_large', `problem too large: ${issues[0]?.message}`, issues);
