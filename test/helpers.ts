import { verifyPlan, type Verification } from '../solver/verify.js';
import { greedyPlan } from '../solver/greedy.js';
import { heuristicPlan } from '../solver/heuristic.js';
import { gapToProgram, parseGapFile, parseKnownValues } from '../bench/orlib.js';
import { readFileSync, readdirSync } from 'node:fs';
import { rngFor } from '../bench/random.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { costOf, isBlocked, type AssignmentModel } from '../models/model.js';
import { validateProgram, validateSnapshot, type ProblemLimits, type Validated } from '../models/validate.js';
import { planner } from '../planning/planner.js';
import { prepare } from '../planning/prepare.js';
import { answer } from '../planning/usecases.js';
import type { SolverPool } from '../solver/pool.js';

/** The repository root, from dist/test/. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function fixturePath(...parts: string[]): string {
  return join(ROOT, 'fixtures', ...parts);
}

/** Named JSON cases of one fixtures folder, in file-name order. */
export function loadCases<T>(folder: string): (T & { file: string })[] {
  const dir = fixturePath(folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as T), file }));
}

function unwrap(v: Validated): Extract<Validated, { ok: true }> {
  if (!v.ok) throw new Error(`fixture is invalid: ${JSON.stringify(v.issues)}`);
  return v;
}

export const snapshot = (body: unknown): Extract<Validated, { ok: true }> => unwrap(validateSnapshot(body));
export const program = (body: unknown): Extract<Validated, { ok: true }> => unwrap(validateProgram(body));

/** Deterministic pseudo-random numbers, so random instances are the same every run. */
export { rngFor as rng };

/**
 * The smallest plain program: 2 nodes × 2 containers, costs [[1, 2], [2, 1]], demand 1 of each named
 * resource everywhere, capacity 2 (for where-it-applies checks).
 */
export function twoByTwo(resources: readonly string[] = ['load']): AssignmentModel {
  const each = <T>(value: () => T): Record<string, T> => Object.fromEntries(resources.map((r) => [r, value()]));
  return program({
    cost: [
      [1, 2],
      [2, 1],
    ],
    demand: each(() => [
      [1, 1],
      [1, 1],
    ]),
    capacity: each(() => [2, 2]),
  }).model;
}

