import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { AssignmentModel } from '../models/model.js';
import type { BackendName } from '../models/options.js';
import { formulate } from './formulate.js';
import { greedyPlan } from './greedy.js';
import { heuristicPlan } from './heuristic.js';
import { chainSearch, chainsApply } from './chains.js';
import { lns, lnsApplies } from './lns.js';
import { columnGeneration } from './colgen.js';
import { subsetSearch } from './subsets.js';
import { lagrangianBound, assignmentBound, roundBound, tighterBound } from './bounds.js';
import { verifyPlan } from './verify.js';
import { glpkLp, loadGlpk } from './backends/glpk.js';
import { loadHighs, solveWithHighs } from './backends/highs.js';
import type { BackendResult } from './backends/backend.js';
import { BACKENDS } from './backends/index.js';
import { greedyResult } from './backends/greedy.js';
import { separateCovers, withRows } from './cuts.js';
import type { IntegerProgram } from './ip.js';

/**
 * Runs in a worker thread (piscina). A solve posts what it learns as soon as it has it, so the main
 * thread can answer at the deadline with the best of it even if the exact backend never returns:
 *   {kind: 'greedy'}     the seed greedy plan (always first);
 *   {kind: 'model'}      size of the 0-1 program (again after root cuts);
 *   {kind: 'bound'}      a proven bound (each at least as tight as the last);
 *   {kind: 'incumbent'}  a complete plan from the heuristic or from the backend during its search;
 * and resolves with the backend's result. `stop` (a shared Int32Array cell) asks a running HiGHS
 * search to end early, when another backend of the portfolio has already proven the optimum.
 */
export interface WorkerTask {
  readonly model: AssignmentModel;
  readonly solver: BackendName;
  /** Epoch ms by which the backend must have returned. */
  readonly deadline: number;
  readonly mipGap: number;
  readonly port: MessagePort;
  readonly stop?: SharedArrayBuffer;
  /** Symmetry-aware formulation (default true). */
  readonly symmetry?: boolean;
  /** Largest estimated exact-solver memory (bytes) to attempt; above it only the heuristics answer. */
  readonly memoryBudgetBytes?: number;
  /**
   * In the portfolio, the GLPK worker's second job: after GLPK has had `lnsAfterShare` of the time without
   * a proof, it improves the best plan by large-neighbourhood search for the rest, taking better plans
   * the other worker found (HiGHS incumbents the main thread relays on this port) as it goes.
   */
  readonly relay?: MessagePort;
  readonly lnsAfterShare?: number;
}

/**
 * Rough memory an exact WebAssembly solve of this program needs (bytes). Calibrated on HiGHS, which
 * reached 1.5 GiB on a plain 100 × 1000 placement model (about 300 000 nonzeros): some 5 kB per nonzero.
 */
export function estimateSolverBytes(ip: IntegerProgram): number {
  let nnz = 0;
  for (const row of ip.rows) nnz += row.vars.length;
  return 64 * 2 ** 20 + 5_000 * nnz;
}

/** WebAssembly heaps are capped at 2 GiB; leave room for the module itself and fragmentation. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 1.75 * 2 ** 30;

export type PlanSource = BackendName | 'heuristic' | 'chains' | 'lns' | 'subsets';

/** Share of the search time after GLPK's turn that goes to the ejection-chain search (the rest to LNS). */
const CHAIN_SHARE = 0.5;
/** Its share where the node-subset search follows it instead (the chain search stalls within seconds there). */
const CHAIN_SHARE_BEFORE_SUBSETS = 0.3;
/** Column generation for the Dantzig–Wolfe bound gets this share of the search time, at most COLGEN_MAX_MS. */
const COLGEN_SHARE = 0.15;
const COLGEN_MAX_MS = 3_000;

export type WorkerMessage =
  | { readonly kind: 'greedy'; readonly assignment: Int32Array }
  | { readonly kind: 'model'; readonly size: ProgramSize; readonly unplaceable: readonly number[] }
  | { readonly kind: 'bound'; readonly bound: number; readonly method: string }
  | { readonly kind: 'incumbent'; readonly assignment: Int32Array; readonly source: PlanSource };

/** The size of the program solved, and of the plain 0-1 model it replaces. */
export interface ProgramSize {
  readonly variables: number;
  readonly constraints: number;
  readonly classes: number;
  readonly nodeGroups: number;
  readonly plain: { readonly variables: number; readonly constraints: number };
}

const sizeOf = (ip: IntegerProgram): ProgramSize => ({ variables: ip.varCost.length, constraints: ip.rows.length, classes: ip.classes.length, nodeGroups: ip.nodeGroups, plain: ip.plain });

export interface WorkerResult {
  readonly result: BackendResult;
  readonly solverMs: number;
  /** What produced the result's plan, when not the backend itself (a search run in its worker). */
  readonly source?: PlanSource;
}

