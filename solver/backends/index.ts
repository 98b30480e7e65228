import type { BackendName } from '../../models/options.js';
import type { Backend } from './backend.js';
import { glpkBackend } from './glpk.js';
import { jslpBackend } from './jslp.js';
import { greedyBackend } from './greedy.js';
import { highsBackend } from './highs.js';

/**
 * Every backend, by the name a request uses. Adding one: its adapter file, one line here, its name in
 * models/options.ts, and its claims in test/backends.test.ts (README, "How it is built").
 */
export const BACKENDS: Readonly<Record<BackendName, Backend>> = {
  glpk: glpkBackend,
  highs: highsBackend,
  jslp: jslpBackend,
  greedy: greedyBackend,
};
