import type { BackendName } from '../../models/options.js';
import { engineBackend, type Backend } from './backend.js';
import type { Engine, EngineName } from './engine.js';
import { glpkEngine } from './glpk.js';
import { greedyBackend } from './greedy.js';
import { highsEngine } from './highs.js';
import { jslpEngine } from './jslp.js';

export { greedyResult } from './greedy.js';

/**
 * Every engine (solver library), in the order the strategy prefers them when several can do a job (strategy.ts).
 * Adding one: its adapter file here, one line below, its name in models/options.ts and EngineName, and its claims
 * in test/unit/engines.test.ts (docs/architecture.md, "Add an engine").
 */
export const ENGINES: Readonly<Record<EngineName, Engine>> = {
  glpk: glpkEngine,
  highs: highsEngine,
  jslp: jslpEngine,
};

/** The engines in order. */
export const ENGINE_LIST: readonly Engine[] = Object.values(ENGINES);

/** Every backend, by the name a request uses: each engine, and the seed greedy. */
export const BACKENDS: Readonly<Record<BackendName, Backend>> = {
  glpk: engineBackend(glpkEngine),
  highs: engineBackend(highsEngine),
  jslp: engineBackend(jslpEngine),
  greedy: greedyBackend,
};

/** Loads every engine's library in this thread. */
export async function loadEngines(): Promise<void> {
  await Promise.all(ENGINE_LIST.map((e) => e.load()));
}
