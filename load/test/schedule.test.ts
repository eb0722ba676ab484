/** The arrival schedules are k6's: its own ramp test vector, and constant rate's k·timeUnit/rate. */
import { describe, expect, it } from 'vitest';
import { allDue, constantSchedule, rampingSchedule } from '../executors/schedule.ts';

describe('arrival schedules', () => {
  it("ramping-arrival-rate passes k6's own vector: 0→1/s over 5 s, 1/s for 1 s, 1→0 over 5 s", () => {
    const due = allDue(rampingSchedule(0, 1000, [
      { durationMs: 5000, target: 1 },
      { durationMs: 1000, target: 1 },
      { durationMs: 5000, target: 0 },
    ]));
    const expected = [3162, 4472, 5500, 6527, 7837, 11000]; // lib/executor/ramping_arrival_rate_test.go, in ms
    expect(due).toHaveLength(expected.length);
    due.forEach((at, i) => expect(Math.abs(at - expected[i]!)).toBeLessThan(1));
  });

  it('constant-arrival-rate puts iteration k at k·timeUnit/rate, the first at 0, none at the end', () => {
    const due = allDue(constantSchedule(3, 2000, 4000)); // 3 per 2 s for 4 s
    expect(due).toHaveLength(6);
    due.forEach((at, k) => expect(at).toBeCloseTo((k * 2000) / 3, 9));
    expect(allDue(constantSchedule(2000, 1000, 10_000))).toHaveLength(20_000);
  });

  it('a ramp carries fractions across stages instead of rounding per stage', () => {
    const due = allDue(rampingSchedule(0.5, 1000, [{ durationMs: 3000, target: 0.5 }, { durationMs: 3000, target: 0.5 }]));
    expect(due.map((at) => Math.round(at))).toEqual([2000, 4000, 6000]);
  });
});
