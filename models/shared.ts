/**
 * Typed arrays on SharedArrayBuffer memory. The model's large arrays (costs, demands, capacities,
 * blocked pairs) are built once where the input is read and then handed to the solver threads and back
 * without copying: posting a shared array to another thread passes a reference.
 */
export const sharedFloat64 = (length: number): Float64Array => new Float64Array(new SharedArrayBuffer(8 * length));
export const sharedBigInt64 = (length: number): BigInt64Array => new BigInt64Array(new SharedArrayBuffer(8 * length));
export const sharedInt32 = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * length));
export const sharedUint8 = (length: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(length));

/** A shared copy of the values. */
export function sharedBigInt64From(values: ArrayLike<bigint>): BigInt64Array {
  const out = sharedBigInt64(values.length);
  for (let k = 0; k < values.length; k++) out[k] = values[k]!;
  return out;
}

/** Largest value a BigInt64Array holds. */
export const INT64_MAX = 2n ** 63n - 1n;