/** Uniform integers in [lo, hi] drawn from `r` (for seeded random instances). */
export function intsFrom(r: () => number): (lo: number, hi: number) => number {
  return (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
}

/** OR-Library instance `index` (from 1) of a gap file as a minimisation, its published value and the heuristic plan. */
export function orlibMinimum(file: string, index: number) {
  const v = program(
    gapToProgram(parseGapFile(readFileSync(fixturePath('gap', file), 'utf8'), true)[index - 1]!, 'min'),
  );
  const published = parseKnownValues(readFileSync(fixturePath('gap', 'known-values.csv'), 'utf8')).find(
    (x) => x.file === file && x.index === index && x.sense === 'min',
  )!.value;
  return { model: v.model, published, start: heuristicPlan(v.model, greedyPlan(v.model), Date.now() + 200)! };
}

/**
 * Random single-resource instance `index` of a seeded family (2–4 nodes, 3–8 containers, costs 0–40,
 * demands 2–12, capacities 10–24; every third a maximisation), with its brute-force optimum and worst
 * plan; null when no plan fits.
 */
export function randomSingleResource(base: number, index: number) {
  const int = intsFrom(rngFor(base + index));
  const n = int(2, 4);
  const m = int(3, 8);
  const matrix = (lo: number, hi: number): number[][] =>
    Array.from({ length: n }, () => Array.from({ length: m }, () => int(lo, hi)));
  const sense = index % 3 === 2 ? ('max' as const) : ('min' as const);
  const { model } = program({
    cost: matrix(0, 40),
    demand: { load: matrix(2, 12) },
    capacity: { load: Array.from({ length: n }, () => int(10, 24)) },
    sense,
  });
  const exact = bruteForcePlan(model);
  if (!exact) return null;
  const worst = bruteForcePlan({ ...model, sense: sense === 'min' ? 'max' : 'min' })!;
  return { model, m, sense, exact, worst };
}

/** Brute force: the best objective over every complete assignment (tiny models only), or null if none fits. */
export function bruteForce(model: AssignmentModel): number | null {
  return bruteForcePlan(model)?.objective ?? null;
}

/**
 * The optimum by enumeration, with the plan. Capacities prune the search; with placement rules every
 * complete leaf goes through the independent verifier (blocked pairs, group rules, unplaced penalties),
 * so the check shares no code with the formulation. With `worseThan`, only plans strictly worse than it
 * count (the runner-up, given the optimum). `visit` sees every plan that verifies (with rules).
 */
export function bruteForcePlan(
  model: AssignmentModel,
  worseThan?: number,
  visit?: (plan: Int32Array, v: Verification) => void,
): { objective: number; plan: Int32Array } | null {
  const n = model.nodes.length;
  const m = model.items.length;
  const used = model.resources.map(() => new Array<bigint>(n).fill(0n));
  let best: { objective: number; plan: Int32Array } | null = null;
  const better = (a: number, b: number | undefined): boolean =>
    (worseThan === undefined || (model.sense === 'min' ? a > worseThan + 1e-12 : a < worseThan - 1e-12)) &&
    (b === undefined || (model.sense === 'min' ? a < b - 1e-12 : a > b + 1e-12));
  const plan = new Int32Array(m).fill(-1);
  const first = model.rules?.unplacedPenalty ? -1 : 0;
  const go = (j: number, z: number): void => {
    if (j === m) {
      if (model.rules || model.objective) {
        const v = verifyPlan(model, plan, true);
        if (v.valid) visit?.(plan, v);
        if (v.valid && better(v.objective, best?.objective)) best = { objective: v.objective, plan: plan.slice() };
      } else if (better(z, best?.objective)) best = { objective: z, plan: plan.slice() };
      return;
    }
    for (let i = first; i < n; i++) {
      plan[j] = i;
      if (i < 0) {
        go(j + 1, z);
        continue;
      }
      if (isBlocked(model, i, j)) continue;
      let fits = true;
      model.resources.forEach((r, k) => {
        const d = r.perNode ? r.demand[i * m + j]! : r.demand[j]!;
        if (used[k]![i]! + d > r.capacity[i]!) fits = false;
      });
      if (!fits) continue;
      model.resources.forEach((r, k) => (used[k]![i]! += r.perNode ? r.demand[i * m + j]! : r.demand[j]!));
      go(j + 1, z + costOf(model, i, j));
      model.resources.forEach((r, k) => (used[k]![i]! -= r.perNode ? r.demand[i * m + j]! : r.demand[j]!));
    }
    plan[j] = -1;
  };
  go(0, 0);
  return best;
}

/** A capacity question answered by its use case, as POST /v1/capacity and `placement capacity` answer it. */
export async function answerCapacity(
  body: unknown,
  ctx: { pool: SolverPool; limits: ProblemLimits },
): Promise<Record<string, unknown>> {
  const p = planner({ pool: ctx.pool, limits: ctx.limits, prepare: async (req) => prepare(req) });
  try {
    const a = await answer(p, { route: 'capacity', body: { parsed: body }, arrival: Date.now() });
    if (a.kind !== 'json') throw new Error('a capacity question answers with JSON');
    return a.json;
  } finally {
    p.close();
  }
}

/** A small snapshot the tests evaluate plans against. */
export const EVAL = {
  nodes: [
    { name: 'a', capacity: { cpu: 4 } },
    { name: 'b', capacity: { cpu: 4 } },
  ],
  containers: [
    { name: 'x', requests: { cpu: 3 } },
    { name: 'y', requests: { cpu: 2 } },
    { name: 'z', requests: { cpu: 1 } },
  ],
  costs: {
    matrix: [
      [1, 2, 3],
      [2, 2, 1],
    ],
  },
};
