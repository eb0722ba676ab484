/**
 * k6's execution segments [lib/execution_segment.go], so N engines each run their part of one
 * test and together run the whole of it, each knowing only its own segment and the sequence:
 *
 * - A segment is a rational interval (from, to] of the test; a sequence lists segments end to
 *   start ("0,1/4,1/2,1"). Without a sequence, the segment is filled around to (0, 1].
 * - Striping: over one cycle of LCD elements (the least common denominator of the segments'
 *   lengths), element i goes to the first segment, largest first, whose share so far is behind
 *   (i · its LCD-share ≥ taken · LCD). The pattern repeats every LCD elements, so each segment owns
 *   a fixed set of global indices: iterations of an arrival-rate scenario, iteration numbers, VU
 *   numbers. Segments of one sequence own disjoint sets that together are all indices.
 * - Scaling a count (k6's ScaleInt64) is how many of the indices below it a segment owns, so the
 *   segments' shares of any count add up to exactly that count.
 * - Re-segmenting by a value (GetNewExecutionTupleFromValue): arrival-rate and shared-iterations
 *   scenarios stripe their iterations by a sequence rebuilt from how their VUs split, so a segment
 *   without VUs gets no iterations and its share goes to the others.
 */
import { cmp, equal, floatString, ONE, parseRational, rational, ratString, sub, ZERO, type Rational } from './rational.ts';
import { bad } from './values.ts';

export interface Segment {
  from: Rational;
  to: Rational;
}

/** Past this, one stripe cycle is too long to lay out; k6 has no such bound. */
const MAX_LCD = 10_000_000;
const EXAMPLE = 'e.g. --execution-segment 1/3:2/3 --execution-segment-sequence 0,1/3,2/3,1';

const show = (segment: Segment): string => `${ratString(segment.from)}:${ratString(segment.to)}`;
const length = (segment: Segment): Rational => sub(segment.to, segment.from);

/** A percentage ("25%", whole numbers only, as k6 reads it), a decimal or a fraction. */
function point(text: string, where: string): Rational {
  if (text.endsWith('%')) {
    const percent = /^[+-]?\d+$/.test(text.slice(0, -1)) ? BigInt(text.slice(0, -1)) : undefined;
    if (percent === undefined) throw bad(`${where}: '${text}' is not a valid percentage; write a whole percentage (25%), a decimal (0.25) or a fraction (1/4)`);
    return rational(percent, 100n);
  }
  const value = parseRational(text.trim());
  if (value === undefined) throw bad(`${where}: '${text}' is not a valid percentage, decimal, fraction or interval value; ${EXAMPLE}`);
  return value;
}

function checkedSegment(from: Rational, to: Rational, where: string): Segment {
  if (cmp(from, ZERO) < 0) throw bad(`${where}: segment start value must be at least 0 but was ${floatString(from)}; ${EXAMPLE}`);
  if (cmp(from, to) >= 0) throw bad(`${where}: segment start(${floatString(from)}) must be less than its end(${floatString(to)}); ${EXAMPLE}`);
  if (cmp(to, ONE) > 0) throw bad(`${where}: segment end value can't be more than 1 but was ${floatString(to)}; ${EXAMPLE}`);
  return { from, to };
}

/** "1/2:3/4", "50%:75%", "0.5:0.75", or one value v for 0:v; "" is the whole test. */
export function parseSegment(text: string, where: string): Segment {
  const value = text.trim() === '' ? '1' : text.trim();
  const colon = value.indexOf(':');
  if (colon < 0) return checkedSegment(ZERO, point(value, where), where);
  return checkedSegment(point(value.slice(0, colon), where), point(value.slice(colon + 1), where), where);
}

/** "r1,r2,...,rn": the segments (r1, r2], (r2, r3], ...; "" is no sequence. */
export function parseSequence(text: string, where: string): Segment[] | undefined {
  if (text.trim() === '') return undefined;
  const points = text.split(',');
  if (points.length < 2) throw bad(`${where}: at least 2 points are needed for an execution segment sequence, ${points.length} given; e.g. 0,1/2,1`);
  const values = points.map((p) => point(p, where));
  return values.slice(1).map((to, i) => checkedSegment(values[i]!, to, where));
}

/** One segment's indices within a stripe cycle of `lcd`, and what follows from them. */
class Stripe {
  readonly lcd: number;
  /** This segment's indices in [0, lcd), ascending. */
  readonly positions: number[];
  private readonly owned: Set<number>;

  constructor(lcd: number, positions: number[]) {
    this.lcd = lcd;
    this.positions = positions;
    this.owned = new Set(positions);
  }

  /** k6's ScaleInt64: how many of the indices 0..value-1 are this segment's. */
  scale(value: number): number {
    const rest = value % this.lcd;
    let count = Math.floor(value / this.lcd) * this.positions.length;
    for (const position of this.positions) if (position < rest) count += 1;
    return count;
  }

  /** The global index of this segment's j-th index (both from 0): k6's SegmentedIndex, unscaled. */
  globalIndex(j: number): number {
    const perCycle = this.positions.length;
    return Math.floor(j / perCycle) * this.lcd + this.positions[j % perCycle]!;
  }

  owns(index: number): boolean {
    return this.owned.has(index % this.lcd);
  }
}

