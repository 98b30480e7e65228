import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument, templateMatches } from '../server/openapi.js';

/**
 * Every answer the test suite receives by fetch is checked against the OpenAPI document's response
 * schema for its path, method and status (unknown paths: the error schema). test/setup.ts installs the
 * check and fails the run at its end if any answer did not conform. Bodies over MAX_CHECKED_BYTES are
 * counted but not parsed (the scale tests' 45 MB answers would hold the test process's event loop, where
 * they measure probe latency).
 */
const MAX_CHECKED_BYTES = 4 * 2 ** 20;

type Json = Record<string, unknown>;
const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, Json> }>> };
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(doc as object, 'openapi');
const compiled = new Map<string, ValidateFunction>();

export const conformance = { checked: 0, skipped: 0, failures: [] as string[] };

function validatorFor(schema: Json, key: string): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(key, v);
  }
  return v;
}

/** The documented response for this answer: its schema (with JSON Pointer refs into the document). */
function documented(method: string, path: string, status: number, type: string): { schema: Json; key: string } {
  const template = Object.keys(doc.paths).find((t) => templateMatches(t, path)) ?? path;
  const op = doc.paths[template]?.[method.toLowerCase()];
  const response = op?.responses[String(status)] as { content?: Record<string, { schema: Json }> } | undefined;
  if (!response) {
    if (status < 400) throw new Error(`${method} ${path} answered ${status}, which the document does not list`);
    return { schema: { $ref: 'openapi#/components/schemas/Error' }, key: 'Error' };
  }
  const media = type.split(';')[0]!.trim();
  if (!response.content) return { schema: {}, key: 'any' };
  const content = response.content[media];
  if (!content) throw new Error(`${method} ${path} ${status} answered ${media}, which the document does not list`);
  const schema = JSON.parse(JSON.stringify(content.schema).replaceAll('"#/components/', '"openapi#/components/'));
  return { schema: schema as Json, key: `${method} ${path} ${status} ${media}` };
}

/** Whether a body conforms to the documented response (a message when it does not). */
export function conforms(method: string, path: string, status: number, type: string, body: unknown): string | null {
  const { schema, key } = documented(method, path, status, type);
  const validate = validatorFor(schema, key);
  return validate(body) ? null : ajv.errorsText(validate.errors?.slice(0, 5));
}

async function check(method: string, url: URL, res: Response): Promise<void> {
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (text.length > MAX_CHECKED_BYTES) {
    conformance.skipped++;
    return;
  }
  const where = `${method} ${url.pathname}${url.search} → ${res.status}`;
  try {
    const { schema, key } = documented(method, url.pathname, res.status, type);
    const body = type.startsWith('application/json') && text !== '' ? (JSON.parse(text) as unknown) : text;
    const validate = validatorFor(schema, key);
    conformance.checked++;
    if (!validate(body)) conformance.failures.push(`${where}: ${ajv.errorsText(validate.errors?.slice(0, 5))}`);
  } catch (err) {
    conformance.failures.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Wraps fetch: answers from loopback servers are checked as they come (the test reads its own copy). */
export function installConformanceCheck(): () => Promise<void> {
  const original = globalThis.fetch;
  const pending = new Set<Promise<void>>();
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') {
      const p = check(method, url, res.clone()).catch(() => undefined);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    return res;
  };
  return async () => {
    await Promise.all([...pending]);
    globalThis.fetch = original;
  };
}
