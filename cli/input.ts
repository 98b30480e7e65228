import { stat } from 'node:fs/promises';
import { splitKubeObjects } from '../models/kube.js';
import { CliError, type Overrides } from './args.js';
import { manifestDocuments, readDocuments } from './files.js';

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${errorText(err)}`);
  }
}

/**
 * The body: one file or standard input as it is, or Kubernetes objects from several files and directories.
 * `label` names the one file in messages (default: its path, or "standard input").
 */
export async function readBody(paths: readonly string[], label?: string): Promise<unknown> {
  const [file] = paths;
  if (paths.length === 1 && (file === '-' || !(await isDirectory(file!)))) {
    let body: unknown;
    try {
      body = await readDocuments(file!);
    } catch (err) {
      const name = label ?? (file === '-' ? 'standard input' : file);
      throw new CliError(`cannot read ${name} as JSON or YAML: ${errorText(err)}`);
    }
    // Several YAML documents in one file: Kubernetes objects.
    return Array.isArray(body) ? splitKubeObjects(body) : body;
  }
  const docs: unknown[] = [];
  for (const p of paths) {
    try {
      docs.push(...(await manifestDocuments(p)));
    } catch (err) {
      throw new CliError(`cannot read ${p}: ${errorText(err)}`);
    }
  }
  return splitKubeObjects(docs);
}

/** The body as an object, with the flags' overrides merged over its own "options". */
export function withOverrides(body: unknown, overrides: Overrides): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CliError('the input must be a JSON object');
  const input = body as Record<string, unknown>;
  if (Object.keys(overrides).length === 0) return input;
  const own = typeof input['options'] === 'object' && input['options'] !== null ? input['options'] : {};
  input['options'] = { ...own, ...overrides };
  return input;
}
