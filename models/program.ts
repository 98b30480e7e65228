import { z } from 'zod';
import './messages.js';
import { MAX_DECIMAL_PLACES, numberToPicoUnits } from './quantity.js';
import { SolveOptionsSchema } from './options.js';
import type { AssignmentModel, ResourceTable } from './model.js';
import { own } from './own.js';
import { INT64_MAX, sharedBigInt64From } from './shared.js';
import type { PathIssue } from './path.js';
import { keyedFromDense } from './pairs.js';

/**
 * A raw assignment program (the generalized assignment problem): the caller brings c_ij and r_ijk.
 * `cost` is nodes × containers; each demand resource is one number per container or a nodes × containers
 * matrix; each capacity resource has one number per node. Demands and capacities are non-negative,
 * at most 1e15, with at most 12 decimal places (they are converted to exact integers).
 */

/** Largest demand or capacity number accepted in a program. */
export const MAX_PROGRAM_NUMBER = 1e15;

const Amount = z
  .number()
  .min(0, 'must not be negative')
  .max(MAX_PROGRAM_NUMBER, `must be at most ${MAX_PROGRAM_NUMBER}`)
  .transform((v, ctx) => {
    const units = numberToPicoUnits(v);
    if (!units.ok) {
      ctx.addIssue({ code: 'custom', message: units.message });
      return z.NEVER;
    }
    return units.value;
  });

const Cost = z.number().refine(Number.isFinite, 'must be a finite number');

export const ProgramSchema = z
  .strictObject({
    cost: z.array(z.array(Cost)).min(1, 'at least one node (row) is required'),
    demand: z.record(z.string().min(1), z.union([z.array(Amount), z.array(z.array(Amount))])),
    capacity: z.record(z.string().min(1), z.array(Amount)),
    sense: z.enum(['min', 'max']).default('min'),
    options: SolveOptionsSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const n = p.cost.length;
    const m = p.cost[0]?.length ?? 0;
    p.cost.forEach((row, i) => {
      if (row.length !== m)
        ctx.addIssue({
          code: 'custom',
          path: ['cost', i],
          message: `every row must have ${m} entries (one per container), got ${row.length}`,
        });
    });
    for (const [name, d] of Object.entries(p.demand)) {
      if (!Object.hasOwn(p.capacity, name))
        ctx.addIssue({ code: 'custom', path: ['capacity', name], message: `missing: demand names resource "${name}"` });
      if (isMatrix(d)) {
        if (d.length !== n)
          ctx.addIssue({
            code: 'custom',
            path: ['demand', name],
            message: `a demand matrix must have one row per node (${n}), got ${d.length}`,
          });
        d.forEach((row, i) => {
          if (row.length !== m)
            ctx.addIssue({
              code: 'custom',
              path: ['demand', name, i],
              message: `must have one entry per container (${m}), got ${row.length}`,
            });
        });
      } else if (d.length !== m) {
        ctx.addIssue({
          code: 'custom',
          path: ['demand', name],
          message: `must have one entry per container (${m}), got ${d.length}`,
        });
      }
    }
    for (const [name, c] of Object.entries(p.capacity)) {
      if (c.length !== n)
        ctx.addIssue({
          code: 'custom',
          path: ['capacity', name],
          message: `must have one entry per node (${n}), got ${c.length}`,
        });
    }
  });

export type Program = z.infer<typeof ProgramSchema>;

function isMatrix(d: readonly bigint[] | readonly (readonly bigint[])[]): d is readonly (readonly bigint[])[] {
  return d.length > 0 && Array.isArray(d[0]);
}

/**
 * The fewest decimal places that hold every value exactly (values in 10^-12 units), and the values at that
 * scale; undefined when they do not all fit 64-bit integers at it.
 */
function atFewestDecimals(values: readonly bigint[]): { scale: number; values: bigint[] } | undefined {
  let scale = 0;
  for (const v of values) {
    let d = MAX_DECIMAL_PLACES;
    for (let x = v; d > scale && x % 10n === 0n; x /= 10n) d--;
    if (v !== 0n) scale = Math.max(scale, d);
  }
  const divisor = 10n ** BigInt(MAX_DECIMAL_PLACES - scale);
  const out = values.map((v) => v / divisor);
  return out.every((v) => v <= INT64_MAX) ? { scale, values: out } : undefined;
}

/** Resources whose numbers need more digits than exact 64-bit integers hold (→ 400, naming the resource). */
export function programRangeIssues(p: Program): PathIssue[] {
  return Object.keys(p.capacity).flatMap((name) => {
    const d = own(p.demand, name);
    if (atFewestDecimals([...(own(p.capacity, name) ?? []), ...(d === undefined ? [] : isMatrix(d) ? d.flat() : d)]))
      return [];
    return [
      {
        path: ['capacity', name],
        message:
          'these numbers and their decimal places need more than 18 significant ' +
          'digits together: they cannot all be exact 64-bit integers',
      },
    ];
  });
}

/** Compiles a validated program into the assignment model; nodes and containers are named by index. */
export function programToModel(p: Program): AssignmentModel {
  const n = p.cost.length;
  const m = p.cost[0]?.length ?? 0;
  const resources: ResourceTable[] = Object.keys(p.capacity)
    .sort()
    .map((name) => {
      const d = own(p.demand, name);
      const capacity = own(p.capacity, name) ?? [];
      const demand = d === undefined ? new Array<bigint>(m).fill(0n) : isMatrix(d) ? d.flat() : d;
      const exact = atFewestDecimals([...capacity, ...demand]);
      if (!exact) throw new Error(`internal error: resource ${name} was not checked by programRangeIssues`);
      return {
        name,
        scale: exact.scale,
        capacity: sharedBigInt64From(exact.values.slice(0, capacity.length)),
        demand: sharedBigInt64From(exact.values.slice(capacity.length)),
        perNode: d !== undefined && isMatrix(d),
      };
    });
  const dense = new Float64Array(n * m);
  p.cost.forEach((row, i) => row.forEach((c, j) => (dense[i * m + j] = c)));
  const cost = keyedFromDense(dense, n, m);
  return {
    kind: 'program',
    nodes: Array.from({ length: n }, (_, i) => String(i)),
    items: Array.from({ length: m }, (_, j) => String(j)),
    resources,
    cost,
    sense: p.sense,
  };
}
