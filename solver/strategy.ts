import { CAPABILITIES, CLAIM_WORDS, ENGINE_LABELS, ENGINE_NAMES } from './backends/capabilities.js';
import type { Capabilities, EngineName } from './backends/engine.js';

/**
 * The solve strategy as data: which engine does which job, chosen by what the engines can do (never by name),
 * and how the time is shared. docs/architecture.md shows both tables; a test checks that they agree with these.
 */

type Claim = Exclude<keyof Capabilities, 'maxVariables'>;

/** What each job needs of an engine: the first engine (in ENGINES order) that can do all of it does it. */
export const NEEDS = {
  /** The portfolio's lead: searches with incumbents and bounds, and stops at a checkpoint when the other wins. */
  lead: ['progress', 'mipBound', 'gracefulStop'],
  /** The LP whose optimum separates root cuts, for engines without cuts of their own. */
  rootLp: ['lp'],
  /** Sub-programs of LNS and of the conflict search: a proof or a plan by their time limit, from a start plan. */
  subprogram: ['stopsOnTime', 'warmStart'],
  /** The column-generation master: LPs with duals, changed in place, on time. */
  columns: ['lp', 'duals', 'incremental', 'stopsOnTime'],
  /** The LP relaxation of a large one-knapsack-per-node model, whose whole containers start a plan: duals, on time. */
  rounding: ['lp', 'duals', 'stopsOnTime'],
  /** The scale path: the aggregate LP with duals, its slack and pattern LPs changed in place, its branch and bound. */
  scale: ['lp', 'duals', 'incremental', 'stopsOnTime', 'progress', 'mipBound'],
} as const satisfies Record<string, readonly Claim[]>;

export type Job = keyof typeof NEEDS;

/** Whether an engine can do a job. */
export const able = (engine: EngineName, job: Job): boolean => NEEDS[job].every((claim) => CAPABILITIES[engine][claim]);

/** The claims a job needs that an engine lacks (empty when it can do the job). */
export const lacking = (engine: EngineName, job: Job): Claim[] =>
  NEEDS[job].filter((claim) => !CAPABILITIES[engine][claim]);

/** Why an engine does not do a job, in words: "GLPK cannot stop on time or …, which the scale path needs". */
export function cannot(engine: EngineName, job: Job, what: string): string {
  const words = lacking(engine, job).map((claim) => CLAIM_WORDS[claim]);
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : (words[0] ?? '');
  return `${ENGINE_LABELS[engine]} cannot ${list}, which ${what} needs`;
}

/**
 * The engine for a job: `preferred` (a solver the request pinned) when it can do it, else the first that can.
 * Throws when none can (a registry without such an engine is a build error, which the engine tests catch).
 */
export function engineFor(job: Job, preferred?: string): EngineName {
  const pinned = ENGINE_NAMES.find((e) => e === preferred);
  if (pinned && able(pinned, job)) return pinned;
  const engine = ENGINE_NAMES.find((e) => able(e, job));
  if (!engine) throw new Error(`internal error: no engine can do the ${job} job`);
  return engine;
}

/** The portfolio for `solver: "auto"`: the lead, and a partner that runs its own MIP and then the searches. */
export function portfolio(): { readonly lead: EngineName; readonly partner?: EngineName } {
  const lead = engineFor('lead');
  const partner = ENGINE_NAMES.find((e) => e !== lead && CAPABILITIES[e].maxVariables === Infinity);
  return { lead, ...(partner ? { partner } : {}) };
}

/**
 * The time of a solve, in one table. A `share` is of the time left when the step starts (of the search time for
 * the searches), a `maxMs` caps it; plain numbers are milliseconds.
 */
