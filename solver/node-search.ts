/**
 * The greedy's node choice without a scan of every node: argmin over nodes i where container j fits
 * (d_k ≤ R_ik for every resource) and the rules allow it, of the score max_{k: d_k > 0} d_k / R_ik, ties
 * to the earliest node. The same choice as the scan, bit for bit: capacities and demands are exact
 * integers below 2^53 held in doubles, and the score is the same floating-point expression.
 *
 * Nodes are split into partitions (nodes the rules treat alike: the same blocked-pair row, the same
 * domains for the rules that are checked per partition). Each partition keeps a segment tree over its
 * nodes, in index order, with the componentwise largest remaining capacity of each subtree. Since a
 * correctly rounded division is monotone, max_k d_k / maxR_k is a lower bound on every score below, and a
 * subtree is skipped when that bound is worse than the best found, or equal to it at a later index.
 * Clusters of identical nodes thus cost O(log n) per container, not O(n).
 */
export interface SearchRules {
  /** The partition of each node (nodes alike for `partitionAllows`), 0.. partitions−1. */
  readonly partitionOf: Int32Array;
  /** Whether j may go on some node of partition p, judged at its representative node `rep`; false: none may. */
  partitionAllows(j: number, rep: number): boolean;
  /** Whether j may go on node i (every rule; called only where j fits). */
  allows(j: number, i: number): boolean;
}

interface Partition {
  /** The partition's node indices, ascending. */
  readonly nodes: Int32Array;
  /** Segment tree (root 1, children 2t and 2t+1): largest remaining capacity of each resource, K per tree node. */
  readonly max: Float64Array;
}

export class NodeSearch {
  private readonly parts: Partition[];
  private readonly position: Int32Array;
  private best = -1;
  private bestScore = Infinity;

  /** remaining[k][i]: capacity left of resource k on node i (exact integers); it is updated by `take`. */
  constructor(
    private readonly remaining: readonly Float64Array[],
    private readonly rules: SearchRules | undefined,
    n: number,
  ) {
    const partitionOf = rules?.partitionOf ?? new Int32Array(n);
    const count = partitionOf.reduce((a, p) => Math.max(a, p + 1), 0);
    const sizes = new Int32Array(count);
    this.position = new Int32Array(n);
    for (let i = 0; i < n; i++) this.position[i] = sizes[partitionOf[i]!]!++;
    const K = remaining.length;
    this.parts = Array.from(sizes, (s) => ({
      nodes: new Int32Array(s),
      max: new Float64Array(4 * Math.max(s, 1) * K),
    }));
    for (let i = 0; i < n; i++) this.parts[partitionOf[i]!]!.nodes[this.position[i]!] = i;
    for (const p of this.parts) if (p.nodes.length > 0) this.build(p, 1, 0, p.nodes.length);
    this.partitionOf = partitionOf;
  }

  private readonly partitionOf: Int32Array;

  /** The score of j (demand d) on node i, −1 where it does not fit. */
  scoreAt(d: Float64Array, i: number): number {
    let score = 0;
    for (let k = 0; k < d.length; k++) {
      const need = d[k]!;
      if (need === 0) continue;
      const left = this.remaining[k]![i]!;
      if (need > left) return -1;
      score = Math.max(score, need / left);
    }
    return score;
  }

