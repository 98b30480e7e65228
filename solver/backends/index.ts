import type { SolverName } from '../../models/options.js';
import type { Backend } from './backend.js';
import { glpkBackend } from './glpk.js';
import { jslpBackend } from './jslp.js';
import { greedyBackend } from './greedy.js';

/** Every backend, by the name a request uses. Adding one is one adapter file and one line here. */
export const BACKENDS: Readonly<Record<SolverName, Backend>> = {
  glpk: glpkBackend,
  jslp: jslpBackend,
  greedy: greedyBackend,
};
