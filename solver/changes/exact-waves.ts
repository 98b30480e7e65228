import { demandUnits, type AssignmentModel, type DisruptionBudget } from '../../models/model.js';
import { ENGINES } from '../backends/index.js';
import type { Row } from '../ip.js';
import type { LinearProgram } from '../lpformat.js';
import { engineFor } from '../strategy.js';
import { waveOf } from './greedy-waves.js';
import type { Wave } from './replay.js';
import { usageOf, type ChangeSet } from './units.js';

/** What the wave program proved: the fewest waves (a plan in that many, to replay) or a bound on them. */
export interface ExactWaves {
  /** Waves the program found (fewest, where `proven`). */
  readonly waves?: Wave[];
  /** The fewest waves any safe order needs, proven (at least 1 when anything changes). */
  readonly bound: number;
  readonly proven: boolean;
}

/**
 * The wave program (docs/changes.md): x_{u,t} = 1 when unit u changes in wave t ≤ T (T = the heuristic's waves
 * less one; written over cumulative columns, see waveProgram), y_t = 1 when wave t is used; minimise Σ y_t s.t.
 * - each unit in one wave: Σ_t x_{u,t} = 1; a wave used after every unit in it: Σ_u x_{u,t} ≤ U y_t, y_t ≥ y_{t+1};
 * - each budget k in each wave t: Σ_u d_uk x_{u,t} ≤ allowed_k, d_uk the unit's healthy containers that k counts
 *   (where pods join or leave k for good, allowed_k follows its healthy count through a binary w_kt);
 * - each node i and resource r after each wave t < T: Σ_u (in_uir − out_uir) Σ_{t' ≤ t} x_{u,t'} ≤ cap_ir − used_ir.
 * Rules between containers are left out, so the program is a relaxation: its optimum bounds the waves of every
 * safe order, and its plan is kept only when the replay verifier passes it. Undefined where the units' demands
 * are past exact doubles.
 */
export function exactWaves(
  model: AssignmentModel,
  set: ChangeSet,
  budgets: readonly DisruptionBudget[],
  most: number,
  deadline: number,
): ExactWaves | undefined {
  if (most < 1) return undefined;
  const program = waveProgram(model, set, budgets, most);
  if (!program) return undefined;
  const held = ENGINES[engineFor('lead')].hold(program);
  try {
    const s = held.solve({ timeLimitMs: Math.max(1, deadline - Date.now()) });
    if (s.status === 'infeasible') return { bound: most + 1, proven: true };
    const bound = Math.max(1, Math.ceil((s.bound ?? 1) - 1e-6));
    if (!s.x) return { bound, proven: false };
    return { waves: wavesOf(set, s.x, most), bound, proven: s.status === 'optimal' };
  } finally {
    held.dispose();
  }
}

function wavesOf(set: ChangeSet, z: Float64Array, most: number): Wave[] {
  const byWave = Array.from({ length: most }, () => [] as number[]);
  set.units.forEach((_, u) => {
    const t = range(most).find((s) => z[u * most + s]! > 0.5) ?? most - 1;
    byWave[t]!.push(u);
  });
  return byWave
    .filter((us) => us.length > 0)
    .map((us) =>
      waveOf(
        set,
        us.map((u) => set.units[u]!),
      ),
    );
}

/** Most nonzeros the wave program is built with (past it, the bound is the budgets' count alone). */
export const MAX_WAVE_NONZEROS = 500_000;

/**
 * The rows of the wave program over cumulative columns z_{u,t} = 1 when unit u has changed by wave t (x_{u,t} =
 * z_{u,t} − z_{u,t−1}), at u·T + t; then y_t; then the budgets' w_kt. Undefined past MAX_WAVE_NONZEROS.
 */
function waveProgram(
  model: AssignmentModel,
  set: ChangeSet,
  budgets: readonly DisruptionBudget[],
  most: number,
): LinearProgram | undefined {
  const U = set.units.length;
  const y = U * most;
  const rows: Row[] = [];
  let nonzeros = 0;
  const row = (name: string, op: 'eq' | 'le', rhs: number, terms: [number, number][]): void => {
    // A column may come twice (a unit's wave and its earlier gain): one coefficient each, as engines need.
    const merged = new Map<number, number>();
    for (const [v, c] of terms) merged.set(v, (merged.get(v) ?? 0) + c);
    const kept = [...merged].filter(([, c]) => c !== 0);
    nonzeros += kept.length;
    rows.push({
      name,
      kind: 'rule',
      op,
      rhs,
      vars: Int32Array.from(kept, ([v]) => v),
      coefs: Float64Array.from(kept, ([, c]) => c),
    });
  };
  for (let u = 0; u < U; u++) {
    row(`done_${u}`, 'eq', 1, [[u * most + most - 1, 1]]);
    for (let t = 0; t + 1 < most; t++)
      row(`mono_${u}_${t}`, 'le', 0, [
        [u * most + t, 1],
        [u * most + t + 1, -1],
      ]);
  }
  for (let t = 0; t < most; t++) {
    row(`used_${t}`, 'le', 0, [...range(U).flatMap((u) => inWave(u, t, most, 1)), [y + t, -U]]);
    if (t + 1 < most)
      row(`order_${t}`, 'le', 0, [
        [y + t + 1, 1],
        [y + t, -1],
      ]);
  }
  const extra = budgetRows(set, budgets, most, y + most, row);
  if (!capacityRows(model, set, most, row) || nonzeros > MAX_WAVE_NONZEROS) return undefined;
  const columns = y + most + extra;
  const varCost = new Float64Array(columns);
  for (let t = 0; t < most; t++) varCost[y + t] = 1;
  return { sense: 'min', varCost, varUpper: new Float64Array(columns).fill(1), rows, continuous: [] };
}