  /** The best node for container j with demand d (one entry per resource), −1 if none. */
  find(j: number, d: Float64Array): number {
    this.best = -1;
    this.bestScore = Infinity;
    const order: [number, number][] = [];
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p]!;
      if (part.nodes.length === 0 || (this.rules && !this.rules.partitionAllows(j, part.nodes[0]!))) continue;
      const bound = this.bound(part.max, 1, d);
      if (bound >= 0) order.push([bound, p]);
    }
    order.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [bound, p] of order) {
      if (bound > this.bestScore) break;
      const part = this.parts[p]!;
      this.visit(part, 1, 0, part.nodes.length, j, d, bound);
    }
    return this.best;
  }

  /** The best node (as `find`) among partition p's only, −1 if none; partitionAllows is not asked. */
  findIn(p: number, j: number, d: Float64Array): number {
    this.best = -1;
    this.bestScore = Infinity;
    const part = this.parts[p]!;
    const bound = part.nodes.length === 0 ? -1 : this.bound(part.max, 1, d);
    if (bound >= 0) this.visit(part, 1, 0, part.nodes.length, j, d, bound);
    return this.best;
  }

  /** The earliest node of partition p where j fits and the rules allow it (first fit), −1 if none. */
  firstIn(p: number, j: number, d: Float64Array): number {
    const part = this.parts[p]!;
    return part.nodes.length === 0 ? -1 : this.first(part, 1, 0, part.nodes.length, j, d);
  }

  private first(part: Partition, t: number, lo: number, hi: number, j: number, d: Float64Array): number {
    if (this.bound(part.max, t, d) < 0) return -1;
    if (hi - lo === 1) {
      const i = part.nodes[lo]!;
      return !this.rules || this.rules.allows(j, i) ? i : -1;
    }
    const mid = (lo + hi) >> 1;
    const left = this.first(part, 2 * t, lo, mid, j, d);
    return left >= 0 ? left : this.first(part, 2 * t + 1, mid, hi, j, d);
  }

  /** Records that node i's remaining capacity changed (after a placement). */
  take(i: number): void {
    const part = this.parts[this.partitionOf[i]!]!;
    this.update(part, 1, 0, part.nodes.length, this.position[i]!);
  }

  /** max_k d_k / maxR_k over the subtree (a lower bound on its scores), −1 where j fits on none of it. */
  private bound(max: Float64Array, t: number, d: Float64Array): number {
    const K = d.length;
    let score = 0;
    for (let k = 0; k < K; k++) {
      const need = d[k]!;
      if (need === 0) continue;
      const most = max[t * K + k]!;
      if (need > most) return -1;
      score = Math.max(score, need / most);
    }
    return score;
  }

  private visit(part: Partition, t: number, lo: number, hi: number, j: number, d: Float64Array, bound: number): void {
    if (bound > this.bestScore || (bound === this.bestScore && part.nodes[lo]! > this.best)) return;
    if (hi - lo === 1) {
      // At a leaf the bound is the node's own score.
      const i = part.nodes[lo]!;
      if (this.rules && !this.rules.allows(j, i)) return;
      this.best = i;
      this.bestScore = bound;
      return;
    }
    const mid = (lo + hi) >> 1;
    const left = this.bound(part.max, 2 * t, d);
    const right = this.bound(part.max, 2 * t + 1, d);
    if (right >= 0 && (left < 0 || right < left)) {
      this.visit(part, 2 * t + 1, mid, hi, j, d, right);
      if (left >= 0) this.visit(part, 2 * t, lo, mid, j, d, left);
    } else if (left >= 0) {
      this.visit(part, 2 * t, lo, mid, j, d, left);
      if (right >= 0) this.visit(part, 2 * t + 1, mid, hi, j, d, right);
    }
  }

  private build(part: Partition, t: number, lo: number, hi: number): void {
    if (hi - lo === 1) return this.setLeaf(part, t, part.nodes[lo]!);
    const mid = (lo + hi) >> 1;
    this.build(part, 2 * t, lo, mid);
    this.build(part, 2 * t + 1, mid, hi);
    this.pull(part.max, t);
  }

  private update(part: Partition, t: number, lo: number, hi: number, pos: number): void {
    if (hi - lo === 1) return this.setLeaf(part, t, part.nodes[lo]!);
    const mid = (lo + hi) >> 1;
    if (pos < mid) this.update(part, 2 * t, lo, mid, pos);
    else this.update(part, 2 * t + 1, mid, hi, pos);
    this.pull(part.max, t);
  }

  private setLeaf(part: Partition, t: number, i: number): void {
    const K = this.remaining.length;
    for (let k = 0; k < K; k++) part.max[t * K + k] = this.remaining[k]![i]!;
  }

  private pull(max: Float64Array, t: number): void {
    const K = this.remaining.length;
    for (let k = 0; k < K; k++) max[t * K + k] = Math.max(max[2 * t * K + k]!, max[(2 * t + 1) * K + k]!);
  }
}
