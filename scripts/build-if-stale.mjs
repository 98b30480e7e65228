#!/usr/bin/env node
// `npm start` and the scripts that run the build: the build `npm ci` made (its `prepare`) is used as it is; it is
// rebuilt, once, only when a source file, tsconfig or package.json is newer than the last build's stamp. Plain
// JavaScript, so that it runs before anything is compiled. `npm run build` rebuilds whatever the stamp says.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(root, 'dist', '.build-stamp');
const SOURCES = ['server', 'solver', 'models', 'planning', 'jobs', 'cli', 'test', 'bench', 'web'];
const FILES = ['tsconfig.json', 'web/tsconfig.json', 'package.json', 'package-lock.json'];

/** The newest modification time (ms) of the TypeScript sources and the build's configuration. */
function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') visit(path);
      } else if (/\.(ts|mts|css|html)$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const d of SOURCES) visit(join(root, d));
  for (const f of FILES) newest = Math.max(newest, statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  return newest;
}

const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs;
if (built === undefined || newestSource() > built) {
  console.error(
    built === undefined
      ? 'optiplace: no build yet: building (npm run build)'
      : 'optiplace: sources changed since the last build: rebuilding (npm run build)',
  );
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
