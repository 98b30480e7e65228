import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { CliError } from './args.js';
import { errorText } from './input.js';
import { readDocuments } from './files.js';

/**
 * Docker Swarm input for the CLI (docs/swarm.md): `plan --swarm NODES SERVICES [TASKS]` reads the files that
 * `docker node inspect`, `docker service inspect` and `docker inspect` of tasks print (JSON arrays; the tasks may
 * also be `docker service ps --format json` lines);
 * `plan --from-swarm` runs those commands itself, from PATH, without a shell, against the manager the docker
 * CLI talks to (`--context NAME`: docker --context NAME).
 */
export async function readSwarmFiles(paths: readonly string[]): Promise<Record<string, unknown>> {
  const [nodes, services, tasks] = await Promise.all(
    paths.map((p, k) => readArray(p, ['nodes', 'services', 'tasks'][k]!)),
  );
  return { nodes, services, ...(tasks ? { tasks } : {}) };
}

async function readArray(path: string, what: string): Promise<unknown[]> {
  let value: unknown;
  try {
    value = await readDocuments(path);
  } catch (err) {
    value = (await jsonLines(path)) ?? err;
    if (value instanceof Error) throw new CliError(`cannot read ${path} (the ${what}) as JSON: ${errorText(err)}`);
  }
  if (!Array.isArray(value))
    throw new CliError(`${path} (the ${what}) must be a JSON array, as docker ... inspect prints`);
  return value;
}

/** One JSON object per line, as `docker service ps --format json` prints; undefined when it is not that. */
async function jsonLines(path: string): Promise<unknown[] | undefined> {
  try {
    const lines = (path === '-' ? '' : await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const rows = lines.map((l) => JSON.parse(l) as unknown);
    return rows.length > 0 && rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
      ? rows
      : undefined;
  } catch {
    return undefined;
  }
}

/** Most bytes a docker command may print (some 3 KB a node or service: 100 000 of them). */
const MAX_OUTPUT = 512 * 1024 * 1024;

/** Runs docker with these arguments; its stdout, or a CliError that says what failed. */
function docker(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === 'ENOENT')
        return reject(new CliError('docker not found on PATH (plan --from-swarm runs "docker node inspect" and more)'));
      const said = stderr.trim() === '' ? errorText(err) : stderr.trimEnd();
      reject(new CliError(`docker ${args.join(' ')} failed:\n${said}`));
    });
  });
}

/** The IDs a `docker … ls -q` prints, one per line. */
const ids = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

async function inspect(context: string[], kind: string[], list: readonly string[]): Promise<unknown[]> {
  if (list.length === 0) return [];
  const text = await docker([...context, ...kind, ...list]);
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value;
  } catch {
    // said below
  }
  throw new CliError(`docker ${[...context, ...kind].join(' ')} printed something other than a JSON array`);
}

/** The swarm the docker CLI sees: its nodes, services and the tasks that should run, as a request body. */
export async function readSwarm(source: { readonly context?: string }): Promise<Record<string, unknown>> {
  const context = source.context !== undefined ? ['--context', source.context] : [];
  const nodeIds = ids(await docker([...context, 'node', 'ls', '-q']));
  const serviceIds = ids(await docker([...context, 'service', 'ls', '-q']));
  const taskIds =
    serviceIds.length > 0
      ? ids(
          await docker([
            ...context,
            'service',
            'ps',
            '-q',
            '--no-trunc',
            '--filter',
            'desired-state=running',
            ...serviceIds,
          ]),
        )
      : [];
  return {
    nodes: await inspect(context, ['node', 'inspect'], nodeIds),
    services: await inspect(context, ['service', 'inspect'], serviceIds),
    tasks: await inspect(context, ['inspect', '--type', 'task'], [...new Set(taskIds)]),
  };
}
