import { describe, expect, it } from 'vitest';
import type { HypothesisResult } from '../hypotheses.ts';
import type { Check, VariantSummary } from '../../results/summary.ts';
import { saturationChecks } from '../service-load.ts';
import { decideVerdict, faultChecks, loadChecks, NOT_VERIFIED, thresholdHypotheses } from '../verdict.ts';

const held: HypothesisResult = { name: 'h', variant: 'v', phase: 'run', measure: 'm', observed: 1, bound: 2, expected: '<= 2', outcome: 'held' };
const failed: HypothesisResult = { ...held, name: 'f', observed: 3, outcome: 'failed' };
const ok: Check = { check: 'arrival-rate', variant: 'v', ok: true, detail: 'fine' };
const tripped: Check = { check: 'load-schedule', variant: 'v', ok: false, detail: 'the engine fell behind' };

interface Over {
  dropped?: number;
  exhausted?: boolean;
  lagP99?: number;
  visible?: boolean | null;
  noEffect?: string | null;
  thresholds?: { metric: string; expression: string; ok: boolean; observed: number | null; bound: number | null }[];
  services?: VariantSummary['services'];
}

function variant(over: Over): VariantSummary {
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
    engine: {
      engine: 'embedded',
      exitCode: 0,
      metrics: {},
      arrival: { plannedIterations: planned, achievedIterations: planned - dropped, droppedIterations: dropped, droppedRatio: dropped / planned, plannedRate: 100, achievedRate: 100 - dropped / 10 },
      startLag: over.lagP99 === undefined ? null : { p50Ms: 0.5, p99Ms: over.lagP99, maxMs: over.lagP99 * 2, boundMs: 20 },
      vus: { peak: 10, allocated: 20, exhausted: over.exhausted ?? false },
      thresholds: over.thresholds ?? [],
      cpu: { seconds: 1, averageCores: 0.1, peakCores: 0.2, runQueueWaitRatio: 0.1, schedulingDelayMs: 0.05, starved: false },
      summaryFile: null,
      secondsFile: null,
      dashboard: null,
      log: null,
    },
    services: over.services ?? {},
    cost: { cpuSecondsPerSuccess: null, downstreamPerRequest: null, peakMemoryMiB: null },
    autoscaler: null,
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
    expect(v.reasons).toEqual(['inconclusive: v: the engine fell behind', "failed: 'f' in v/run: observed 3, expected <= 2"]);
  });
});

describe('the checks behind inconclusive', () => {
  const state = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.check, c.ok]));
  it('1% dropped iterations is still a held rate; more is not', () => {
    expect(state(loadChecks(variant({ dropped: 10 })))['arrival-rate']).toBe(true);
    expect(state(loadChecks(variant({ dropped: 11 })))['arrival-rate']).toBe(false);
  });
  it('an exhausted VU pool trips its check', () => {
    expect(state(loadChecks(variant({ exhausted: true })))['vu-pool']).toBe(false);
  });
  it('a start lag p99 over the bound trips load-schedule; under it, or not measured (k6), does not', () => {
    expect(state(loadChecks(variant({ lagP99: 25 })))['load-schedule']).toBe(false);
    expect(state(loadChecks(variant({ lagP99: 3 })))['load-schedule']).toBe(true);
    expect(loadChecks(variant({}))).toContainEqual(expect.objectContaining({ check: 'load-schedule', ok: true, detail: expect.stringMatching(/does not measure start lag/) }));
  });
  it('a fault that did not show, or had nothing to act on, trips a check; an unchecked fault is named applied, not verified', () => {
    expect(faultChecks(variant({ visible: false }))).toMatchObject([{ check: 'fault-visible', ok: false }]);
    expect(faultChecks(variant({ visible: true }))).toMatchObject([{ check: 'fault-visible', ok: true }]);
    expect(faultChecks(variant({ visible: true, noEffect: 'no key matched' }))).toMatchObject([{ check: 'fault-effect', ok: false }, { check: 'fault-visible' }]);
    expect(faultChecks(variant({}))).toMatchObject([{ check: 'fault-unverified', ok: true, detail: expect.stringContaining(NOT_VERIFIED) }]);
  });
  it('a failed threshold of the load script is a failed hypothesis, not ignored', () => {
    const results = thresholdHypotheses(variant({ thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.01', ok: false, observed: 0.02, bound: 0.01 }, { metric: 'checks', expression: 'rate>0.99', ok: true, observed: 1, bound: 0.99 }] }));
    expect(results.map((r) => [r.name, r.outcome])).toEqual([['threshold http_req_failed: rate<0.01', 'failed'], ['threshold checks: rate>0.99', 'held']]);
    expect(decideVerdict([ok], results)).toMatchObject({ verdict: 'failed', exitCode: 1 });
  });
  it('a service beyond the scenario\'s saturation bound in a judged phase trips sut-saturation', () => {
    const services = { steady: { catalog: { cpuCores: 0.95, eventLoopP99Ms: 80, residentMiB: 90 }, gateway: { cpuCores: 0.2, eventLoopP99Ms: 11, residentMiB: 80 } } };
    const checks = saturationChecks(variant({ services }), { phases: ['steady'], eventLoopP99Ms: 50 });
    expect(checks).toMatchObject([{ check: 'sut-saturation', ok: false, detail: expect.stringMatching(/catalog's event loop lagged 80 ms/) }]);
    expect(saturationChecks(variant({ services }), { phases: ['steady'], eventLoopP99Ms: 100 })).toMatchObject([{ ok: true }]);
    expect(saturationChecks(variant({ services }), undefined)).toEqual([]);
  });
});
