/** The HPA arithmetic against the examples of the Kubernetes HorizontalPodAutoscaler documentation. */
import { describe, expect, it } from 'vitest';
import { recommendReplicas, Stabilizer, type InstanceSample } from '../hpa.ts';

const ready = (...values: number[]): InstanceSample[] => values.map((value) => ({ value, ready: true }));

describe('desired = ceil(current × metric / target)', () => {
  it('200m against a target of 100m doubles the replicas', () => {
    expect(recommendReplicas(2, ready(200, 200), 100)).toBe(4);
  });
  it('50m against a target of 100m halves them', () => {
    expect(recommendReplicas(4, ready(50, 50, 50, 50), 100)).toBe(2);
  });
  it('50 replicas at 90 against a target of 75 become 60', () => {
    expect(recommendReplicas(50, ready(...Array<number>(50).fill(90)), 75)).toBe(60);
  });
  it('a ratio within the 10 % tolerance changes nothing; just outside it does', () => {
    expect(recommendReplicas(4, ready(108, 108, 108, 108), 100)).toBe(4);
    expect(recommendReplicas(4, ready(92, 92, 92, 92), 100)).toBe(4);
    expect(recommendReplicas(4, ready(115, 115, 115, 115), 100)).toBe(5);
  });
});

describe('instances set aside', () => {
  it('on a scale-down an instance without a sample counts as 100 % of the target', () => {
    // raw: 3 at 40 → ratio 0.4 → 2; with the missing one at 100: (120 + 100) / 4 = 55 → ceil(0.55 × 4) = 3
    expect(recommendReplicas(4, [...ready(40, 40, 40), { value: undefined, ready: true }], 100)).toBe(3);
  });
  it('on a scale-up an instance without a sample counts as 0 %', () => {
    // raw: 3 at 200 → ratio 2; with the missing one at 0: 600 / 4 = 150 → ceil(1.5 × 4) = 6
    expect(recommendReplicas(4, [...ready(200, 200, 200), { value: undefined, ready: true }], 100)).toBe(6);
  });
  it('on a scale-up a not-ready instance counts as 0 %, and a ratio that lands in the tolerance changes nothing', () => {
    // raw: 2 at 200 → ratio 2; with 2 not ready at 0: 400 / 4 = 100 → ratio 1.0 → no change
    expect(recommendReplicas(4, [...ready(200, 200), { value: 50, ready: false }, { value: 50, ready: false }], 100)).toBe(4);
  });
  it('with no sample at all, nothing changes', () => {
    expect(recommendReplicas(3, [{ value: undefined, ready: true }], 100)).toBe(3);
  });
});

describe('stabilization and limits', () => {
  it('a scale-down waits for the highest recommendation of its window; a scale-up (window 0) is immediate', () => {
    const s = new Stabilizer({ minReplicas: 1, maxReplicas: 8, target: 100, scaleDownStabilizationSeconds: 20 });
    expect(s.desired(0, 2, 5)).toBe(5); // up at once
    expect(s.desired(5, 5, 2)).toBe(5); // down held: 5 was recommended 5 s ago
    expect(s.desired(19, 5, 2)).toBe(5);
    expect(s.desired(21, 5, 2)).toBe(2); // the 5 left the 20 s window
  });
  it('a scale-up window takes the lowest recommendation of its window', () => {
    const s = new Stabilizer({ minReplicas: 1, maxReplicas: 8, target: 100, scaleUpStabilizationSeconds: 10, scaleDownStabilizationSeconds: 0 });
    expect(s.desired(0, 2, 2)).toBe(2);
    expect(s.desired(4, 2, 6)).toBe(2); // 2 still in the window
    expect(s.desired(11, 2, 6)).toBe(6);
  });
  it('clamps to minReplicas and maxReplicas', () => {
    const s = new Stabilizer({ minReplicas: 2, maxReplicas: 4, target: 100, scaleDownStabilizationSeconds: 0 });
    expect(s.desired(0, 3, 9)).toBe(4);
    expect(s.desired(1, 4, 1)).toBe(2);
  });
});
