import { formatPath } from './path.js';

/**
 * Reading a request body as JSON, and checks on its shape that must come before any schema: how deep it
 * nests (the schema, the Kubernetes list flattening and the answer are written for bodies of ordinary
 * depth) and keys named `__proto__` (which JavaScript objects cannot hold as plain data, so they would
 * be dropped without a word).
 */

/** Deepest nesting of arrays and objects accepted (a kubectl pod nests about 12 deep). */
export const MAX_JSON_DEPTH = 64;

export type JsonResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * Parses JSON text. The error says where (line and column) and what, without echoing the text itself.
 * Only objects and arrays are bodies.
 */
export function parseJsonBody(text: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `request body is not valid JSON: ${jsonErrorWhere(text, err)}` };
  }
  if (typeof value !== 'object' || value === null)
    return { ok: false, message: 'request body must be a JSON object or array' };
  return { ok: true, value };
}

/** "unexpected character at line 3 column 7", from V8's message (which quotes part of the text). */
function jsonErrorWhere(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = /position (\d+)/.exec(message);
  if (/Unexpected end of JSON input/.test(message) || (at && Number(at[1]) >= text.length)) return 'it ends too early';
  if (!at) return text.trim() === '' ? 'it is empty' : 'unexpected content';
  const position = Number(at[1]);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `unexpected character at line ${line} column ${column}`;
}

/** The first problem with the shape of a parsed body (depth, `__proto__` keys), in depth-first order. */
export function shapeIssue(value: unknown): { path: string; message: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = deepIssue(value, 0);
  return found && { path: formatPath(found.path.reverse()), message: found.message };
}

interface Found {
  /** From the value with the problem up to the body (reversed once found). */
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * The first problem at or below `value`, `depth` levels down. Recursive, but never deeper than
 * MAX_JSON_DEPTH; a path is built only for the problem found, and nothing is allocated per value (this
 * walks every value of a 20 MB body).
 */
function deepIssue(value: object, depth: number): Found | undefined {
  if (depth >= MAX_JSON_DEPTH) return { path: [], message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const v: unknown = value[k];
      const found = typeof v === 'object' && v !== null ? deepIssue(v, depth + 1) : undefined;
      if (found) {
        found.path.push(k);
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (key === '__proto__') return { path: [key], message: '"__proto__" is not allowed as a name' };
    const v: unknown = (value as Record<string, unknown>)[key];
    const found = typeof v === 'object' && v !== null ? deepIssue(v, depth + 1) : undefined;
    if (found) {
      found.path.push(key);
      return found;
    }
  }
  return undefined;
}