/** x_{u,t} · c as terms of the cumulative columns: c z_{u,t} − c z_{u,t−1}. */
const inWave = (u: number, t: number, most: number, c: number): [number, number][] =>
  t === 0
    ? [[u * most, c]]
    : [
        [u * most + t, c],
        [u * most + t - 1, -c],
      ];

type AddRow = (name: string, op: 'eq' | 'le', rhs: number, terms: [number, number][]) => void;

const range = (n: number): number[] => Array.from({ length: n }, (_, k) => k);

/** Each budget's rows; the number of w columns added from `first`. */
function budgetRows(set: ChangeSet, budgets: readonly DisruptionBudget[], most: number, first: number, row: AddRow) {
  let w = first;
  budgets.forEach((b, k) => {
    const healthy = new Set(b.healthy);
    const counted = new Set(b.items);
    const d = set.units.map((unit) => unit.items.filter((j) => healthy.has(j)).length);
    // Pods that join the budget's healthy ones (bound, from pending or unhealthy) or leave it (taken out) move its
    // allowance.
    const gain = set.units.map((unit) =>
      unit.items.reduce((t, j) => {
        if (!counted.has(j)) return t;
        if (!healthy.has(j) && set.target[j]! >= 0) return t + 1;
        return healthy.has(j) && set.target[j]! < 0 ? t - 1 : t;
      }, 0),
    );
    if (d.every((x) => x === 0)) return;
    for (let t = 0; t < most; t++) {
      const down = set.units.flatMap((_, u): [number, number][] => (d[u]! > 0 ? inWave(u, t, most, d[u]!) : []));
      if (b.expected <= 0 || gain.every((g) => g === 0)) {
        row(`budget_${k}_${t}`, 'le', b.expected <= 0 ? 0 : b.allowed, down);
        continue;
      }
      const big = b.items.length + set.units.length;
      const before = set.units.flatMap((_, u): [number, number][] =>
        t > 0 && gain[u] !== 0 ? [[u * most + t - 1, -gain[u]!]] : [],
      );
      row(`budget_on_${k}_${t}`, 'le', 0, [...down, [w, -big]]);
      row(`budget_${k}_${t}`, 'le', b.healthy.length - b.desiredHealthy + big, [...down, ...before, [w, big]]);
      w++;
    }
  });
  return w - first;
}

/** Each node's capacity after each wave but the last (false where a demand is past exact doubles). */
function capacityRows(model: AssignmentModel, set: ChangeSet, most: number, row: AddRow): boolean {
  const m = model.items.length;
  const used = usageOf(model, set.start);
  const net = model.resources.map(() => new Map<number, Map<number, bigint>>());
  set.units.forEach((unit, u) => {
    for (const j of unit.items)
      model.resources.forEach((r, k) => {
        const add = (i: number, v: bigint): void => {
          const byUnit = net[k]!.get(i) ?? new Map<number, bigint>();
          byUnit.set(u, (byUnit.get(u) ?? 0n) + v);
          net[k]!.set(i, byUnit);
        };
        if (set.target[j]! >= 0) add(set.target[j]!, demandUnits(r, set.target[j]!, j, m));
        if (set.start[j]! >= 0) add(set.start[j]!, -demandUnits(r, set.start[j]!, j, m));
      });
  });
  const exact = (v: bigint): boolean => v <= 2n ** 52n && v >= -(2n ** 52n);
  for (const [k, r] of model.resources.entries())
    for (const [i, byUnit] of net[k]!) {
      if (![...byUnit.values()].some((v) => v > 0n)) continue;
      const room = (r.capacity[i] ?? 0n) - used[k]![i]!;
      if (!exact(room) || [...byUnit.values()].some((v) => !exact(v))) return false;
      for (let t = 0; t + 1 < most; t++) {
        const terms = [...byUnit].map(([u, v]): [number, number] => [u * most + t, Number(v)]);
        row(`cap_${k}_${i}_${t}`, 'le', Number(room), terms);
      }
    }
  return true;
}
