/**
 * Reading input records safely. JSON keys are user data: a resource, label or container called
 * "constructor", "toString" or "valueOf" must not read Object.prototype's members, so every lookup of
 * an input key is an own-property lookup.
 */

/** record[key] when the record has that key itself, else undefined (never an inherited member). */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether the record has the key itself. */
export function hasOwn(record: object | undefined, key: string): boolean {
  return record !== undefined && Object.hasOwn(record, key);
}

/** Whether an input value is a record (a JSON object: not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The largest value (−Infinity when empty), without spreading the array into arguments. */
export function maxOf(values: ArrayLike<number>): number {
  let best = -Infinity;
  for (let k = 0; k < values.length; k++) if (values[k]! > best) best = values[k]!;
  return best;
}

/** The smallest value (Infinity when empty). */
export function minOf(values: ArrayLike<number>): number {
  let best = Infinity;
  for (let k = 0; k < values.length; k++) if (values[k]! < best) best = values[k]!;
  return best;
}
