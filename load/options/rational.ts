/**
 * Exact rational numbers for execution segments, on fraction.js (BigInt): k6 reads segments as
 * rationals (Go's big.Rat) so that thirds, sevenths and the like split a test without losing an
 * iteration or a VU to floating-point rounding. What is k6's own stays here: the forms a segment
 * may be written in (fraction.js reads more, e.g. "0.(3)"), and how k6 prints one.
 */
import Fraction from 'fraction.js';

export type Rational = Fraction;

/** n/d, reduced; `n` and `d` of the result are non-negative (the sign is Fraction's `s`). */
export const rational = (n: bigint, d: bigint = 1n): Rational => new Fraction(n, d);

export const ZERO = rational(0n);
export const ONE = rational(1n);

export const add = (a: Rational, b: Rational): Rational => a.add(b);
export const sub = (a: Rational, b: Rational): Rational => a.sub(b);
export const mul = (a: Rational, b: Rational): Rational => a.mul(b);
export const cmp = (a: Rational, b: Rational): number => a.compare(b);
export const equal = (a: Rational, b: Rational): boolean => a.equals(b);

/** "1/3", "0.25", "3", "-1/2" (the forms Go's big.Rat.SetString reads that segments use); undefined when it is none of them. */
export function parseRational(text: string): Rational | undefined {
  const fraction = /^([+-]?\d+)\/(\d+)$/.exec(text);
  if (fraction) return BigInt(fraction[2]!) === 0n ? undefined : rational(BigInt(fraction[1]!), BigInt(fraction[2]!));
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return undefined;
  return new Fraction(text);
}

/** k6's RatString: "1/3", or "1" for whole numbers. */
export function ratString(value: Rational): string {
  return value.toFraction();
}

/** k6's FloatString(2), for error messages. */
export function floatString(value: Rational): string {
  return (Number(value.s * value.n) / Number(value.d)).toFixed(2);
}
