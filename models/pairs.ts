import type { ContainerShapes } from './shapes.js';
import { sharedFloat64, sharedInt32 } from './shared.js';

/**
 * Per-pair tables (node i, container j) stored by keys, so that their size grows with what is distinct,
 * not with nodes × containers: value(i, j) = values[rowKey[i] * cols + colKey[j]]. Nodes with the same
 * row key (a node type, say) and containers with the same column key (the replicas of a deployment) share
 * their entries. A dense n × m matrix is the table whose keys are its distinct rows and columns.
 */
export interface KeyedTable<T extends Float64Array | Uint8Array> {
  /** The key of each node, length n. */
  readonly rowKey: Int32Array;
  /** The key of each container, length m. */
  readonly colKey: Int32Array;
  readonly cols: number;
  /** rows × cols entries. */
  readonly values: T;
}

/**
 * Placement costs c_ij: the keyed table, except for the pairs given one by one (`pairs`, keyed by
 * i * m + j), plus the cost of moving a container away from where it runs (`move[j]` when i ≠ `from[j]`).
 */
export interface CostTable extends KeyedTable<Float64Array> {
  readonly pairs?: ReadonlyMap<number, number>;
  readonly moves?: { readonly from: Int32Array; readonly cost: Float64Array };
}

/**
 * Why container j may not run on node i (an index into BLOCK_REASONS, 0 when it may): the keyed table,
 * except that a pinned container (`pinnedTo[j]` ≥ 0) may run on its own node only.
 */
export interface BlockTable extends KeyedTable<Uint8Array> {
  readonly pinnedTo?: Int32Array;
  /** The reason code of a pinned container off its node. */
  readonly pinnedCode: number;
  /** How many (node, container) pairs are allowed: the per-node program's variables at most. */
  readonly open?: number;
}

/** The allowed pairs of a block table (each pinned container's own node, and the open keyed entries). */
export function openPairs(t: KeyedTable<Uint8Array>, pinnedTo: Int32Array | undefined): number {
  const rowCount = new Float64Array(t.values.length / Math.max(1, t.cols));
  for (const r of t.rowKey) rowCount[r]!++;
  const colCount = new Float64Array(t.cols);
  let open = 0;
  t.colKey.forEach((c, j) => ((pinnedTo?.[j] ?? -1) >= 0 ? open++ : colCount[c]!++));
  rowCount.forEach((rc, r) => {
    for (let c = 0; c < t.cols; c++) if (t.values[r * t.cols + c] === 0) open += rc * colCount[c]!;
  });
  return open;
}

export function keyedAt<T extends Float64Array | Uint8Array>(t: KeyedTable<T>, i: number, j: number): number {
  return t.values[t.rowKey[i]! * t.cols + t.colKey[j]!]!;
}

/** c_ij; `m` is the number of containers. */
export function costAt(t: CostTable, i: number, j: number, m: number): number {
  const own = t.pairs?.get(i * m + j);
  const base = own ?? t.values[t.rowKey[i]! * t.cols + t.colKey[j]!]!;
  const moves = t.moves;
  if (!moves) return base;
  const from = moves.from[j]!;
  return from >= 0 && from !== i ? base + moves.cost[j]! : base;
}

/** The block code of (i, j), 0 when allowed. */
export function blockAt(t: BlockTable, i: number, j: number): number {
  const pin = t.pinnedTo?.[j] ?? -1;
  if (pin >= 0) return pin === i ? 0 : t.pinnedCode;
  return t.values[t.rowKey[i]! * t.cols + t.colKey[j]!]!;
}

/** Distinct keys in first-appearance order: the key of each entry, and one representative per key. */
export function keysOf(count: number, keyOf: (k: number) => string): { key: Int32Array; first: number[] } {
  const key = sharedInt32(count);
  const index = new Map<string, number>();
  const first: number[] = [];
  for (let k = 0; k < count; k++) {
    const s = keyOf(k);
    let x = index.get(s);
    if (x === undefined) {
      x = first.length;
      index.set(s, x);
      first.push(k);
    }
    key[k] = x;
  }
  return { key, first };
}

