import { z } from 'zod';

/**
 * The schema's messages in the words of JSON and of a person, not of the library: "required: an array" for a missing
 * field, "must be an object, not a string" for a wrong type (JSON has objects, not records; no bigints), "must be one
 * of ...", "must have at least 1 item". Installed once for the process (zod's global error map), by every module that
 * defines a schema (they import this one). Messages a schema writes itself are kept.
 */

/** A JSON value's kind, as a person would say it. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return Number.isFinite(v) ? 'a number' : String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return 'a number';
    default:
      return typeof v;
  }
}

/** What a schema type expects, in JSON's words (bigint: quantities the service builds itself; a JSON number). */
const EXPECTED: Record<string, string> = {
  array: 'an array',
  record: 'an object',
  object: 'an object',
  map: 'an object',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a number',
  boolean: 'true or false',
  null: 'null',
};

/** `expected` of an invalid_type issue in JSON's words. */
export const expectedWords = (expected: string): string => EXPECTED[expected] ?? expected;

/** The JSON words for several expected types, once each ("a number or a string"). */
export function expectedAnyOf(expected: readonly string[]): string {
  return [...new Set(expected.map(expectedWords))].join(' or ');
}

const plural = (n: number | bigint, word: string): string => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

function sizeMessage(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code !== 'too_small' && iss.code !== 'too_big') return undefined;
  const small = iss.code === 'too_small';
  const limit = small ? (iss as { minimum: number | bigint }).minimum : (iss as { maximum: number | bigint }).maximum;
  const inclusive = iss.inclusive !== false;
  switch (iss.origin) {
    case 'array':
    case 'set':
      return small ? `must have at least ${plural(limit, 'item')}` : `must have at most ${plural(limit, 'item')}`;
    case 'string':
      if (small && Number(limit) === 1) return 'must not be empty';
      return small ? `must be at least ${plural(limit, 'character')}` : `must be at most ${plural(limit, 'character')}`;
    case 'number':
    case 'int':
    case 'bigint':
      if (small) return inclusive ? `must be at least ${limit}` : `must be more than ${limit}`;
      return inclusive ? `must be at most ${limit}` : `must be less than ${limit}`;
    default:
      return undefined;
  }
}

function message(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      const want = expectedWords(iss.expected);
      if (iss.input === undefined) return `required: ${want}`;
      if (iss.expected === 'int' && typeof iss.input === 'number') return `must be a whole number, not ${iss.input}`;
      return `must be ${want}, not ${jsonKind(iss.input)}`;
    }
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return sizeMessage(iss);
  }
}

z.config({ customError: (iss) => message(iss) });
