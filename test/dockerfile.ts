import { spawn } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';

/**
 * A Dockerfile's steps run without Docker (test/e2e/deploy.test.ts): each stage gets its own directory as its
 * filesystem root, absolute image paths (WORKDIR /app, COPY --from=build /app/dist) map into it, and
 * the RUN and CMD commands run there with the stage's environment. What Docker does that this does not:
 * the base image (the commands use this machine's node and npm, the engines' Node >= 20.19, not the
 * image's own Node 20), the user switch (USER is recorded, not applied: the test runs as whoever runs it), and the isolation of
 * RUN from the host (the Dockerfile's commands use relative paths only). A RUN --mount=type=cache keeps
 * npm's cache out of the image; here the machine's own npm cache plays that part.
 */

export interface Instruction {
  /** Upper-case: FROM, WORKDIR, COPY, RUN, ENV, ARG, USER, EXPOSE, HEALTHCHECK, CMD. */
  readonly op: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name: string;
  readonly steps: readonly Instruction[];
}

/** Instructions by stage: comments and blank lines dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: { image: string; name: string; steps: Instruction[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { op: op.toUpperCase(), args: args.trim(), line: start };
    if (instruction.op === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      if (as !== undefined && as.toUpperCase() !== 'AS') throw new Error(`line ${start}: FROM image [AS name]`);
      stages.push({ image, name: name ?? String(stages.length), steps: [] });
    } else if (stages.length === 0) {
      throw new Error(`line ${start}: ${instruction.op} before the first FROM`);
    } else stages.at(-1)!.steps.push(instruction);
  }
  return stages;
}

/** Words of an instruction's arguments: whitespace-separated, double quotes grouping (and removed). */
export function words(args: string): string[] {
  return [...args.matchAll(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g)].map((m) => m[0].replace(/"((?:[^"\\]|\\.)*)"/g, '$1'));
}

/** `--name=value` flags at the start of an instruction, and what follows them. */
export function flags(args: string): { flags: Record<string, string>; rest: string } {
  const found: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); m; m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    found[m[1]!] = m[2] ?? '';
    rest = rest.slice(m[0].length);
  }
  return { flags: found, rest };
}

/** A command in exec form (a JSON array) as it is, in shell form as `/bin/sh -c` runs it. */
export function commandOf(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
}

/** `$NAME` and `${NAME}` replaced by their values ('' when unset), as ENV, WORKDIR and COPY read them. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => vars[a ?? b ?? ''] ?? '');
}

/** One pattern of a .dockerignore as a regular expression over context-relative paths. */
function patternRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is any number of directories (none too); `**` at the end is anything.
      const slash = pattern[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Docker's .dockerignore rules as this repository uses them: one pattern a line from the context root
 * (`#` comments, a leading `/` optional), `*` and `?` within a segment, `**` across segments, `!` to let
 * a path back in; the last pattern that matches a path or one of its parent directories decides.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const keep = l.startsWith('!');
      const p = posix.normalize((keep ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { keep, re: patternRegExp(p) };
    });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, k) => parts.slice(0, k + 1).join('/'));
    let excluded = false;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = !r.keep;
    return excluded;
  };
}

/** Copies `from` (a file, a symbolic link or a directory's contents) to `to`; `skip` names paths left out. */
export function copyInto(from: string, to: string, skip: (rel: string) => boolean = () => false, rel = ''): void {
  const st = lstatSync(from);
  if (st.isSymbolicLink()) {
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(readlinkSync(from), to);
  } else if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from)) {
      const r = rel === '' ? entry : `${rel}/${entry}`;
      if (!skip(r)) copyInto(join(from, entry), join(to, entry), skip, r);
    }
  } else {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
}

/** Where an image path lands: absolute under the stage's root, relative under its working directory. */
export function inStage(root: string, workdir: string, path: string): string {
  return join(root, posix.isAbsolute(path) ? path : posix.join(workdir, path));
}

/** COPY's destination rule: into a directory when it ends with `/`, is `.`, or takes several sources. */
export function copyTarget(dest: string, destPath: string, source: string, sources: number): string {
  const intoDir = sources > 1 || dest.endsWith('/') || posix.basename(dest) === '.';
  return intoDir && !lstatSync(source).isDirectory() ? join(destPath, basename(source)) : destPath;
}