/**
 * keysOf over containers whose key depends on their shape alone (models/shapes.ts): the same keys and
 * representatives, each key written once per shape.
 */
export function keysOfShapes(
  shapes: ContainerShapes,
  keyOf: (j: number) => string,
): { key: Int32Array; first: number[] } {
  const perShape = keysOf(shapes.first.length, (t) => keyOf(shapes.first[t]!));
  const m = shapes.shapeOf.length;
  const key = sharedInt32(m);
  for (let j = 0; j < m; j++) key[j] = perShape.key[shapes.shapeOf[j]!]!;
  // Shapes come in order of first appearance, so a key's first shape holds its first container.
  return { key, first: perShape.first.map((t) => shapes.first[t]!) };
}

/** A keyed table of `rows` × `cols` keys filled by value(representative node, representative container). */
export function fillKeyed<T extends Float64Array | Uint8Array>(
  rows: { key: Int32Array; first: readonly number[] },
  cols: { key: Int32Array; first: readonly number[] },
  make: (length: number) => T,
  value: (i: number, j: number) => number,
): KeyedTable<T> {
  const values = make(rows.first.length * cols.first.length);
  rows.first.forEach((i, r) => cols.first.forEach((j, c) => (values[r * cols.first.length + c] = value(i, j))));
  return { rowKey: rows.key, colKey: cols.key, cols: cols.first.length, values };
}

/**
 * A dense n × m matrix (entry (i, j) at i * m + j) as a keyed table of its distinct rows and columns:
 * O(n · m) once, where the matrix itself was given.
 */
export function keyedFromDense(matrix: Float64Array, n: number, m: number): KeyedTable<Float64Array> {
  const column = (j: number): string => {
    const parts = new Array<number>(n);
    for (let i = 0; i < n; i++) parts[i] = matrix[i * m + j]!;
    return parts.join(',');
  };
  const cols = keysOf(m, column);
  const row = (i: number): string => cols.first.map((j) => matrix[i * m + j]!).join(',');
  const rows = keysOf(n, row);
  return fillKeyed(rows, cols, sharedFloat64, (i, j) => matrix[i * m + j]!);
}

/** A table with one value everywhere. */
export function uniformTable<T extends Float64Array | Uint8Array>(
  n: number,
  m: number,
  make: (length: number) => T,
  value: number,
): KeyedTable<T> {
  const values = make(1);
  values[0] = value;
  return { rowKey: sharedInt32(n), colKey: sharedInt32(m), cols: 1, values };
}

/**
 * Visits every value c_ij takes for each container j (each distinct value at least once, none that no
 * node gives it), without visiting every pair: over the distinct rows of the table (the nodes a row's
 * key stands for, less those the container has a pair of its own on, with the move cost on all but its
 * current node), its own pairs and its current node. O(rows · m + pairs).
 */
export function forEachCost(cost: CostTable, n: number, m: number, visit: (j: number, c: number) => void): void {
  const rows = cost.values.length / cost.cols;
  const perRow = new Int32Array(rows);
  for (let i = 0; i < n; i++) perRow[cost.rowKey[i]!]!++;
  const ownPairs = new Map<number, number[]>();
  for (const key of cost.pairs?.keys() ?? []) {
    const j = key % m;
    const list = ownPairs.get(j);
    if (list) list.push((key - j) / m);
    else ownPairs.set(j, [(key - j) / m]);
  }
  const left = new Int32Array(rows);
  for (let j = 0; j < m; j++) {
    left.set(perRow);
    const mine = ownPairs.get(j) ?? [];
    for (const i of mine) {
      left[cost.rowKey[i]!]!--;
      visit(j, costAt(cost, i, j, m));
    }
    const from = cost.moves?.from[j] ?? -1;
    const move = from >= 0 ? cost.moves!.cost[j]! : 0;
    if (from >= 0 && !mine.includes(from)) {
      left[cost.rowKey[from]!]!--;
      visit(j, costAt(cost, from, j, m));
    }
    const col = cost.colKey[j]!;
    for (let r = 0; r < rows; r++) if (left[r]! > 0) visit(j, cost.values[r * cost.cols + col]! + move);
  }
}

