import { z } from 'zod';
import { MAX_DECIMAL_PLACES, numberToPicoUnits } from './quantity.js';
import { SolveOptionsSchema } from './options.js';
import type { AssignmentModel, ResourceTable } from './model.js';

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
      if (row.length !== m) ctx.addIssue({ code: 'custom', path: ['cost', i], message: `every row must have ${m} entries (one per container), got ${row.length}` });
    });
    for (const [name, d] of Object.entries(p.demand)) {
      if (!(name in p.capacity)) ctx.addIssue({ code: 'custom', path: ['capacity', name], message: `missing: demand names resource "${name}"` });
      if (isMatrix(d)) {
        if (d.length !== n) ctx.addIssue({ code: 'custom', path: ['demand', name], message: `a demand matrix must have one row per node (${n}), got ${d.length}` });
        d.forEach((row, i) => {
          if (row.length !== m) ctx.addIssue({ code: 'custom', path: ['demand', name, i], message: `must have one entry per container (${m}), got ${row.length}` });
        });
      } else if (d.length !== m) {
        ctx.addIssue({ code: 'custom', path: ['demand', name], message: `must have one entry per container (${m}), got ${d.length}` });
      }
    }
    for (const [name, c] of Object.entries(p.capacity)) {
      if (c.length !== n) ctx.addIssue({ code: 'custom', path: ['capacity', name], message: `must have one entry per node (${n}), got ${c.length}` });
    }
  });

export type Program = z.infer<typeof ProgramSchema>;

function isMatrix(d: readonly bigint[] | readonly (readonly bigint[])[]): d is readonly (readonly bigint[])[] {
  return d.length > 0 && Array.isArray(d[0]);
}

/** Compiles a validated program into the assignment model; nodes and containers are named by index. */
export function programToModel(p: Program): AssignmentModel {
  const n = p.cost.length;
  const m = p.cost[0]?.length ?? 0;
  const resources: ResourceTable[] = Object.keys(p.capacity)
    .sort()
    .map((name) => {
      const d = p.demand[name];
      const capacity = p.capacity[name] ?? [];
      if (d === undefined) return { name, scale: MAX_DECIMAL_PLACES, capacity, demand: new Array<bigint>(m).fill(0n), perNode: false };
      return isMatrix(d)
        ? { name, scale: MAX_DECIMAL_PLACES, capacity, demand: d.flat(), perNode: true }
        : { name, scale: MAX_DECIMAL_PLACES, capacity, demand: d, perNode: false };
    });
  return {
    kind: 'program',
    nodes: Array.from({ length: n }, (_, i) => String(i)),
    items: Array.from({ length: m }, (_, j) => String(j)),
    resources,
    cost: p.cost.flat(),
    sense: p.sense,
  };
}
