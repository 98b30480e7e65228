/** Counts of a set of containers per domain, kept up to date as the greedy places containers. */
export class DomainCounts {
  readonly counts: Int32Array;
  /** The smallest count over the domains, and how many domains have it (for the spread skew). */
  private low = 0;
  private atLow: number;
  constructor(
    readonly domainOf: Int32Array,
    domains: number,
  ) {
    this.counts = new Int32Array(domains);
    this.atLow = domains;
  }
  at(i: number): number {
    const d = this.domainOf[i]!;
    return d < 0 ? 0 : this.counts[d]!;
  }
  add(i: number): void {
    const d = this.domainOf[i]!;
    if (d < 0) return;
    if (this.counts[d]!++ === this.low && --this.atLow === 0) {
      this.low++;
      this.atLow = this.counts.reduce((t, c) => t + (c === this.low ? 1 : 0), 0);
    }
  }
  get min(): number {
    return this.counts.length === 0 ? 0 : this.low;
  }
}

/**
 * How many of `items` a plan puts in each domain (unplaced containers and nodes outside every domain count
 * nowhere).
 */
export function perDomain(
  items: readonly number[],
  plan: ArrayLike<number>,
  domainOf: Int32Array,
  domains: number,
): Int32Array {
  const counts = new Int32Array(domains);
  for (const j of items) {
    const i = plan[j]!;
    const d = i >= 0 && i < domainOf.length ? domainOf[i]! : -1;
    if (d >= 0) counts[d]!++;
  }
  return counts;
}
