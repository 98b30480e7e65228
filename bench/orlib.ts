/**
 * Reader for the OR-Library / Yagiura generalized-assignment files: whitespace-separated integers,
 * line breaks meaningless. OR-Library files start with the instance count P; Yagiura files hold one
 * instance without it. Each instance: m n, cost (m rows of n), resource (m rows of n), capacities (m).
 */
export interface GapInstance {
  readonly agents: number;
  readonly jobs: number;
  /** cost[i][j], agent (node) i, job (container) j */
  readonly cost: number[][];
  readonly demand: number[][];
  readonly capacity: number[];
}

export function parseGapFile(text: string, withCount: boolean): GapInstance[] {
  const tokens = text.trim().split(/\s+/).map(Number);
  if (tokens.some((t) => !Number.isInteger(t))) throw new Error('GAP files hold integers only');
  let p = 0;
  const next = (): number => {
    const t = tokens[p++];
    if (t === undefined) throw new Error('GAP file ended early');
    return t;
  };
  const matrix = (rows: number, cols: number): number[][] =>
    Array.from({ length: rows }, () => Array.from({ length: cols }, next));
  const count = withCount ? next() : 1;
  const instances: GapInstance[] = [];
  for (let q = 0; q < count; q++) {
    const agents = next();
    const jobs = next();
    const cost = matrix(agents, jobs);
    const demand = matrix(agents, jobs);
    const capacity = Array.from({ length: agents }, next);
    instances.push({ agents, jobs, cost, demand, capacity });
  }
  if (p !== tokens.length) throw new Error(`GAP file has ${tokens.length - p} tokens after the last instance`);
  return instances;
}

/** The instance as a `POST /v1/solve` program body (one resource, node-dependent demand). */
export function gapToProgram(
  g: GapInstance,
  sense: 'min' | 'max',
  options: Record<string, unknown> = {},
): Record<string, unknown> {
  return { cost: g.cost, demand: { load: g.demand }, capacity: { load: g.capacity }, sense, options };
}

export interface KnownValue {
  readonly file: string;
  readonly index: number;
  readonly sense: 'min' | 'max';
  readonly value: number;
  readonly optimal: boolean;
}

/** Reads known-values.csv (file,instance_index,agents,jobs,sense,known_value,value_status,source). */
export function parseKnownValues(csv: string): KnownValue[] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, index, , , sense, value, status] = line.split(',');
      return {
        file: file ?? '',
        index: Number(index),
        sense: sense === 'max' ? 'max' : 'min',
        value: Number(value),
        optimal: status === 'optimal',
      };
    });
}