export const TIME = {
  /** Kept between an engine's own time limit and the deadline, for conversion and messages. */
  reserveMs: 150,
  /** The regret + local search heuristic, before the exact solve. */
  heuristic: { share: 0.1, maxMs: 2000 },
  /** The family of Kueue-style starts, sparing domains and emptying them with keepFree (solver/defragment.ts). */
  defragment: { share: 0.2, maxMs: 5000 },
  /** Ordering the change into waves (options.changes, solver/changes/order.ts): kept from the solve's time. */
  changes: { share: 0.25, maxMs: 10_000 },
  /** The Lagrangian bound (capacity rows relaxed), posted first. */
  lagrangian: { share: 0.1, maxMs: 500 },
  /** Root cutting planes for engines without their own: LP, extended covers, again, on programs up to maxVariables. */
  rootCuts: { share: 0.15, maxMs: 3000, rounds: 20, maxVariables: 20_000 },
  /** The portfolio's partner runs its own MIP for this share of the time, then the searches. */
  partnerMip: { share: 0.2 },
  /** How long the portfolio waits for a second thread to free up while nobody queues. */
  partnerWait: { share: 0.25, maxMs: 1000 },
  /** After a proof, how long a lead that stops gracefully may take to return before its thread is ended. */
  stopGraceMs: 100,
  /** Column generation for the Dantzig–Wolfe bound, of the search time. */
  columnGeneration: { share: 0.15, maxMs: 3000 },
  /** The capacity prices (search/prices.ts) where column generation gives no multipliers, of the search time. */
  prices: { share: 0.05, maxMs: 2000 },
  /**
   * The LP start (search/rounding.ts), of the search time: the LP and the completion of its split containers, the
   * completion at most completionMaxMs; on models of at most maxPairs fitting pairs.
   */
  lpStart: { share: 0.3, maxMs: 15_000, completionMaxMs: 3000, maxPairs: 200_000 },
  /** The ejection chains, of the search time: before LNS, and before the node-subset search (which needs more). */
  chains: { share: 0.5, beforeSubsets: 0.3 },
  /** Each LNS sub-program at most. */
  lnsStepMs: 2000,
  scale: {
    /** The aggregate LP (the first bound and the first counts) at most. */
    lp: 0.6,
    /** The knapsacks per node group (lagrange.ts: a bound above the LP's, for cost), of the time after the LP. */
    knapsacks: 0.1,
    /** The LPs with room (slack.ts), of the time after the first plan. */
    slack: 0.25,
    /** The LPs with room for what the packing stranded (slack.ts feedbackTrials), of the time after those. */
    feedback: 0.4,
    /** The aggregate branch and bound runs only with this much left, and gets this share where patterns follow. */
    minMipMs: 200,
    /**
     * ...and only with this many times the aggregate LP's time left: HiGHS checks its time limit between the
     * steps of its root node (presolve, LP, cuts), which on an aggregate of 160 000 pairs whose LP takes 3.3 s
     * took 15 s in all against a limit of 6 s (in the service, beside a second solver thread, the LP takes longer
     * and 6 times its time still overran).
     */
    mipPerLp: 8,
    mipBeforePatterns: 0.15,
    /** The branch and bound alone (second thread, pack) leaves this for packing its last counts (most of both). */
    mipAloneReserve: { minMs: 4000, share: 0.15 },
    /**
     * What improves the best plan last (emptying nodes for pack, empty.ts; the LPs for stranded room where the
     * branch and bound does not follow, slack.ts) stops this long before the deadline, for the plan's verification.
     */
    endReserveMs: 300,
    /**
     * For cost, the moves to where containers cost less (descent.ts), of the time left when the LPs for stranded
     * room start, where nothing else follows them (seed 1: 246 moves in 4.4 s took a plan from 0.19% to 0.11%); and
     * of the time left before the aggregate branch and bound, where it runs.
     */
    descent: 0.3,
    /** The pattern search runs only with this much left; of its time, full bins, generation and the dives. */
    minPatternMs: 500,
    patterns: { fullBins: 0.5, generate: 0.4, dive: 0.4, carefulDive: 0.6 },
    /** Time kept for packing the last counts, as a multiple of how long one packing took. */
    packReserveFactor: 2,
    /** The exchanges after packing a group's counts. */
    exchangeMs: 500,
    /** With this much left (+ 20 µs per container) the greedy comes after the first bound, in the same thread. */
    greedyAfterBoundMs: 5000,
  },
} as const;
