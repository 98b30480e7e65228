import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What is running: this package's version, the commit it was built from when known (`GIT_COMMIT`, set by
 * the image build, or the repository's HEAD), and the versions of the solver packages. Read once.
 */
export interface VersionInfo {
  readonly name: string;
  readonly version: string;
  readonly commit: string | null;
  readonly node: string;
  readonly solvers: Readonly<Record<string, string>>;
}

/** The package root, from dist/planning/. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOLVER_PACKAGES = ['highs', 'glpk.js', 'javascript-lp-solver'] as const;

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** The git directory at the package root: `.git`, or where a worktree's `.git` file points. */
function gitDir(): string {
  const dot = join(ROOT, '.git');
  try {
    const link = /^gitdir: (.+)$/m.exec(readFileSync(dot, 'utf8'))?.[1];
    return link ? resolve(ROOT, link.trim()) : dot;
  } catch {
    return dot;
  }
}

/** HEAD of the repository at the package root, if there is one (a ref is looked up loose, then packed). */
function gitHead(): string | null {
  try {
    const dir = gitDir();
    const head = readFileSync(join(dir, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return /^[0-9a-f]{40}$/.test(head) ? head : null;
    // A worktree keeps its HEAD; its refs are in the common directory.
    let common = dir;
    try {
      common = resolve(dir, readFileSync(join(dir, 'commondir'), 'utf8').trim());
    } catch {
      // not a worktree
    }
    try {
      return readFileSync(join(common, ref), 'utf8').trim();
    } catch {
      const packed = readFileSync(join(common, 'packed-refs'), 'utf8');
      return (
        packed
          .split('\n')
          .find((l) => l.endsWith(` ${ref}`))
          ?.split(' ')[0] ?? null
      );
    }
  } catch {
    return null;
  }
}

/** A dependency's version (its package.json, which its `exports` may not list). */
function packageVersion(name: string): string {
  try {
    return String(readJson(join(ROOT, 'node_modules', name, 'package.json'))['version']);
  } catch {
    return 'unknown';
  }
}

let info: VersionInfo | undefined;

export function versionInfo(): VersionInfo {
  info ??= (() => {
    const own = readJson(join(ROOT, 'package.json'));
    const commit = process.env['GIT_COMMIT']?.trim() || gitHead();
    return {
      name: String(own['name']),
      version: String(own['version']),
      commit: commit || null,
      node: process.version,
      solvers: Object.fromEntries(SOLVER_PACKAGES.map((p) => [p, packageVersion(p)])),
    };
  })();
  return info;
}
