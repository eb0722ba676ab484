/**
 * k6's segment arithmetic, held to the vectors of k6's own tests [lib/execution_segment_test.go]:
 * striped offsets, ScaleInt64, the sequence rebuilt from a value; plus the property segments
 * exist for: the segments of one sequence own every index exactly once and their shares add up.
 */
import { describe, expect, it } from 'vitest';
import { segmentShare } from '../executors/segment-share.ts';
import { ExecutionTuple, parseSegment, parseSequence } from '../options/execution-segment.ts';
import { parseOptions } from '../options/options.ts';

const tuple = (segment: string, sequence = ''): ExecutionTuple => ExecutionTuple.of(segment === '' ? undefined : parseSegment(segment, 'test'), parseSequence(sequence, 'test'));
/** The segment's indices within [0, n), as k6's start + offsets lay them out. */
const owned = (t: ExecutionTuple, n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => t.owns(i));

describe('execution segments as k6 computes them', () => {
  it('stripes as k6 does (its GetStripedOffsets vectors)', () => {
    const seq = '0,0.3,0.5,0.6,0.7,0.8,0.9,1';
    expect(owned(tuple('0:0.3', seq), 10)).toEqual([0, 4, 7]);
    expect(owned(tuple('0.3:0.5', seq), 10)).toEqual([1, 5]);
    expect(owned(tuple('0.5:0.6', seq), 10)).toEqual([2]);
    expect(owned(tuple('0.6:0.7', seq), 10)).toEqual([3]);
    expect(owned(tuple('0.8:0.9', seq), 10)).toEqual([8]);
    expect(owned(tuple('0.9:1', seq), 10)).toEqual([9]);
    expect(owned(tuple('0:0.2', '0,0.2,0.5,0.6,0.7,0.8,0.9,1'), 10)).toEqual([1, 5]);
    expect(owned(tuple('0:2/5', '0,2/5,4/5'), 5)).toEqual([0, 3]);
    expect(owned(tuple('2/5:4/5', '0,2/5,4/5'), 5)).toEqual([1, 4]);
    // no sequence: filled around the segment
    expect(owned(tuple('0:0.2'), 5)).toEqual([1]);
    expect(owned(tuple('0:2/10'), 5)).toEqual([1]);
    expect(owned(tuple('0:0.4'), 5)).toEqual([1, 3]);
    expect(owned(tuple('2/5:4/5'), 5)).toEqual([1, 4]);
    expect(owned(tuple('1/10:5/10'), 10)).toEqual([1, 3, 5, 9]);
  });

  it('scales and re-segments as k6 does (its NewExecutionTuple vectors)', () => {
    const thirds = '0,1/3,2/3,1';
    const cases: [string, Record<number, number>, Record<number, Record<number, number> | undefined>][] = [
      ['0:1/3', { 50: 17, 3: 1, 2: 1, 1: 1, 0: 0 }, { 50: { 50: 17, 1: 1 }, 20: { 50: 18, 1: 1 }, 3: { 50: 17 }, 2: { 50: 25, 1: 1 }, 1: { 50: 50, 1: 1 }, 0: undefined }],
      ['1/3:2/3', { 50: 17, 3: 1, 2: 1, 1: 0, 0: 0 }, { 50: { 50: 17, 1: 0 }, 20: { 50: 17 }, 3: { 50: 17 }, 2: { 50: 25, 1: 0 }, 1: undefined, 0: undefined }],
      ['2/3:1', { 50: 16, 3: 1, 2: 0, 1: 0, 0: 0 }, { 50: { 50: 16 }, 20: { 50: 15 }, 3: { 50: 16 }, 2: undefined, 1: undefined }],
    ];
    for (const [segment, scales, rescaled] of cases) {
      const t = tuple(segment, thirds);
      for (const [value, share] of Object.entries(scales)) expect(t.scale(Number(value)), `${segment} ${value}`).toBe(share);
      for (const [value, expected] of Object.entries(rescaled)) {
        const next = t.forValue(Number(value));
        if (expected === undefined) expect(next, `${segment} from ${value}`).toBeUndefined();
        else for (const [v, share] of Object.entries(expected)) expect(next!.scale(Number(v)), `${segment} from ${value}: ${v}`).toBe(share);
      }
    }
    expect(tuple('0:1/3', thirds).forValue(20)!.sequenceText).toBe('0,7/20,7/10,1');
    expect(tuple('').scale(50)).toBe(50);
    expect(tuple('0:1', '0,1').scale(7)).toBe(7);
  });

  it('k6\'s documented split 0:1/2, 1/2:3/4, 3/4:1: who owns which index, and ScaleInt64 of 1..12', () => {
    const seq = '0,1/2,3/4,1';
    const shares = (segment: string) => Array.from({ length: 12 }, (_, i) => tuple(segment, seq).scale(i + 1));
    expect(shares('0:1/2')).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(shares('1/2:3/4')).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
    expect(shares('3/4:1')).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
    expect(Array.from({ length: 3 }, (_, j) => tuple('1/2:3/4', seq).globalIndex(j))).toEqual([1, 5, 9]);
  });

  it('the segments of a sequence own every index once and their shares add up to every count', () => {
    for (const seq of ['0,1', '0,1/2,1', '0,1/3,2/3,1', '0,1/4,1/2,3/4,1', '0,1/7,3/7,1/2,5/6,1', '0,0.3,0.5,0.6,0.7,0.8,0.9,1']) {
      const parts = parseSequence(seq, 'test')!.map((s) => ExecutionTuple.of(s, parseSequence(seq, 'test')));
      for (let i = 0; i < 300; i += 1) expect(parts.filter((p) => p.owns(i)).length, `${seq} index ${i}`).toBe(1);
      for (let v = 0; v < 300; v += 1) expect(parts.reduce((n, p) => n + p.scale(v), 0)).toBe(v);
      for (const part of parts) for (let j = 0; j < 50; j += 1) expect(part.owns(part.globalIndex(j))).toBe(true);
    }
  });

  it('refuses bad input with one line naming the problem and the fix', () => {
    const refusal = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(() => parseSegment('2/1', '--execution-segment'))).toMatch(/^--execution-segment: segment end value can't be more than 1 but was 2\.00; e\.g\./);
    expect(refusal(() => parseSegment('1/2:1/4', '--execution-segment'))).toMatch(/segment start\(0\.50\) must be less than its end\(0\.25\)/);
    expect(refusal(() => parseSegment('abc', '--execution-segment'))).toMatch(/'abc' is not a valid percentage, decimal, fraction or interval value/);
    expect(refusal(() => parseSegment('12.5%', '--execution-segment'))).toMatch(/'12\.5%' is not a valid percentage; write a whole percentage/);
    expect(refusal(() => parseSequence('1/2', '--execution-segment-sequence'))).toMatch(/at least 2 points are needed/);
    expect(refusal(() => parseSequence('0,1/2,1/3,1', '--execution-segment-sequence'))).toMatch(/segment start\(0\.50\) must be less than its end\(0\.33\)/);
    expect(refusal(() => tuple('0:1/3', '0,1/2,1'))).toBe('execution segment 0:1/3 is not in the sequence 0,1/2,1; give one of its segments: 0:1/2, 1/2:1');
    expect(refusal(() => tuple('', '0,1/2,1'))).toBe('execution segment 0:1 is not in the sequence 0,1/2,1; give --execution-segment, one of 0:1/2, 1/2:1');
    for (const message of ['2/1', 'abc'].map((s) => refusal(() => parseSegment(s, 'x')))) expect(message).not.toContain('\n');
    expect(tuple('25%:50%').toString()).toBe('1/4:1/2 of 0,1/4,1/2,1');
    expect(tuple('0.5').toString()).toBe('0:1/2 of 0,1/2,1');
  });
});

