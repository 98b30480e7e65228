/**
 * Shared resource columns. Every table of the model has one column per resource, so a cluster whose nodes each
 * expose their own device-plugin resource (`foo.com/bar-<i>` on node i, as in kube-scheduler's
 * SchedulingWithExtendedResource benchmark) would need thousands of columns. Past SHARE_ABOVE distinct names,
 * resources that no node gives together and no container asks for together share one column: a node's amount in
 * the column is the amount of the one member it gives, a container's demand the amount of the one member it asks
 * for, and a container that asks for a member is blocked on every node that gives another member or none (it has
 * none of that resource: kube-scheduler's NodeResourcesFit reports Insufficient). On every allowed pair the
 * column's row is then exactly the member's row, so the model means the same thing with fewer columns.
 */

/** Up to this many distinct resource names, each resource keeps a column of its own. */
export const SHARE_ABOVE = 64;

/**
 * The column of each resource name, by greedy colouring of the names in sorted order: two names conflict when one
 * node gives both or one container asks for both; `alone` names (pods, amounts beyond 64 bits in milli-units)
 * share with nobody. Undefined when there are SHARE_ABOVE names or fewer: a column per name.
 * @param holders each node's and each container's names (every holder once)
 */
export function sharedColumns(
  names: readonly string[],
  holders: Iterable<readonly string[]>,
  alone: (name: string) => boolean,
): Map<string, number> | undefined {
  if (names.length <= SHARE_ABOVE) return undefined;
  const heldBy = new Map<string, number[]>(names.map((name) => [name, []]));
  const taken: Set<number>[] = [];
  for (const list of holders) {
    const h = taken.length;
    taken.push(new Set());
    for (const name of list) heldBy.get(name)?.push(h);
  }
  const column = new Map<string, number>();
  const closed = new Set<number>();
  let count = 0;
  for (const name of [...names].sort()) {
    const holdersOf = heldBy.get(name) ?? [];
    let c: number;
    if (alone(name)) {
      c = count++;
      closed.add(c);
    } else {
      const forbidden = new Set<number>();
      for (const h of holdersOf) for (const t of taken[h]!) forbidden.add(t);
      c = 0;
      while (c < count && (closed.has(c) || forbidden.has(c))) c++;
      if (c === count) count++;
    }
    column.set(name, c);
    for (const h of holdersOf) taken[h]!.add(c);
  }
  return column;
}
