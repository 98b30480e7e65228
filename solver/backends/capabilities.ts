import type { Capabilities, EngineName } from './engine.js';

/**
 * What each engine can do, in the order the strategy prefers them when several can do a job (solver/strategy.ts).
 * A table of its own, without the libraries, so that the main thread can plan a solve without loading any of
 * them; each adapter declares its row here (`can`), and test/unit/engines.test.ts checks every claim against it.
 */
export const CAPABILITIES: Readonly<Record<EngineName, Capabilities>> = {
  glpk: {
    lp: true,
    duals: true,
    stopsOnTime: false,
    gracefulStop: false,
    progress: false,
    mipBound: false,
    warmStart: false,
    incremental: false,
    ownCuts: false,
    maxVariables: Infinity,
  },
  highs: {
    lp: true,
    duals: true,
    stopsOnTime: true,
    gracefulStop: true,
    progress: true,
    mipBound: true,
    warmStart: true,
    incremental: true,
    ownCuts: true,
    maxVariables: Infinity,
  },
  // Small programs and cross-checks: its timeout is checked only between branch-and-bound nodes.
  jslp: {
    lp: true,
    duals: false,
    stopsOnTime: false,
    gracefulStop: false,
    progress: false,
    mipBound: false,
    warmStart: false,
    incremental: false,
    ownCuts: false,
    maxVariables: 2_000,
  },
};

/** The engines' names in preference order. */
export const ENGINE_NAMES = Object.keys(CAPABILITIES) as EngineName[];

/** What each claim means, in the words of the answers' notes ("GLPK cannot …"). */
export const CLAIM_WORDS: Readonly<Record<Exclude<keyof Capabilities, 'maxVariables'>, string>> = {
  lp: 'solve linear programs',
  duals: 'report row duals',
  stopsOnTime: 'stop on time',
  gracefulStop: 'stop when asked',
  progress: 'report plans and bounds while it searches',
  mipBound: 'prove a bound when stopped',
  warmStart: 'start from a plan',
  incremental: 'change a program in place',
  ownCuts: 'cut planes of its own',
};

/** Each engine's name in the answers' notes. */
export const ENGINE_LABELS: Readonly<Record<EngineName, string>> = {
  glpk: 'GLPK',
  highs: 'HiGHS',
  jslp: 'javascript-lp-solver',
};