/** Programs up to this many variables also get GLPK's LP relaxation (and root cuts) before the search. */
const LP_BOUND_MAX_VARIABLES = 20_000;
/** Cutting-plane rounds at the root, and the share of the time (and the most ms) they may take. */
const MAX_CUT_ROUNDS = 20;
const CUT_BUDGET_SHARE = 0.15;
const MAX_CUT_MS = 3000;
/** Share of the time (and the most ms) the regret + local search heuristic may take. */
const HEURISTIC_SHARE = 0.1;
const MAX_HEURISTIC_MS = 2000;
/** Reserve kept between the backend's own time limit and the deadline, for conversion and messaging (ms). */
const BACKEND_RESERVE_MS = 150;

const [, highs] = await Promise.all([loadGlpk(), loadHighs()]);

export default function solveTask(task: WorkerTask): WorkerResult {
  const { model, port, deadline } = task;
  const post = (msg: WorkerMessage): void => port.postMessage(msg);
  const remaining = (): number => deadline - Date.now();
  try {
    const greedy = greedyPlan(model);
    post({ kind: 'greedy', assignment: greedy });
    const ip = formulate(model, { symmetry: task.symmetry ?? true });
    post({ kind: 'model', size: sizeOf(ip), unplaceable: ip.unplaceable });
    if (ip.unplaceable.length > 0) return { result: { status: 'infeasible', note: 'some containers fit on no node' }, solverMs: 0 };
    // Nothing to place: the empty plan is optimal (GLPK refuses a program without columns).
    if (ip.m === 0) return { result: { status: 'optimal', assignment: new Int32Array(0), objective: 0, bound: 0 }, solverMs: 0 };

    const greedyCheck = verifyPlan(model, greedy, true);
    let heuristic: Int32Array | null = null;
    if (task.solver !== 'greedy' && remaining() > 4 * BACKEND_RESERVE_MS) {
      heuristic = heuristicPlan(model, greedyCheck.valid ? greedy : null, Date.now() + Math.min(MAX_HEURISTIC_MS, remaining() * HEURISTIC_SHARE));
      if (heuristic) post({ kind: 'incumbent', assignment: heuristic, source: 'heuristic' });
    }
    const heuristicCheck = heuristic ? verifyPlan(model, heuristic, true) : undefined;
    const target = heuristicCheck?.valid ? heuristicCheck.objective : greedyCheck.valid ? greedyCheck.objective : undefined;

    // Program values → model values (the offset holds the unplaced penalties), rounded on the safe side.
    const modelBound = (b: number): number => roundBound(ip, b + ip.offset);
    let bound = modelBound(assignmentBound(ip));
    const lagrangian = lagrangianBound(ip, target === undefined ? undefined : target - ip.offset, Date.now() + Math.min(500, remaining() * 0.1));
    bound = tighterBound(ip.sense, bound, modelBound(lagrangian)) ?? bound;
    post({ kind: 'bound', bound, method: 'lagrangian' });
    // The greedy setting answers with the plan already computed, beside the bound.
    if (task.solver === 'greedy') return { result: greedyResult(greedy), solverMs: 0 };

    // Root cutting planes for GLPK and jsLP (which have none of their own): LP, extended covers, again.
    let solved: IntegerProgram = ip;
    if (ip.varCost.length <= LP_BOUND_MAX_VARIABLES && task.solver !== 'highs') {
      const cutDeadline = Date.now() + Math.min(remaining() * CUT_BUDGET_SHARE, MAX_CUT_MS);
      for (let round = 0; round < MAX_CUT_ROUNDS && Date.now() < cutDeadline && remaining() > 4 * BACKEND_RESERVE_MS; round++) {
        const lp = glpkLp(solved, Math.max(1, cutDeadline - Date.now()));
        if (lp === undefined) break;
        const tighter = tighterBound(ip.sense, bound, modelBound(lp.z));
        if (tighter !== undefined && tighter !== bound) {
          bound = tighter;
          post({ kind: 'bound', bound, method: round === 0 ? 'lp' : 'lp+cuts' });
        }
        const cuts = separateCovers(solved, lp.x, solved.rows.length);
        if (cuts.length === 0) break;
        solved = withRows(solved, cuts);
      }
      if (solved !== ip) post({ kind: 'model', size: sizeOf(solved), unplaceable: [] });
    }

    const needed = estimateSolverBytes(solved);
    if (needed > (task.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES)) {
      return { result: { status: 'unknown', note: `the exact model needs about ${Math.round(needed / 2 ** 20)} MiB, more than the WebAssembly heap allows; answered with the heuristics and a Lagrangian bound` }, solverMs: 0 };
    }
    const started = Date.now();
    const budget = remaining() - BACKEND_RESERVE_MS;
    if (budget <= 0) return { result: { status: 'unknown', note: 'no time left for the exact solver' }, solverMs: 0 };
    const input = { model, ip: solved, timeLimitMs: budget, mipGap: task.mipGap };
    let result: BackendResult;
    if (task.solver === 'highs') {
      const stop = task.stop ? new Int32Array(task.stop) : undefined;
      result = solveWithHighs(input, {
        onProgress: (p) => {
          if (p.kind === 'incumbent' && p.assignment) post({ kind: 'incumbent', assignment: p.assignment, source: 'highs' });
          if (p.kind === 'bound' && p.bound !== undefined) {
            const tighter = tighterBound(ip.sense, bound, modelBound(p.bound));
            if (tighter !== undefined && tighter !== bound) {
              bound = tighter;
              post({ kind: 'bound', bound, method: 'highs' });
            }
          }
        },
        ...(stop ? { shouldStop: () => Atomics.load(stop, 0) !== 0 } : {}),
        ...(heuristicCheck?.valid && heuristic ? { start: heuristic } : {}),
      });
    } else if (task.solver === 'glpk' && task.relay && task.lnsAfterShare !== undefined && lnsApplies(model)) {
      result = BACKENDS.glpk.solve({ ...input, timeLimitMs: Math.max(1, Math.floor(budget * task.lnsAfterShare)) });
      if (result.status === 'feasible' || result.status === 'unknown') {
        const relay = task.relay;
        const latest = (): Int32Array | undefined => {
          let plan: Int32Array | undefined;
          for (let msg = receiveMessageOnPort(relay); msg !== undefined; msg = receiveMessageOnPort(relay)) plan = (msg.message as { assignment: Int32Array }).assignment;
          return plan;
        };
        // The best verified plan so far, each checked once.
        const sign = ip.sense === 'min' ? 1 : -1;
        let start: Int32Array | undefined;
        let startValue = Infinity;
        for (const p of [result.assignment, heuristicCheck?.valid ? heuristic : null, greedyCheck.valid ? greedy : null, latest()]) {
          if (!(p instanceof Int32Array)) continue;
          const v = verifyPlan(model, p, true);
          if (v.valid && sign * v.objective < startValue) {
            start = p;
            startValue = sign * v.objective;
          }
        }
        if (start) {
          const end = deadline - BACKEND_RESERVE_MS;
          // The Dantzig–Wolfe bound (undefined where it does not apply): on tightly packed instances well
          // above the LP bound HiGHS starts from. A failed LP leaves the bounds already proven.
          let cg: ReturnType<typeof columnGeneration>;
          try {
            cg = columnGeneration(highs, model, start, Date.now() + Math.min(COLGEN_MAX_MS, Math.max(0, end - Date.now()) * COLGEN_SHARE));
          } catch {
            cg = undefined;
          }
          const cgBound = cg && roundBound(ip, cg.bound);
          const tighter = tighterBound(ip.sense, bound, cgBound);
          if (tighter !== undefined && tighter !== bound) {
            bound = tighter;
            post({ kind: 'bound', bound, method: 'dantzig-wolfe' });
          }
          // Where column generation converged its multipliers drive the exact node-subset search, which
          // follows a shorter chain search in place of LNS.
          const subsets = cg?.converged === true;
          const searches: string[] = [];
          if (chainsApply(model)) {
            const chainEnd = Date.now() + Math.max(0, end - Date.now()) * (subsets ? CHAIN_SHARE_BEFORE_SUBSETS : CHAIN_SHARE);
            start = chainSearch(model, start, { deadline: chainEnd, poll: latest, onImprove: (plan) => post({ kind: 'incumbent', assignment: plan, source: 'chains' }) }) ?? start;
            searches.push('ejection-chain search');
          }
          const glpkNote = (what: string): string => `GLPK found no proof in ${Math.round(budget * task.lnsAfterShare!)} ms; ${what}`;
          if (subsets && cg) {
            searches.push('the Lagrangian node-subset search');
            const found = subsetSearch(model, start, cg.multipliers, { deadline: end, poll: latest, onImprove: (plan) => post({ kind: 'incumbent', assignment: plan, source: 'subsets' }) });
            if (found?.optimal) {
              const objective = verifyPlan(model, found.plan, true).objective;
              const note = glpkNote(`${searches.join(', then ')} proved the plan optimal (Lagrangian branch and bound over every node)`);
              // The bound is the plan's own objective, in the model's terms like the other results' bounds.
              return { result: { status: 'optimal', assignment: found.plan, objective, bound: modelBound(objective - ip.offset), note }, solverMs: Date.now() - started, source: 'subsets' };
            }
          } else {
            searches.push('large-neighbourhood search');
            lns(model, start, { deadline: end, poll: latest, onImprove: (plan) => post({ kind: 'incumbent', assignment: plan, source: 'lns' }) });
          }
          result = { ...result, note: glpkNote(`${searches.join(', then ')} used the rest`) };
        }
      }
    } else {
      result = BACKENDS[task.solver].solve(input);
    }
    const rounded = result.bound === undefined ? result : { ...result, bound: modelBound(result.bound) };
    return { result: rounded, solverMs: Date.now() - started };
  } finally {
    port.close();
  }
}