/** Runs a command to its end; resolves with its exit code and output (both streams). */
export function run(
  argv: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; output: string; ms: number }> {
  if (!isAbsolute(options.cwd)) throw new Error(`not an absolute directory: ${options.cwd}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** A stage once its steps have run: its root directory and what the image records. */
export interface BuiltStage {
  readonly name: string;
  readonly root: string;
  workdir: string;
  readonly env: Record<string, string>;
  readonly args: Record<string, string>;
  user: string | undefined;
  readonly expose: string[];
  healthcheck: { readonly flags: Record<string, string>; readonly command: string[] } | undefined;
  cmd: string[] | undefined;
  /** Each step as it ran, with its duration (ms). */
  readonly log: { readonly line: number; readonly step: string; readonly ms: number }[];
}

export interface BuildOptions {
  /** The build context (the repository) and its .dockerignore rules. */
  readonly context: string;
  readonly ignored: (path: string) => boolean;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Where the stages' roots are made (one directory each, named after the stage). */
  readonly dir: string;
  /** The environment RUN commands start from (the stage's ARG and ENV values are added to it). */
  readonly runEnv: NodeJS.ProcessEnv;
}

/** Runs every stage in order, as `docker build` does; the stages by name. */
export async function build(stages: readonly Stage[], options: BuildOptions): Promise<Map<string, BuiltStage>> {
  const built = new Map<string, BuiltStage>();
  for (const stage of stages) {
    const root = join(options.dir, stage.name);
    mkdirSync(root, { recursive: true });
    const s: BuiltStage = {
      ...{ name: stage.name, root, workdir: '/', env: {}, args: {}, user: undefined, expose: [] },
      ...{ healthcheck: undefined, cmd: undefined, log: [] },
    };
    for (const step of stage.steps) {
      const started = Date.now();
      await runStep(s, step, options, built);
      s.log.push({ line: step.line, step: `${step.op} ${step.args}`, ms: Date.now() - started });
    }
    built.set(stage.name, s);
  }
  return built;
}

async function runStep(
  s: BuiltStage,
  step: Instruction,
  options: BuildOptions,
  built: ReadonlyMap<string, BuiltStage>,
): Promise<void> {
  const vars = { ...s.args, ...s.env };
  switch (step.op) {
    case 'WORKDIR':
      s.workdir = posix.resolve(s.workdir, substitute(step.args, vars));
      mkdirSync(inStage(s.root, s.workdir, '.'), { recursive: true });
      return;
    case 'COPY':
      return copyStep(s, step, options, built);
    case 'RUN':
      return runCommand(s, step, options);
    case 'ENV':
      return envStep(s, step);
    case 'ARG': {
      const [name = '', ...value] = step.args.split('=');
      const fallback = value.length > 0 ? value.join('=') : undefined;
      const v = options.buildArgs[name] ?? fallback;
      if (v !== undefined) s.args[name] = v;
      return;
    }
    case 'USER':
      s.user = substitute(step.args, vars);
      return;
    case 'EXPOSE':
      s.expose.push(...words(step.args));
      return;
    case 'HEALTHCHECK': {
      const f = flags(step.args);
      if (f.rest.toUpperCase() === 'NONE') s.healthcheck = undefined;
      else if (!/^CMD\s/i.test(f.rest)) throw new Error(`line ${step.line}: HEALTHCHECK [flags] CMD command`);
      else s.healthcheck = { flags: f.flags, command: commandOf(f.rest.slice(4).trim()) };
      return;
    }
    case 'CMD':
      s.cmd = commandOf(step.args);
      return;
    default:
      throw new Error(`line ${step.line}: ${step.op} is not one of the steps this runner knows`);
  }
}

function copyStep(s: BuiltStage, step: Instruction, o: BuildOptions, built: ReadonlyMap<string, BuiltStage>): void {
  const f = flags(step.args);
  const parts = words(substitute(f.rest, { ...s.args, ...s.env }));
  const dest = parts.pop();
  if (dest === undefined || parts.length === 0) throw new Error(`line ${step.line}: COPY source... destination`);
  const from = f.flags['from'] === undefined ? undefined : built.get(f.flags['from']);
  if (f.flags['from'] !== undefined && !from) throw new Error(`line ${step.line}: no stage ${f.flags['from']}`);
  const destPath = inStage(s.root, s.workdir, dest);
  for (const src of parts) {
    if (/[*?[]/.test(src)) throw new Error(`line ${step.line}: wildcards in COPY sources are not supported here`);
    if (from) {
      const source = inStage(from.root, '/', src);
      copyInto(source, copyTarget(dest, destPath, source, parts.length));
      continue;
    }
    const rel = posix.normalize(src).replace(/^\.\/?|\/$/g, '');
    if (rel.startsWith('..')) throw new Error(`line ${step.line}: ${src} is outside the build context`);
    // Docker cannot see an ignored path: COPY of one fails.
    if (rel !== '' && o.ignored(rel)) throw new Error(`line ${step.line}: ${src} is in .dockerignore`);
    const source = join(o.context, rel);
    const skip = (r: string): boolean => o.ignored(rel === '' ? r : `${rel}/${r}`);
    copyInto(source, copyTarget(dest, destPath, source, parts.length), skip);
  }
}

async function runCommand(s: BuiltStage, step: Instruction, o: BuildOptions): Promise<void> {
  // --mount=type=cache (npm's cache): the machine's own npm cache stands for it.
  const command = commandOf(flags(step.args).rest);
  const r = await run(command, { cwd: inStage(s.root, s.workdir, '.'), env: { ...o.runEnv, ...s.args, ...s.env } });
  if (r.code !== 0) throw new Error(`line ${step.line}: ${command.join(' ')} exited ${r.code}:\n${r.output}`);
}

function envStep(s: BuiltStage, step: Instruction): void {
  const w = words(step.args);
  // The old form, ENV name value: one variable, the rest of the line its value.
  if (w.length > 0 && !w[0]!.includes('=')) {
    s.env[w[0]!] = substitute(step.args.slice(w[0]!.length).trim(), { ...s.args, ...s.env });
    return;
  }
  for (const pair of w) {
    const k = pair.indexOf('=');
    s.env[pair.slice(0, k)] = substitute(pair.slice(k + 1), { ...s.args, ...s.env });
  }
}
