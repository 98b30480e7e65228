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
  /** Each tree node's bound for the demand at hand, valid where its stamp is the search's current `version`. */
  readonly bounds: Float64Array;
  readonly stamp: Int32Array;
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
      bounds: new Float64Array(4 * Math.max(s, 1)),
      stamp: new Int32Array(4 * Math.max(s, 1)),
    }));
    this.demand = new Float64Array(K);
    for (let i = 0; i < n; i++) this.parts[partitionOf[i]!]!.nodes[this.position[i]!] = i;
    for (const p of this.parts) if (p.nodes.length > 0) this.build(p, 1, 0, p.nodes.length);
    this.partitionOf = partitionOf;
    this.rootBound = new Float64Array(count);
    this.rootOrder = new Int32Array(count);
  }

  private readonly partitionOf: Int32Array;
  /**
   * The demand the cached bounds are for, and their version. Replicas come one after another with the same demand:
   * their searches reuse every bound but those on the paths of the nodes that changed since (`take` unstamps them).
   */
  private readonly demand: Float64Array;
  private version = 0;

  /** Makes d the demand at hand (a new version of the bounds when it differs from the last one). */
  private use(d: Float64Array): void {
    let same = this.version > 0;
    for (let k = 0; k < d.length && same; k++) same = this.demand[k] === d[k];
    if (same) return;
    this.demand.set(d);
    this.version++;
  }

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

  /** The partitions' root bounds for the container at hand, and their order (find's scratch space). */
  private readonly rootBound = new Float64Array(0);
  private readonly rootOrder = new Int32Array(0);

  /** The best node for container j with demand d (one entry per resource), −1 if none. */
  find(j: number, d: Float64Array): number {
    this.use(d);
    this.best = -1;
    this.bestScore = Infinity;
    const bounds = this.rootBound;
    const order = this.rootOrder;
    let count = 0;
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p]!;
      if (part.nodes.length === 0 || (this.rules && !this.rules.partitionAllows(j, part.nodes[0]!))) continue;
      const bound = this.bound(part, 1, d);
      if (bound < 0) continue;
      // Insertion by (bound, partition): there are few partitions.
      let at = count++;
      while (at > 0 && bounds[order[at - 1]!]! > bound) {
        order[at] = order[at - 1]!;
        at--;
      }
      order[at] = p;
      bounds[p] = bound;
    }
    for (let k = 0; k < count; k++) {
      const p = order[k]!;
      if (bounds[p]! > this.bestScore) break;
      const part = this.parts[p]!;
      this.visit(part, 1, 0, part.nodes.length, j, d, bounds[p]!);
    }
    return this.best;
  }

  /** The best node (as `find`) among partition p's only, −1 if none; partitionAllows is not asked. */
  findIn(p: number, j: number, d: Float64Array): number {
    this.use(d);
    this.best = -1;
    this.bestScore = Infinity;
    const part = this.parts[p]!;
    const bound = part.nodes.length === 0 ? -1 : this.bound(part, 1, d);
    if (bound >= 0) this.visit(part, 1, 0, part.nodes.length, j, d, bound);
    return this.best;
  }

  /** The earliest node of partition p where j fits and the rules allow it (first fit), −1 if none. */
  firstIn(p: number, j: number, d: Float64Array): number {
    this.use(d);
    const part = this.parts[p]!;
    return part.nodes.length === 0 ? -1 : this.first(part, 1, 0, part.nodes.length, j, d);
  }

  private first(part: Partition, t: number, lo: number, hi: number, j: number, d: Float64Array): number {
    if (this.bound(part, t, d) < 0) return -1;
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
  private bound(part: Partition, t: number, d: Float64Array): number {
    if (part.stamp[t] === this.version) return part.bounds[t]!;
    const max = part.max;
    const K = d.length;
    let score = 0;
    for (let k = 0; k < K; k++) {
      const need = d[k]!;
      if (need === 0) continue;
      const most = max[t * K + k]!;
      if (need > most) {
        score = -1;
        break;
      }
      score = Math.max(score, need / most);
    }
    part.bounds[t] = score;
    part.stamp[t] = this.version;
    return score;
  }

  /** Subtrees still to visit: tree node, range and bound (depth-first, the better child first). */
  private stackT = new Int32Array(128);
  private stackLo = new Int32Array(128);
  private stackHi = new Int32Array(128);
  private stackBound = new Float64Array(128);

  /**
   * Depth-first from subtree t (nodes lo..hi−1 of the partition), the child with the smaller bound first (the
   * left one on ties), skipping every subtree whose bound is worse than the best found, or equal to it at a later
   * node. A loop over an explicit stack: this is the greedy's hot path.
   */
  private visit(part: Partition, t: number, lo: number, hi: number, j: number, d: Float64Array, bound: number): void {
    const nodes = part.nodes;
    let sp = 0;
    const push = (t: number, lo: number, hi: number, bound: number): void => {
      if (this.beaten(bound, nodes[lo]!)) return;
      if (sp === this.stackT.length) this.grow();
      this.stackT[sp] = t;
      this.stackLo[sp] = lo;
      this.stackHi[sp] = hi;
      this.stackBound[sp++] = bound;
    };
    push(t, lo, hi, bound);
    while (sp > 0) {
      const at = this.stackT[--sp]!;
      const from = this.stackLo[sp]!;
      const to = this.stackHi[sp]!;
      const b = this.stackBound[sp]!;
      if (this.beaten(b, nodes[from]!)) continue;
      if (to - from === 1) {
        // At a leaf the bound is the node's own score.
        const i = nodes[from]!;
        if (this.rules && !this.rules.allows(j, i)) continue;
        this.best = i;
        this.bestScore = b;
        continue;
      }
      const mid = (from + to) >> 1;
      const left = this.bound(part, 2 * at, d);
      const right = this.bound(part, 2 * at + 1, d);
      // The one visited first is pushed last.
      if (right >= 0 && (left < 0 || right < left)) {
        if (left >= 0) push(2 * at, from, mid, left);
        push(2 * at + 1, mid, to, right);
      } else if (left >= 0) {
        if (right >= 0) push(2 * at + 1, mid, to, right);
        push(2 * at, from, mid, left);
      }
    }
  }

  /**
   * Whether a subtree of this bound, whose earliest node is `first`, cannot hold a better node than the best found:
   * its bound is worse, or equal at a later node. (The best only improves, so a subtree beaten stays beaten.)
   */
  private beaten(bound: number, first: number): boolean {
    return bound > this.bestScore || (bound === this.bestScore && first > this.best);
  }

  private grow(): void {
    const size = 2 * this.stackT.length;
    const wider = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.stackT = wider(this.stackT, (n) => new Int32Array(n));
    this.stackLo = wider(this.stackLo, (n) => new Int32Array(n));
    this.stackHi = wider(this.stackHi, (n) => new Int32Array(n));
    this.stackBound = wider(this.stackBound, (n) => new Float64Array(n));
  }

  private build(part: Partition, t: number, lo: number, hi: number): void {
    if (hi - lo === 1) return this.setLeaf(part, t, part.nodes[lo]!);
    const mid = (lo + hi) >> 1;
    this.build(part, 2 * t, lo, mid);
    this.build(part, 2 * t + 1, mid, hi);
    this.pull(part, t);
  }

  private update(part: Partition, t: number, lo: number, hi: number, pos: number): void {
    if (hi - lo === 1) return this.setLeaf(part, t, part.nodes[lo]!);
    const mid = (lo + hi) >> 1;
    if (pos < mid) this.update(part, 2 * t, lo, mid, pos);
    else this.update(part, 2 * t + 1, mid, hi, pos);
    this.pull(part, t);
  }

  private setLeaf(part: Partition, t: number, i: number): void {
    const K = this.remaining.length;
    part.stamp[t] = 0;
    for (let k = 0; k < K; k++) part.max[t * K + k] = this.remaining[k]![i]!;
  }

  private pull(part: Partition, t: number): void {
    const { max } = part;
    const K = this.remaining.length;
    part.stamp[t] = 0;
    for (let k = 0; k < K; k++) max[t * K + k] = Math.max(max[2 * t * K + k]!, max[(2 * t + 1) * K + k]!);
  }
}
