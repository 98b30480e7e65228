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

/** The first problem with the shape of a parsed body (depth, `__proto__` keys), found without recursion. */
export function shapeIssue(value: unknown): { path: string; message: string } | undefined {
  // Each entry links to its parent: a path is built only for the issue, not for every value.
  interface Entry {
    readonly value: object;
    readonly depth: number;
    readonly parent: Entry | undefined;
    readonly key: string | number;
  }
  const pathOf = (e: Entry | undefined, last?: string): string => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let x = e; x?.parent !== undefined; x = x.parent) path.unshift(x.key);
    return formatPath(path);
  };
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Entry[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top.depth >= MAX_JSON_DEPTH)
      return { path: pathOf(top), message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    const child = (v: unknown, key: string | number): void => {
      if (typeof v === 'object' && v !== null) stack.push({ value: v, depth: top.depth + 1, parent: top, key });
    };
    if (Array.isArray(top.value)) {
      for (let k = top.value.length - 1; k >= 0; k--) child(top.value[k], k);
      continue;
    }
    const keys = Object.keys(top.value);
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k]!;
      if (key === '__proto__') return { path: pathOf(top, key), message: '"__proto__" is not allowed as a name' };
      child((top.value as Record<string, unknown>)[key], key);
    }
  }
  return undefined;
}
