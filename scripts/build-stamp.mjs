#!/usr/bin/env node
// The end of every build (`npm run build`, and `prepare` after `npm ci`): marks dist/ as built from the sources as
// they are now (scripts/build-if-stale.mjs compares the sources with this stamp), and makes the CLIs executable.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
mkdirSync(dist, { recursive: true });
for (const cli of ['cli/placement.js', 'cli/kubectl-placement.js']) chmodSync(join(dist, cli), 0o755);
writeFileSync(join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
