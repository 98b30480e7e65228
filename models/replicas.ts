import { isRecord } from './own.js';
import { registerShapes } from './shapes.js';
import { NameSchema, SnapshotChecksSchema, SnapshotFieldsSchema, SnapshotSchema, type Snapshot } from './snapshot.js';

/**
 * Parsing a snapshot once per distinct container. Real clusters have thousands of identical replicas that
 * differ only in their names (and in the node each runs on now): the schema parses one container of each
 * shape, every other container gets its parsed shape with its own name and `current`, and the checks across
 * the snapshot (unique names, known nodes) run over all of them. The result is the schema's own.
 * When anything fails, the whole body is parsed again by the schema, so that every issue is reported at its
 * own path, exactly as without this.
 */
export const REPLICA_PARSE_FROM = 1000;

type Parsed = ReturnType<typeof SnapshotSchema.safeParse>;

export function parseSnapshot(body: unknown, from = REPLICA_PARSE_FROM): Parsed {
  const data = replicaParse(body, from);
  return data ? { success: true, data } : SnapshotSchema.safeParse(body);
}

export interface Shapes {
  /** One container of each shape, its name replaced and its `current` left out. */
  readonly representatives: Record<string, unknown>[];
  /** Each container's shape. */
  readonly shapeOf: Int32Array;
}

function replicaParse(body: unknown, from: number): Snapshot | undefined {
  if (!isRecord(body) || !Array.isArray(body['containers']) || body['containers'].length < from) return undefined;
  const containers = body['containers'] as unknown[];
  const shapes = containerShapes(containers);
  if (!shapes) return undefined;
  const reduced = SnapshotFieldsSchema.safeParse({ ...body, containers: shapes.representatives });
  if (!reduced.success) return undefined;
  const expanded = expand(reduced.data.containers, shapes.shapeOf, containers);
  if (!expanded) return undefined;
  const checked = SnapshotChecksSchema.safeParse({ ...reduced.data, containers: expanded });
  if (!checked.success) return undefined;
  const data = checked.data as Snapshot;
  registerShapes(data.containers, shapes.shapeOf);
  return data;
}

/**
 * The shapes of each containers array read: the size limits read a body's first, then the parse. Bodies are
 * read and never changed (a body the service builds is a new array); the length is checked all the same.
 */
const bodyShapes = new WeakMap<readonly unknown[], Shapes | null>();

/**
 * The containers' shapes: everything but `name` and `current`, as text (undefined when one is not an object or
 * its name not a string). Computed once per array.
 */
export function containerShapes(containers: readonly unknown[]): Shapes | undefined {
  let shapes = bodyShapes.get(containers);
  if (shapes === undefined || (shapes && shapes.shapeOf.length !== containers.length)) {
    shapes = distinctShapes(containers) ?? null;
    bodyShapes.set(containers, shapes);
  }
  return shapes ?? undefined;
}

function distinctShapes(containers: readonly unknown[]): Shapes | undefined {
  const index = new Map<string, number>();
  const representatives: Record<string, unknown>[] = [];
  const shapeOf = new Int32Array(containers.length);
  for (let j = 0; j < containers.length; j++) {
    const c = containers[j];
    if (!isRecord(c) || typeof c['name'] !== 'string') return undefined;
    // Replicas come one after another: one alike in everything but its name and node has the last one's shape.
    if (j > 0 && sameShape(c, containers[j - 1] as Record<string, unknown>)) {
      shapeOf[j] = shapeOf[j - 1]!;
      continue;
    }
    const key = shapeKey(c);
    let shape = index.get(key);
    if (shape === undefined) {
      shape = representatives.length;
      index.set(key, shape);
      const representative: Record<string, unknown> = { ...c, name: 'replica' };
      delete representative['current'];
      representatives.push(representative);
    }
    shapeOf[j] = shape;
  }
  return { representatives, shapeOf };
}

/**
 * Whether two containers are alike in everything but `name` and `current`: the same keys in the same order and equal
 * values, so that their shape texts (shapeKey) are equal. Strict equality of primitives, as JSON writes them (a body's
 * values are JSON's; -0 and 0 write alike).
 */
const sameShape = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  sameValue(a, b, (key) => key === 'name' || key === 'current');

/** Equal as JSON writes them: the same keys in the same order, equal values (those of keys `skip` names aside). */
function sameValue(a: unknown, b: unknown, skip?: (key: string) => boolean): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    if (a.length !== bs.length) return false;
    for (let k = 0; k < a.length; k++) if (!sameValue(a[k], bs[k])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let k = 0; k < ka.length; k++) {
    const key = ka[k]!;
    if (key !== kb[k]) return false;
    if (skip?.(key)) continue;
    if (!sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * A container's shape as text: written with its name and `current` set aside for the moment (cheaper than a
 * copy without them). Snapshots the service builds from others carry bigint quantities, which JSON text cannot:
 * those shapes are written with every string and bigint tagged, so that no two different shapes share a text.
 */
function shapeKey(c: Record<string, unknown>): string {
  const { name, current } = c;
  c['name'] = undefined;
  if (current !== undefined) c['current'] = undefined;
  try {
    return `j${JSON.stringify(c)}`;
  } catch {
    return `t${JSON.stringify(c, (_k, v: unknown) =>
      typeof v === 'bigint' ? `b${v}` : typeof v === 'string' ? `s${v}` : v,
    )}`;
  } finally {
    c['name'] = name;
    if (current !== undefined) c['current'] = current;
  }
}

/** Every container: its shape's parse with its own name and `current` (undefined when one of those is bad). */
function expand(
  parsed: readonly Snapshot['containers'][number][],
  shapeOf: Int32Array,
  containers: readonly unknown[],
): Snapshot['containers'] | undefined {
  const out: Snapshot['containers'] = new Array(containers.length);
  for (let j = 0; j < containers.length; j++) {
    const c = containers[j] as Record<string, unknown>;
    const name = c['name'];
    const current = c['current'];
    if (!NameSchema.safeParse(name).success) return undefined;
    if (current !== undefined && !NameSchema.safeParse(current).success) return undefined;
    const shape = parsed[shapeOf[j]!]!;
    out[j] =
      current === undefined
        ? { ...shape, name: name as string }
        : { ...shape, name: name as string, current: current as string };
  }
  return out;
}
