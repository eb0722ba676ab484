import { describe, expect, it } from 'vitest';
import type { HypothesisResult } from '../hypotheses.ts';
import type { Check, VariantSummary } from '../summary.ts';
import { decideVerdict, faultChecks, loadChecks } from '../verdict.ts';

const held: HypothesisResult = { name: 'h', variant: 'v', phase: 'run', measure: 'm', observed: 1, bound: 2, expected: '<= 2', outcome: 'held' };
const failed: HypothesisResult = { ...held, name: 'f', observed: 3, outcome: 'failed' };
const ok: Check = { check: 'arrival-rate', variant: 'v', ok: true, detail: 'fine' };
const tripped: Check = { check: 'load-cpu', variant: 'v', ok: false, detail: 'k6 waited' };

function variant(over: { dropped?: number; exhausted?: boolean; starved?: boolean; visible?: boolean | null; noEffect?: string | null }): VariantSummary {
  const planned = 1000;
  const dropped = over.dropped ?? 0;
  return {
    name: 'v',
    description: 'd',
    switches: {},
    load: { start: '', end: '', seconds: 10 },
    phases: {},
    faults: [
      {
        id: '1-latency', fault: 'latency', target: 'gateway-catalog-1', attributes: {}, plannedAt: 1, plannedDuration: 1, state: 'reverted',
        appliedAt: '', revertedAt: '', detail: {}, error: null, noEffect: over.noEffect ?? null,
        visibility: over.visible === undefined ? null : { description: 'shows', query: 'q', observed: 1, expected: '> 0', visible: over.visible },
      },
    ],
    k6: {
      exitCode: 0,
      metrics: {},
      arrival: { plannedIterations: planned, achievedIterations: planned - dropped, droppedIterations: dropped, droppedRatio: dropped / planned, plannedRate: 100, achievedRate: 100 - dropped / 10 },
      vus: { peak: 10, allocated: 20, exhausted: over.exhausted ?? false },
      cpu: { seconds: 1, averageCores: 0.1, peakCores: 0.2, runQueueWaitRatio: 0.1, schedulingDelayMs: 0.05, starved: over.starved ?? false },
      dashboard: null,
      summaryFile: null,
    },
  };
}

describe('the verdict', () => {
  it('passes only when every hypothesis held and every check is ok', () => {
    expect(decideVerdict([ok], [held])).toEqual({ verdict: 'passed', exitCode: 0, reasons: [] });
  });
  it('fails with exit 1 when a hypothesis failed', () => {
    expect(decideVerdict([ok], [held, failed])).toMatchObject({ verdict: 'failed', exitCode: 1 });
  });
  it('is inconclusive with exit 3 when a check tripped, even if a hypothesis failed: the run proves nothing either way', () => {
    const v = decideVerdict([tripped], [failed]);
    expect(v).toMatchObject({ verdict: 'inconclusive', exitCode: 3 });
    expect(v.reasons).toEqual(['inconclusive: v: k6 waited', "failed: 'f' in v/run: observed 3, expected <= 2"]);
  });
});

describe('the checks behind inconclusive', () => {
  const state = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.check, c.ok]));
  it('1% dropped iterations is still a held rate; more is not', () => {
    expect(state(loadChecks(variant({ dropped: 10 })))['arrival-rate']).toBe(true);
    expect(state(loadChecks(variant({ dropped: 11 })))['arrival-rate']).toBe(false);
  });
  it('an exhausted VU pool or a starved k6 trips its check', () => {
    expect(state(loadChecks(variant({ exhausted: true })))['vu-pool']).toBe(false);
    expect(state(loadChecks(variant({ starved: true })))['load-cpu']).toBe(false);
  });
  it('a fault that did not show, or had nothing to act on, trips a check; an unchecked fault does not', () => {
    expect(faultChecks(variant({ visible: false }))).toMatchObject([{ check: 'fault-visible', ok: false }]);
    expect(faultChecks(variant({ visible: true }))).toMatchObject([{ check: 'fault-visible', ok: true }]);
    expect(faultChecks(variant({ noEffect: 'no key matched' }))).toMatchObject([{ check: 'fault-effect', ok: false }]);
    expect(faultChecks(variant({}))).toEqual([]);
  });
});
