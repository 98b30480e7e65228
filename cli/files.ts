import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, type YAMLError } from 'yaml';
import { parseJsonBody } from '../models/json.js';
import { readLargeList, STREAM_FROM_BYTES } from './stream.js';

/**
 * Reading the CLI's inputs, with caps and plain messages:
 * - a path must be a regular file or a directory (a FIFO, socket or device is refused, never read);
 * - a directory's *.json, *.yaml and *.yml entries that are regular files are read, sorted by name;
 *   subdirectories (and symbolic links to them) are not followed, so a link loop cannot trap it;
 * - at most MAX_INPUT_BYTES per file (and from standard input);
 * - parse errors say where (line and column), never quote the file.
 */
export const MAX_INPUT_BYTES = 512 * 2 ** 20;

export class InputFileError extends Error {}

/** The bytes of a file or of standard input ('-'), refused past MAX_INPUT_BYTES. */
export async function readInput(path: string, limit = MAX_INPUT_BYTES): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new InputFileError(`standard input is larger than ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  const info = await stat(path);
  if (!info.isFile()) throw new InputFileError(`${path} is not a regular file`);
  if (info.size > limit) throw new InputFileError(`${path} is larger than ${limit} bytes (${info.size})`);
  const handle = await open(path, 'r');
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** YAML's error, by position only. */
function yamlWhere(err: YAMLError): string {
  const at = err.linePos?.[0];
  return at ? `${err.code} at line ${at.line} column ${at.col}` : err.code;
}

/**
 * One file's content: JSON (a file named *.json, or text starting with "{") or YAML. Several YAML
 * documents come back as an array.
 */
export function parseDocuments(text: string, name: string): unknown {
  if (name.endsWith('.json') || text.trimStart().startsWith('{')) {
    const r = parseJsonBody(text);
    if (!r.ok) throw new InputFileError(r.message.replace(/^request body/, 'it'));
    return r.value;
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new InputFileError('it is an empty YAML stream');
  const values = docs
    .map((d) => {
      if (d.errors.length > 0) throw new InputFileError(`not valid YAML: ${yamlWhere(d.errors[0]!)}`);
      return d.toJS() as unknown;
    })
    .filter((v) => v !== null && v !== undefined);
  return values.length === 1 ? values[0] : values;
}

/** Largest JSON list file read by streaming. */
export const MAX_STREAMED_BYTES = 16 * 2 ** 30;

/**
 * One file's content, parsed: JSON files of STREAM_FROM_BYTES or more are read as a streamed Kubernetes
 * list (cli/stream.ts), everything else whole (parseDocuments).
 */
export async function readDocuments(path: string): Promise<unknown> {
  if (path !== '-' && path.endsWith('.json')) {
    const info = await stat(path);
    if (info.isFile() && info.size >= STREAM_FROM_BYTES) {
      if (info.size > MAX_STREAMED_BYTES)
        throw new InputFileError(`${path} is larger than ${MAX_STREAMED_BYTES} bytes (${info.size})`);
      try {
        return await readLargeList(path);
      } catch (err) {
        throw new InputFileError(`not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return parseDocuments(await readInput(path), path);
}

/** The documents of a manifest file, or of every manifest file directly in a directory (sorted by name). */
export async function manifestDocuments(path: string): Promise<unknown[]> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    const parsed = await readDocuments(path);
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  const out: unknown[] = [];
  for (const f of (await readdir(path)).filter((f) => /\.(json|ya?ml)$/.test(f)).sort()) {
    const file = join(path, f);
    if (!(await stat(file)).isFile()) continue;
    const parsed = await readDocuments(file);
    out.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  return out;
}
