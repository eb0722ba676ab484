/**
 * Exact rational numbers on BigInt, for execution segments: k6 reads segments as rationals
 * (Go's big.Rat) so that thirds, sevenths and the like split a test without losing an iteration or
 * a VU to floating-point rounding. Always kept reduced with a positive denominator.
 */

export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('denominator 0');
  const sign = d < 0n ? -1n : 1n;
  const g = gcd(n, d) || 1n;
  return { n: (sign * n) / g, d: (sign * d) / g };
}

export const ZERO = rational(0n);
export const ONE = rational(1n);

export const add = (a: Rational, b: Rational): Rational => rational(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rational(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rational(a.n * b.n, a.d * b.d);
export const cmp = (a: Rational, b: Rational): number => {
  const diff = a.n * b.d - b.n * a.d;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
};
export const equal = (a: Rational, b: Rational): boolean => a.n === b.n && a.d === b.d;

/** "1/3", "0.25", "3", "-1/2" (the forms Go's big.Rat.SetString reads that segments use); undefined when it is none of them. */
export function parseRational(text: string): Rational | undefined {
  const fraction = /^([+-]?\d+)\/(\d+)$/.exec(text);
  if (fraction) return BigInt(fraction[2]!) === 0n ? undefined : rational(BigInt(fraction[1]!), BigInt(fraction[2]!));
  const decimal = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!decimal || (decimal[2] === '' && (decimal[3] ?? '') === '')) return undefined;
  const digits = decimal[3] ?? '';
  const value = BigInt(`${decimal[2] || '0'}${digits}`);
  return rational(decimal[1] === '-' ? -value : value, 10n ** BigInt(digits.length));
}

/** k6's RatString: "1/3", or "1" for whole numbers. */
export function ratString(value: Rational): string {
  return value.d === 1n ? String(value.n) : `${value.n}/${value.d}`;
}

/** k6's FloatString(2), for error messages. */
export function floatString(value: Rational): string {
  return (Number(value.n) / Number(value.d)).toFixed(2);
}