function lcdOf(segments: Segment[]): number {
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  let lcd = 1n;
  for (const segment of segments) {
    const d = length(segment).d;
    lcd = (lcd * d) / gcd(lcd, d);
    if (lcd > BigInt(MAX_LCD)) throw bad(`execution segments: the segments' common denominator is above ${MAX_LCD.toLocaleString('en')}; use simpler fractions, e.g. quarters or tenths`);
  }
  return Number(lcd);
}

/** Every segment's stripe of one full sequence. */
function stripes(sequence: Segment[]): Stripe[] {
  const lcd = lcdOf(sequence);
  const shares = sequence.map((segment) => {
    const len = length(segment);
    return Number(len.n * (BigInt(lcd) / len.d));
  });
  const largestFirst = shares.map((_, i) => i).sort((a, b) => shares[b]! - shares[a]!); // stable, as k6's SliceStable
  const taken = shares.map(() => 0);
  const positions: number[][] = shares.map(() => []);
  for (let i = 0; i < lcd; i += 1) {
    for (const k of largestFirst) {
      if (i * shares[k]! >= taken[k]! * lcd) {
        taken[k]! += 1;
        positions[k]!.push(i);
        break;
      }
    }
  }
  return positions.map((p) => new Stripe(lcd, p));
}

/** The full sequence (0 to 1) around the given one or around a lone segment. */
function filled(sequence: Segment[] | undefined, segment: Segment | undefined): Segment[] {
  const out = sequence !== undefined ? [...sequence] : segment !== undefined && !(equal(segment.from, ZERO) && equal(segment.to, ONE)) ? [segment] : [];
  if (out.length === 0) return [{ from: ZERO, to: ONE }];
  if (!equal(out[0]!.from, ZERO)) out.unshift({ from: ZERO, to: out[0]!.from });
  if (!equal(out.at(-1)!.to, ONE)) out.push({ from: out.at(-1)!.to, to: ONE });
  return out;
}

/** A segment within its full sequence (k6's ExecutionTuple): what this engine runs of the test. */
export class ExecutionTuple {
  readonly sequence: Segment[];
  readonly index: number;
  private readonly stripe: Stripe;
  private readonly all: Stripe[];

  private constructor(sequence: Segment[], index: number, all?: Stripe[]) {
    this.sequence = sequence;
    this.index = index;
    this.all = all ?? stripes(sequence);
    this.stripe = this.all[index]!;
  }

  /** From the --execution-segment and --execution-segment-sequence values (undefined: not given). */
  static of(segment: Segment | undefined, sequence: Segment[] | undefined): ExecutionTuple {
    const full = filled(sequence, segment);
    const wanted = segment ?? { from: ZERO, to: ONE };
    const index = full.findIndex((s) => equal(s.from, wanted.from) && equal(s.to, wanted.to));
    if (index < 0) {
      const fix = segment === undefined ? `give --execution-segment, one of ${full.map(show).join(', ')}` : `give one of its segments: ${full.map(show).join(', ')}`;
      throw bad(`execution segment ${show(wanted)} is not in the sequence ${ExecutionTuple.sequenceString(full)}; ${fix}`);
    }
    return new ExecutionTuple(full, index);
  }

  static whole(): ExecutionTuple {
    return ExecutionTuple.of(undefined, undefined);
  }

  private static sequenceString(sequence: Segment[]): string {
    return [sequence[0]!.from, ...sequence.map((s) => s.to)].map(ratString).join(',');
  }

  /** The full sequence as k6 writes it, "0,1/3,2/3,1". */
  get sequenceText(): string {
    return ExecutionTuple.sequenceString(this.sequence);
  }

  get segment(): Segment {
    return this.sequence[this.index]!;
  }

  /** True when this engine runs only part of the test. */
  get partial(): boolean {
    return this.sequence.length > 1;
  }

  /** This segment's share of `value` (VUs, iterations): k6's ExecutionTuple.ScaleInt64. */
  scale(value: number): number {
    return this.partial ? this.stripe.scale(value) : value;
  }

  /** The global index (from 0) of this segment's j-th element (from 0). */
  globalIndex(j: number): number {
    return this.stripe.globalIndex(j);
  }

  owns(index: number): boolean {
    return this.stripe.owns(index);
  }

  /**
   * The sequence rebuilt from how `value` splits across it (empty shares dropped), and this
   * segment in it; undefined when this segment's share of `value` is 0 (it has no work).
   */
  forValue(value: number): ExecutionTuple | undefined {
    if (value < 1) return undefined;
    if (value % this.stripe.lcd === 0) return this;
    const sequence: Segment[] = [];
    let index = -1;
    let before = 0;
    this.all.forEach((stripe, i) => {
      const share = stripe.scale(value);
      if (share === 0) return;
      if (i === this.index) index = sequence.length;
      sequence.push({ from: rational(BigInt(before), BigInt(value)), to: rational(BigInt(before + share), BigInt(value)) });
      before += share;
    });
    return index < 0 ? undefined : new ExecutionTuple(sequence, index);
  }

  toString(): string {
    return `${show(this.segment)} of ${this.sequenceText}`;
  }
}

/** The segments 0:1/n, 1/n:2/n, ... of an even sequence of n (what a runner of n engines hands out). */
export function evenSequence(n: number): string {
  return Array.from({ length: n + 1 }, (_, i) => ratString(rational(BigInt(i), BigInt(n)))).join(',');
}

/** The i-th (from 0) segment of an even sequence of n, as `from:to`. */
export function evenSegment(i: number, n: number): string {
  return `${ratString(rational(BigInt(i), BigInt(n)))}:${ratString(rational(BigInt(i + 1), BigInt(n)))}`;
}