/** The tables restricted to the containers `keep` (indices, in their new order), keys and all. */
export function keepColumns(cost: CostTable, keep: readonly number[], m: number): CostTable {
  const colKey = Int32Array.from(keep, (j) => cost.colKey[j]!);
  const k = keep.length;
  let pairs: Map<number, number> | undefined;
  if (cost.pairs) {
    const at = new Map(keep.map((j, t) => [j, t]));
    pairs = new Map();
    for (const [key, c] of cost.pairs) {
      const t = at.get(key % m);
      if (t !== undefined) pairs.set(((key - (key % m)) / m) * k + t, c);
    }
  }
  const moves = cost.moves
    ? {
        from: Int32Array.from(keep, (j) => cost.moves!.from[j]!),
        cost: Float64Array.from(keep, (j) => cost.moves!.cost[j]!),
      }
    : undefined;
  return {
    rowKey: cost.rowKey,
    colKey,
    cols: cost.cols,
    values: cost.values,
    ...(pairs ? { pairs } : {}),
    ...(moves ? { moves } : {}),
  };
}

export function keepBlockColumns(blocked: BlockTable, keep: readonly number[]): BlockTable {
  const pinnedTo = blocked.pinnedTo ? Int32Array.from(keep, (j) => blocked.pinnedTo![j]!) : undefined;
  return {
    rowKey: blocked.rowKey,
    colKey: Int32Array.from(keep, (j) => blocked.colKey[j]!),
    cols: blocked.cols,
    values: blocked.values,
    pinnedCode: blocked.pinnedCode,
    ...(pinnedTo ? { pinnedTo } : {}),
  };
}

/** Whether any pair is blocked. */
export function hasBlocks(t: BlockTable): boolean {
  return t.values.some((v) => v !== 0) || (t.pinnedTo?.some((i) => i >= 0) ?? false);
}

/** The same table with nothing blocked. */
export function withoutBlocks(t: BlockTable): BlockTable {
  return { ...uniformTable(t.rowKey.length, t.colKey.length, (l) => new Uint8Array(l), 0), pinnedCode: t.pinnedCode };
}

/**
 * For each column key, an id shared by exactly the column keys whose columns are equal on every node
 * (two keys can have equal columns: different requests with the same scores). O(rows · cols).
 */
export function columnSignatures<T extends Float64Array | Uint8Array>(t: KeyedTable<T>): Int32Array {
  const rows = t.values.length / t.cols;
  return keysOf(t.cols, (c) => {
    const parts = new Array<number>(rows);
    for (let r = 0; r < rows; r++) parts[r] = t.values[r * t.cols + c]!;
    return parts.join(',');
  }).key;
}

/** For each row key, an id shared by exactly the row keys whose rows are equal for every container. */
export function rowSignatures<T extends Float64Array | Uint8Array>(t: KeyedTable<T>): Int32Array {
  const rows = t.values.length / t.cols;
  return keysOf(rows, (r) => Array.from(t.values.subarray(r * t.cols, (r + 1) * t.cols)).join(',')).key;
}

/**
 * A key per container equal for exactly the containers whose cost is the same on every node: the same
 * column, the same pairs of their own, the same move away from the same node.
 */
