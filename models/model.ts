/**
 * The validated model: what every input (snapshot or program) becomes once it has passed its schema.
 * Resource data are exact integers (bigint) at a per-resource decimal scale, so the verifier can check
 * capacities without rounding; costs are plain numbers. Nodes are indexed i = 0..n-1, containers
 * ("items") j = 0..m-1, in input order.
 */

export type Sense = 'min' | 'max';

export interface ResourceTable {
  readonly name: string;
  /** Exact value = units / 10^scale (3 for Kubernetes quantities in milli-units, 12 for program numbers). */
  readonly scale: number;
  /** Capacity of each node, length n. */
  readonly capacity: readonly bigint[];
  /** Demand: `demand[j]` when `perNode` is false, `demand[i * m + j]` when the demand depends on the node. */
  readonly demand: readonly bigint[];
  readonly perNode: boolean;
}

export interface AssignmentModel {
  readonly kind: 'snapshot' | 'program';
  readonly nodes: readonly string[];
  readonly items: readonly string[];
  readonly resources: readonly ResourceTable[];
  /** c_ij at `cost[i * m + j]`. */
  readonly cost: readonly number[];
  readonly sense: Sense;
}

/** Demand r_ijk of item j on node i for one resource (exact units). */
export function demandUnits(r: ResourceTable, i: number, j: number, m: number): bigint {
  return (r.perNode ? r.demand[i * m + j] : r.demand[j]) ?? 0n;
}

/** Whether item j fits on an empty node i for every resource (exact). */
export function fitsEmpty(model: AssignmentModel, i: number, j: number): boolean {
  const m = model.items.length;
  for (const r of model.resources) {
    if (demandUnits(r, i, j, m) > (r.capacity[i] ?? 0n)) return false;
  }
  return true;
}

/** Exact units → float in the resource's own unit. */
export function unitsToNumber(units: bigint, scale: number): number {
  return Number(units) / 10 ** scale;
}
