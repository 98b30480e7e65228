/**
 * Exact parsing of Kubernetes resource quantities and JSON numbers.
 *
 * Grammar (k8s.io/apimachinery resource.Quantity):
 *   quantity  ::= signedNumber suffix
 *   number    ::= digits | digits "." digits | digits "." | "." digits
 *   suffix    ::= binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (m "" k M G T P E)
 *               | ("e" | "E") signedInteger
 * `K` is not a suffix. Like Kubernetes, values finer than one milli-unit are
 * rounded up to the next milli-unit, and values above 2^63-1 units are refused.
 * Every value is returned as an integer number of milli-units (bigint), so
 * sums and comparisons downstream are exact.
 */

/** A parsed decimal: value = digits × 10^exponent, exactly. */
export interface ExactDecimal {
  readonly digits: bigint;
  readonly exponent: number;
}

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const NUMBER = /^([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?$/;
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY_POWER: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENT: Readonly<Record<string, number>> = { m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Longest quantity string accepted; longer ones cannot be a value within the 2^63-1 cap anyway. */
const MAX_LENGTH = 64;
/** Largest |decimal exponent| looked at before refusing: keeps BigInt work bounded. */
const MAX_EXPONENT = 400;
export const MAX_QUANTITY_UNITS = (1n << 63n) - 1n;

function splitNumber(sign: string, body: string, exponent: number): ExactDecimal {
  const dot = body.indexOf('.');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  const fracPart = dot < 0 ? '' : body.slice(dot + 1);
  const magnitude = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  return { digits: sign === '-' ? -magnitude : magnitude, exponent: exponent - fracPart.length };
}

/** Ceiling of n / d for d > 0. */
function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n > 0n && q * d !== n ? q + 1n : q;
}

/** The exact decimal value of a finite JS number, read from its shortest round-trip string. */
export function exactDecimalOfNumber(value: number): ExactDecimal {
  const match = NUMBER.exec(String(value));
  if (!match || !Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return splitNumber(match[1] ?? '', match[2] ?? '0', Number(match[3] ?? '0'));
}

/** Results of recent parses: a cluster's thousands of replicas repeat a few dozen quantities. */
const parsedQuantities = new Map<string | number, ParseResult<bigint>>();
const MAX_REMEMBERED = 4096;

/**
 * Parses a quantity (a Kubernetes quantity string or a JSON number) into milli-units.
 * Negative values are refused: requests and capacities are never negative.
 */
export function parseQuantity(input: string | number): ParseResult<bigint> {
  let result = parsedQuantities.get(input);
  if (result) return result;
  result = parseQuantityOnce(input);
  if (parsedQuantities.size >= MAX_REMEMBERED) parsedQuantities.clear();
  parsedQuantities.set(input, result);
  return result;
}

function parseQuantityOnce(input: string | number): ParseResult<bigint> {
  let multiplier = 1n;
  let exponent = 0;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: 'must be a finite number' };
    const d = exactDecimalOfNumber(input);
    if (d.digits < 0n) return { ok: false, message: 'must not be negative' };
    return fromDecimal(d.digits, d.exponent, 1n);
  }
  if (input.length === 0) return { ok: false, message: 'is empty; expected a quantity such as "500m", "2" or "16Gi"' };
  if (input.length > MAX_LENGTH) return { ok: false, message: `is longer than ${MAX_LENGTH} characters` };
  const match = QUANTITY.exec(input);
  if (!match) {
    return {
      ok: false,
      message:
        `"${input}" is not a Kubernetes quantity (number with optional ` +
        `suffix Ki Mi Gi Ti Pi Ei, m k M G T P E, or e<exponent>)`,
    };
  }
  const sign = match[1] ?? '';
  const body = match[2] ?? '0';
  const suffix = match[3] ?? '';
  if (suffix in BINARY_POWER) {
    multiplier = 1024n ** BigInt(BINARY_POWER[suffix] ?? 0);
  } else if (suffix in DECIMAL_EXPONENT) {
    exponent = DECIMAL_EXPONENT[suffix] ?? 0;
  } else if (suffix !== '') {
    const e = Number(suffix.slice(1));
    if (!Number.isSafeInteger(e) || Math.abs(e) > MAX_EXPONENT)
      return { ok: false, message: `"${input}" has an exponent out of range` };
    exponent = e;
  }
  const d = splitNumber(sign, body, exponent);
  if (d.digits < 0n) return { ok: false, message: `"${input}" must not be negative` };
  return fromDecimal(d.digits, d.exponent, multiplier);
}

/** milli-units = ceil(digits × 10^exponent × multiplier × 1000), capped at 2^63-1 units. */
function fromDecimal(digits: bigint, exponent: number, multiplier: bigint): ParseResult<bigint> {
  const e = exponent + 3;
  if (digits === 0n) return { ok: true, value: 0n };
  // A value with more than ~40 integer digits is far above the cap; refuse before any big power.
  if (e + digits.toString().length > 45) return { ok: false, message: 'is larger than 2^63-1' };
  if (e < -MAX_EXPONENT) return { ok: true, value: 1n }; // a positive value below one milli-unit rounds up to 1m
  const milli = e >= 0 ? digits * multiplier * 10n ** BigInt(e) : ceilDiv(digits * multiplier, 10n ** BigInt(-e));
  if (milli > MAX_QUANTITY_UNITS * 1000n) return { ok: false, message: 'is larger than 2^63-1' };
  return { ok: true, value: milli };
}

/** Milli-units back to a float in base units (cores, bytes, …), for the solvers. */
export function milliToNumber(milli: bigint): number {
  return Number(milli) / 1000;
}

/** Formats milli-units as the shortest exact decimal string in base units ("0.5", "17179869184"). */
export function formatMilli(milli: bigint): string {
  const neg = milli < 0n;
  const abs = neg ? -milli : milli;
  const whole = abs / 1000n;
  const frac = (abs % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Most decimal places a program's demand or capacity number may carry (so it converts to an exact integer). */
export const MAX_DECIMAL_PLACES = 12;

/**
 * Converts one non-negative JS number to an exact integer count of 10^-MAX_DECIMAL_PLACES units,
 * or says why it cannot (negative, or finer than 10^-12).
 */
export function numberToPicoUnits(value: number): ParseResult<bigint> {
  if (!Number.isFinite(value)) return { ok: false, message: 'must be a finite number' };
  if (value < 0) return { ok: false, message: 'must not be negative' };
  const d = exactDecimalOfNumber(value);
  const e = d.exponent + MAX_DECIMAL_PLACES;
  if (e < 0) {
    const divisor = 10n ** BigInt(-e);
    if (d.digits % divisor !== 0n) return { ok: false, message: `has more than ${MAX_DECIMAL_PLACES} decimal places` };
    return { ok: true, value: d.digits / divisor };
  }
  return { ok: true, value: d.digits * 10n ** BigInt(e) };
}
