/**
 * Prometheus native (sparse, exponential) histograms, built from observed values.
 *
 * Written here because no npm library builds them: prom-client has classic histograms only.
 * The bucketing follows the native histogram spec and client_golang, which k6's remote-write
 * output uses: with a bucket factor of 1.1 that picks schema 3 (each power of two split into
 * 8 buckets, bucket i covering (2^((i-1)/8), 2^(i/8)]), and the default zero threshold 2^-128.
 * Bucket keys come from the float's exponent and mantissa (frexp) rather than from log2, so a
 * value on a bucket boundary lands in the bucket whose upper bound it is, as in Prometheus.
 */

/** A cumulative native histogram in Prometheus's integer-count encoding. */
export interface NativeHistogram {
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  /** Runs of consecutive buckets: the first offset is the first bucket's key, later ones the gap since the previous run. */
  positiveSpans: { offset: number; length: number }[];
  /** Bucket counts in key order, the first absolute, each next one as the difference to the one before. */
  positiveDeltas: number[];
}

/** k6's choice (client_golang with NativeHistogramBucketFactor 1.1): buckets about 9% wide. */
export const DEFAULT_SCHEMA = 3;
/** client_golang's DefNativeHistogramZeroThreshold: 2^-128. */
export const DEFAULT_ZERO_THRESHOLD = 2 ** -128;
/** Empty buckets between two filled ones cost less as zero deltas than as a new span up to this gap (client_golang's rule). */
const MAX_GAP_FILLED = 2;

const bits = new DataView(new ArrayBuffer(8));

/** frexp: v = frac · 2^exp with frac in [0.5, 1), for normal v > 0 (subnormals are all inside the zero bucket). */
function frexp(v: number): { frac: number; exp: number } {
  bits.setFloat64(0, v);
  const high = bits.getUint16(0);
  bits.setUint16(0, (high & 0x800f) | (1022 << 4));
  return { frac: bits.getFloat64(0), exp: ((high >>> 4) & 0x7ff) - 1022 };
}

/** The upper bounds of one power of two's buckets for a positive schema, as fractions in (0.5, 1]. */
function fractionBounds(schema: number): number[] {
  const perPower = 2 ** schema;
  return Array.from({ length: perPower }, (_, j) => 2 ** (j / perPower) / 2);
}

export class NativeHistogramBuilder {
  readonly schema: number;
  readonly zeroThreshold = DEFAULT_ZERO_THRESHOLD;
  private readonly bounds: number[];
  private readonly buckets = new Map<number, number>();
  private zeroCount = 0;
  private count = 0;
  private sum = 0;

  constructor(schema: number = DEFAULT_SCHEMA) {
    if (!Number.isInteger(schema) || schema < -4 || schema > 8) {
      throw new RangeError(`native histogram schema ${schema} is not one Prometheus knows: use a whole number from -4 to 8 (k6 uses 3)`);
    }
    this.schema = schema;
    this.bounds = schema > 0 ? fractionBounds(schema) : [];
  }

  /** Records one value (e.g. a duration in seconds); negative, NaN and infinite values are refused. */
  observe(value: number): void {
    if (!(value >= 0) || value === Infinity) {
      throw new RangeError(`native histogram observation ${value} is not a finite value >= 0: durations and sizes only`);
    }
    this.count++;
    this.sum += value;
    if (value <= this.zeroThreshold) {
      this.zeroCount++;
      return;
    }
    const key = this.bucketKey(value);
    this.buckets.set(key, (this.buckets.get(key) ?? 0) + 1);
  }

  /** The key i of the bucket (base^(i-1), base^i] holding v, base = 2^(2^-schema). */
  bucketKey(v: number): number {
    const { frac, exp } = frexp(v);
    if (this.schema > 0) {
      const bounds = this.bounds;
      let lo = 0;
      let hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (bounds[mid]! >= frac) hi = mid;
        else lo = mid + 1;
      }
      return lo + (exp - 1) * bounds.length;
    }
    const key = frac === 0.5 ? exp - 1 : exp;
    const shift = -this.schema;
    return (key + (1 << shift) - 1) >> shift;
  }

  /** Everything observed since construction, in the spans-and-deltas form Prometheus stores. */
  snapshot(): NativeHistogram {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const positiveSpans: NativeHistogram['positiveSpans'] = [];
    const positiveDeltas: number[] = [];
    let previousCount = 0;
    let nextKey = 0;
    for (const key of keys) {
      const gap = key - nextKey;
      const span = positiveSpans.at(-1);
      if (span === undefined || gap > MAX_GAP_FILLED) {
        positiveSpans.push({ offset: span === undefined ? key : gap, length: 1 });
      } else {
        for (let i = 0; i < gap; i++) {
          positiveDeltas.push(i === 0 ? -previousCount : 0);
        }
        if (gap > 0) previousCount = 0;
        span.length += gap + 1;
      }
      const bucketCount = this.buckets.get(key)!;
      positiveDeltas.push(bucketCount - previousCount);
      previousCount = bucketCount;
      nextKey = key + 1;
    }
    return {
      schema: this.schema,
      zeroThreshold: this.zeroThreshold,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      positiveSpans,
      positiveDeltas,
    };
  }
}
