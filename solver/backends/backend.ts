import type { AssignmentModel } from '../../models/model.js';
import type { BackendName } from '../../models/options.js';
import { assignmentFromValues, valuesFromAssignment, type IntegerProgram } from '../ip.js';
import type { Engine } from './engine.js';

/**
 * One small interface for every way of producing a plan. Outcomes are values, never exceptions:
 * - optimal: proven optimal (with mipGap 0);
 * - feasible: a complete plan, optimality not proven (time limit or mipGap);
 * - infeasible: proven that no plan places every container;
 * - unknown: no complete plan and no proof (e.g. time limit before any incumbent).
 */
export type BackendStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface BackendResult {
  readonly status: BackendStatus;
  /** Node index per container (-1 unplaced); present for optimal and feasible. */
  readonly assignment?: Int32Array;
  /**
   * Objective as the backend reports it, in the program's terms (the worker adds the offset; the verifier recomputes
   * it).
   */
  readonly objective?: number;
  /** A bound the backend itself proved, in the program's sense. */
  readonly bound?: number;
  /** The engine proved the plan within the requested mipGap (status feasible): as decisive as a proof. */
  readonly withinGap?: boolean;
  readonly note?: string;
}

export interface SolveInput {
  readonly model: AssignmentModel;
  readonly ip: IntegerProgram;
  /** Wall-clock milliseconds this backend may use. */
  readonly timeLimitMs: number;
  /** Relative gap at which an exact backend may stop; 0 means prove optimality. */
  readonly mipGap: number;
}

/**
 * What a backend may do during its search, each optional; `Backend.hooks` says which it honours (a
 * backend ignores the rest). Plans are in model item order; bounds in the program's terms.
 */
export interface SolveHooks {
  /** Each better complete plan found during the search. */
  readonly onIncumbent?: (assignment: Int32Array) => void;
  /** Each better proven bound found during the search. */
  readonly onBound?: (bound: number) => void;
  /** Polled at the backend's checkpoints: true asks it to stop and return what it has. */
  readonly shouldStop?: () => boolean;
  /** A complete plan to start from (its objective becomes the cutoff). */
  readonly start?: Int32Array;
}

export type HookName = keyof SolveHooks;

export interface Backend {
  readonly name: BackendName;
  /** The hooks this backend honours. */
  readonly hooks: readonly HookName[];
  solve(input: SolveInput, hooks?: SolveHooks): BackendResult;
}

/**
 * The result for a program without variables: every container unplaced (feasible only when containers may stay
 * out, and then optimal), or infeasible.
 */
export function emptyProgramResult(ip: IntegerProgram): BackendResult {
  if (ip.m > 0 && !ip.allowUnplaced) return { status: 'infeasible', note: 'no container can be placed anywhere' };
  return { status: 'optimal', assignment: new Int32Array(ip.m).fill(-1), objective: 0, bound: 0 };
}

/** The hooks an engine honours, from what it can do. */
function hooksOf(engine: Engine): HookName[] {
  const { can } = engine;
  return [
    ...(can.progress ? (['onIncumbent', 'onBound'] as const) : []),
    ...(can.gracefulStop ? (['shouldStop'] as const) : []),
    ...(can.warmStart ? (['start'] as const) : []),
  ];
}

/**
 * An engine as a placement backend: the program held, the start plan given where the engine takes one, its
 * solutions and bounds reported as plans and bounds, and its outcome as a result. A proof at a positive mipGap
 * is a feasible plan with the engine's bound, not an optimal one.
 */
export function engineBackend(engine: Engine): Backend {
  return {
    name: engine.name,
    hooks: hooksOf(engine),
    solve({ ip, timeLimitMs, mipGap }: SolveInput, hooks: SolveHooks = {}): BackendResult {
      if (ip.varCost.length === 0) return emptyProgramResult(ip);
      const held = engine.hold(ip);
      try {
        if (hooks.start && engine.can.warmStart) held.setStart(valuesFromAssignment(ip, hooks.start));
        const { onIncumbent, onBound, shouldStop } = hooks;
        const s = held.solve(
          { timeLimitMs, mipGap },
          {
            ...(onIncumbent ? { onSolution: (x: Float64Array) => onIncumbent(assignmentFromValues(ip, x)) } : {}),
            ...(onBound ? { onBound } : {}),
            ...(shouldStop ? { shouldStop } : {}),
          },
        );
        const plan = s.x ? { assignment: assignmentFromValues(ip, s.x) } : {};
        const facts = {
          ...plan,
          ...(s.objective === undefined ? {} : { objective: s.objective }),
          ...(s.bound === undefined ? {} : { bound: s.bound }),
        };
        if (s.status === 'optimal' && mipGap > 0)
          return { ...facts, status: 'feasible', withinGap: true, note: 'stopped within mipGap' };
        return { ...facts, status: s.status, ...(s.note ? { note: s.note } : {}) };
      } finally {
        held.dispose();
      }
    },
  };
}
