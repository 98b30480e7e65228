/**
 * Containers of one shape: identical but for their names and the node each runs on now. The parse finds them
 * (models/replicas.ts) and registers each parsed containers array here, so that the model is built once per
 * shape where what it builds depends on the shape alone. A containers array that was not registered has one
 * shape per container: the same result, at the cost of one computation each.
 */
export interface ContainerShapes {
  /** Each container's shape, numbered in order of first appearance. */
  readonly shapeOf: Int32Array;
  /** Each shape's first container (ascending). */
  readonly first: readonly number[];
}

const registered = new WeakMap<readonly object[], Int32Array>();

/** Records the shapes of a parsed containers array (which is never changed after). */
export function registerShapes(containers: readonly object[], shapeOf: Int32Array): void {
  registered.set(containers, shapeOf);
}

export function shapesOf(containers: readonly object[]): ContainerShapes {
  const m = containers.length;
  const shapeOf = registered.get(containers);
  if (!shapeOf || shapeOf.length !== m) {
    const own = new Int32Array(m);
    for (let j = 0; j < m; j++) own[j] = j;
    return { shapeOf: own, first: Array.from(own) };
  }
  const first: number[] = [];
  for (let j = 0; j < m; j++) if (shapeOf[j] === first.length) first.push(j);
  return { shapeOf, first };
}