export function costColumnKeys(t: CostTable, m: number, withMoves = true): string[] {
  const sig = columnSignatures(t);
  const own = new Map<number, string[]>();
  for (const [key, c] of t.pairs ?? []) {
    const j = key % m;
    const list = own.get(j) ?? [];
    list.push(`${(key - j) / m}=${c}`);
    own.set(j, list);
  }
  return Array.from({ length: m }, (_, j) => {
    const move = withMoves ? moveKey(t, j) : '';
    return `${sig[t.colKey[j]!]}${move}${own.has(j) ? `p${own.get(j)!.sort().join(';')}` : ''}`;
  });
}

/** The move part of container j's cost key: from which node, at what cost (empty where it runs nowhere). */
export function moveKey(t: CostTable, j: number, nodeKey: (i: number) => number = (i) => i): string {
  return t.moves && t.moves.from[j]! >= 0 ? `m${nodeKey(t.moves.from[j]!)}:${t.moves.cost[j]}` : '';
}

/**
 * A key per node equal for exactly the nodes whose cost is the same for every container (`withMoves` false: moves
 * away from the node aside).
 */
export function costRowKeys(t: CostTable, n: number, m: number, withMoves = true): string[] {
  const sig = rowSignatures(t);
  const own = new Map<number, string[]>();
  for (const [key, c] of t.pairs ?? []) {
    const j = key % m;
    const i = (key - j) / m;
    const list = own.get(i) ?? [];
    list.push(`${j}=${c}`);
    own.set(i, list);
  }
  const movesFrom = new Map<number, number[]>();
  if (t.moves && withMoves)
    t.moves.from.forEach((i, j) => {
      if (i >= 0) movesFrom.set(i, [...(movesFrom.get(i) ?? []), j]);
    });
  return Array.from({ length: n }, (_, i) => {
    const pairs = own.has(i) ? `p${own.get(i)!.sort().join(';')}` : '';
    const from = movesFrom.has(i) ? `f${movesFrom.get(i)!.join(';')}` : '';
    return `${sig[t.rowKey[i]!]}${pairs}${from}`;
  });
}

/** A key per container equal for exactly the containers blocked on the same nodes for the same reasons. */
export function blockColumnKeys(t: BlockTable): string[] {
  const sig = blockColumnSignatures(t);
  return Array.from(t.colKey, (_, j) => {
    const pin = t.pinnedTo?.[j] ?? -1;
    return pin >= 0 ? `pin${pin}:${sig[j]}` : String(sig[j]);
  });
}

/** Per container, a key equal for exactly the containers blocked alike, leaving aside where a pinned one is pinned. */
export function blockColumnSignatures(t: BlockTable): Int32Array {
  const sig = columnSignatures(t);
  return Int32Array.from(t.colKey, (c) => sig[c]!);
}

/**
 * A key per node equal for exactly the nodes that block the same containers for the same reasons. `pinnedShape`:
 * the containers pinned to a node count by that key (their shape) rather than by who they are.
 */
export function blockRowKeys(t: BlockTable, pinnedShape?: (j: number) => string): string[] {
  const sig = rowSignatures(t);
  const pinnedHere = new Map<number, string[]>();
  t.pinnedTo?.forEach((i, j) => {
    if (i >= 0) pinnedHere.set(i, [...(pinnedHere.get(i) ?? []), pinnedShape ? pinnedShape(j) : String(j)]);
  });
  return Array.from(t.rowKey, (r, i) => {
    const here = pinnedHere.get(i);
    if (!here) return String(sig[r]);
    return `${sig[r]}pin${(pinnedShape ? here.sort() : here).join(';')}`;
  });
}

/** c_ij × factor at i * m + j: a dense copy, for the searches that work on small models only. */
export function denseCosts(t: CostTable, n: number, m: number, factor = 1): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = factor * costAt(t, i, j, m);
  return out;
}

/** The block code of (i, j) at i * m + j: a dense copy, for the searches that work on small models only. */
export function denseBlocks(t: BlockTable, n: number, m: number): Uint8Array {
  const out = new Uint8Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = blockAt(t, i, j);
  return out;
}