describe('each executor\'s share of a segment, as k6 scales it', () => {
  const shares = (scenario: Record<string, unknown>, sequence: string) => {
    const config = parseOptions({ scenarios: { s: scenario } }).scenarios[0]!;
    return parseSequence(sequence, 'test')!.map((segment) => segmentShare(config, ExecutionTuple.of(segment, parseSequence(sequence, 'test'))));
  };

  it('ramping-vus: at every step the segments\' VUs add up to the whole test\'s', () => {
    const parts = shares({ executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '10s', target: 7 }, { duration: '5s', target: 2 }] }, '0,1/3,2/3,1');
    for (let vus = 0; vus <= 7; vus += 1) expect(parts.reduce((n, p) => n + p.vusAt(vus), 0)).toBe(vus);
    expect(parts.map((p) => p.vus)).toEqual([3, 2, 2]);
  });

  it('constant-vus and per-vu-iterations scale the VUs; per-vu-iterations keeps each VU\'s iterations', () => {
    expect(shares({ executor: 'constant-vus', vus: 5, duration: '1s' }, '0,1/2,1').map((p) => p.vus)).toEqual([3, 2]);
    expect(shares({ executor: 'per-vu-iterations', vus: 5, iterations: 4 }, '0,1/2,1').map((p) => [p.vus, p.iterations])).toEqual([[3, 4], [2, 4]]);
  });

  it('shared-iterations and arrival rate: a segment without VUs has no work and its share goes to the others', () => {
    const shared = shares({ executor: 'shared-iterations', vus: 2, iterations: 9 }, '0,1/3,2/3,1');
    expect(shared.map((p) => [p.hasWork, p.vus, p.iterations])).toEqual([[true, 1, 5], [true, 1, 4], [false, 0, 0]]);
    const arrival = shares({ executor: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 1, maxVUs: 2 }, '0,1/3,2/3,1');
    expect(arrival.map((p) => [p.hasWork, p.vus, p.maxVUs])).toEqual([[true, 1, 1], [true, 0, 1], [false, 0, 0]]);
    for (let k = 0; k < 30; k += 1) expect(arrival.filter((p) => p.ownsIteration(k)).length, `iteration ${k}`).toBe(1);
  });
});
