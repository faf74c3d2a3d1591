/**
 * EventBridge compares numbers as exact decimals with at most six decimal places, between
 * -5e9 and 5e9 inclusive (event-ruler's `ComparableNumber`). We keep them as integers in
 * millionths so `300`, `300.0` and `3.0e2` compare equal without floating-point error.
 */

const MAX_DECIMALS = 6;
const LIMIT = 5_000_000_000_000_000n; // 5e9 in millionths

/** Thrown for a number EventBridge cannot compare; the message is event-ruler's. */
export class NumberRangeError extends Error {}

/**
 * The number in millionths, or throws `NumberRangeError` when it has more than six decimal
 * places or lies outside [-5e9, 5e9]. `text` is a JSON number literal.
 */
export function toComparable(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new NumberRangeError(`Invalid number: ${text}`);
  const [, sign = '', intPart = '', fracPart = '', expPart = '0'] = match;
  let digits = (intPart + fracPart).replace(/^0+(?=\d)/, '');
  // Value = digits * 10^exponent; strip trailing zeros so the scale is the real one.
  let exponent = Number(expPart) - fracPart.length;
  const trimmed = digits.replace(/0+$/, '');
  if (trimmed === '') return 0n;
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (-exponent > MAX_DECIMALS) throw new NumberRangeError('Only values upto 6 decimals are supported');
  // 5e15 millionths has 16 digits: anything longer is out of range without building a huge bigint.
  if (digits.length + exponent + MAX_DECIMALS > 17) throw outOfRange();
  const value = BigInt(digits) * 10n ** BigInt(exponent + MAX_DECIMALS);
  if (value > LIMIT) throw outOfRange();
  return sign === '-' ? -value : value;
}

/** Like `toComparable`, but `undefined` for numbers EventBridge cannot compare. */
export function tryComparable(text: string): bigint | undefined {
  try {
    return toComparable(text);
  } catch {
    return undefined;
  }
}

export const MIN_COMPARABLE = -LIMIT;
export const MAX_COMPARABLE = LIMIT;

const outOfRange = () => new NumberRangeError('Value must be between -5.0E9 and 5.0E9, inclusive');
