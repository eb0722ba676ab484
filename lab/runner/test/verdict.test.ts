import { describe, expect, it } from 'vitest';
import type { HypothesisResult } from '../hypotheses.ts';
import type { Check, VariantSummary } from '../../run-summary/summary.ts';
import { scenarioSchema } from '../schema.ts';
import { saturationBounds, saturationChecks } from '../service-load.ts';
import { droppedIterationChecks } from '../dropped-iterations.ts';
import { decideVerdict, faultChecks, loadChecks, NOT_VERIFIED, thresholdHypotheses } from '../verdict.ts';

const minimalScenario = { title: 't', teaches: 't', variants: { v: { description: 'v' } }, profiles: { smoke: { duration: 10 }, full: { duration: 10 } }, hypotheses: [{ name: 'h', measure: { k6: 'http_reqs', stat: 'count' }, expect: { op: '>', value: 0 } }] };
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
  machine?: NonNullable<VariantSummary['engine']>['machine'];
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
      machine: over.machine ?? null,
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
  it('other work on the machine at the bound or over trips machine-load, naming the busiest; under it, or not watched, does not', () => {
    const machine = (otherCores: number) => ({ seconds: 30, machineCores: 1.2 + otherCores, labCores: 1.2, otherCores, busiestOther: [{ command: 'go', cores: otherCores }] });
    const busy = loadChecks(variant({ machine: machine(0.3) })).find((c) => c.check === 'machine-load')!;
    expect(busy.ok).toBe(false);
    expect(busy.detail).toMatch(/used 0\.30 cores .* \(busiest: go 0\.30\): the app's services shared their cores/);
    expect(decideVerdict([busy], [failed])).toMatchObject({ verdict: 'inconclusive' });
    expect(state(loadChecks(variant({ machine: machine(0.12) })))['machine-load']).toBe(true);
    expect(loadChecks(variant({})).map((c) => c.check)).not.toContain('machine-load');
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
    const checks = saturationChecks(variant({ services }), saturationBounds({ phases: ['steady'], eventLoopP99Ms: 50 }, 2));
    expect(checks).toMatchObject([{ check: 'sut-saturation', ok: false, detail: expect.stringMatching(/catalog's event loop lagged 80 ms/) }]);
    expect(saturationChecks(variant({ services }), saturationBounds({ phases: ['steady'], cpuCores: 1, eventLoopP99Ms: 100 }, 2))).toMatchObject([{ ok: true }]);
  });
  it('the saturation guard is on without a word from the scenario: bounds from the machine\'s cores', () => {
    const bounds = saturationBounds(scenarioSchema.parse(minimalScenario).saturation, 2);
    expect(bounds).toEqual({ phases: ['steady'], cpuCores: 0.9, totalCpuCores: 1.6, eventLoopP99Ms: 200 });
    expect(saturationBounds(scenarioSchema.parse(minimalScenario).saturation, 1)).toMatchObject({ cpuCores: 0.8, totalCpuCores: 0.8 });
    const busy = { steady: { catalog: { cpuCores: 0.97, eventLoopP99Ms: 30, residentMiB: 90 }, gateway: { cpuCores: 0.7, eventLoopP99Ms: 11, residentMiB: 80 } } };
    expect(saturationChecks(variant({ services: busy }), bounds)).toMatchObject([{ ok: false, detail: expect.stringMatching(/catalog used 0.97 cores \(bound 0.9\); the services together used 1.67 cores \(bound 1.6\)/) }]);
    // three catalog instances share one job: their bound is three times one instance's
    expect(saturationChecks(variant({ services: busy }), { ...bounds, totalCpuCores: 4 }, { catalog: 3 })).toMatchObject([{ ok: true }]);
  });
});

describe('dropped iterations judged where they happen, from the per-second file', () => {
  // cache-stampede's shape: 60 s at 400/s, an eviction at 42-45 s
  const T = 1_800_000_000;
  const phases = { steady: { start: T + 8, end: T + 18 }, fault: { start: T + 18, end: T + 45 }, recovery: { start: T + 48, end: T + 60 } };
  const faults = [{ start: T + 18.2, end: T + 26.2 }, { start: T + 42.1, end: T + 45.1 }];
  const seconds = (drop: (s: number) => number) => Array.from({ length: 60 }, (_, s) => ({ t: T + s, planned: 400, dropped: drop(s) }));

  it('240 drops in a 3 s eviction pass the whole-run 1% but trip the fault phase and its seconds', () => {
    const inEviction = seconds((s) => (s >= 42 && s < 45 ? 80 : 0));
    const whole = variant({ dropped: 0 });
    whole.engine!.arrival = { ...whole.engine!.arrival, plannedIterations: 24_000, droppedIterations: 240, droppedRatio: 0.01 };
    expect(loadChecks(whole).find((c) => c.check === 'arrival-rate')!.ok).toBe(true);
    const checks = droppedIterationChecks('v', inEviction, phases, faults);
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['arrival-rate-phase', true],
      ['arrival-rate-phase', false],
      ['arrival-rate-phase', true],
      ['arrival-rate-fault-seconds', false],
    ]);
    expect(checks[3]!.detail).toMatch(/^3 of 1\d seconds with a fault on dropped more than 1.00% of their iterations \(the worst 80 of 400\)/);
  });

  it('a few drops spread thin trip nothing; 5 in one faulted second of 400 do', () => {
    expect(droppedIterationChecks('v', seconds((s) => (s % 10 === 0 ? 2 : 0)), phases, faults).every((c) => c.ok)).toBe(true);
    expect(droppedIterationChecks('v', seconds((s) => (s === 20 ? 5 : 0)), phases, faults).filter((c) => !c.ok).map((c) => c.check)).toEqual(['arrival-rate-fault-seconds']);
  });
});

describe('the load engine starved of CPU', () => {
  it('trips load-cpu: its schedule and timings do not describe the app', () => {
    const starved = variant({});
    starved.engine!.cpu = { ...starved.engine!.cpu, schedulingDelayMs: 12.5, starved: true };
    expect(loadChecks(starved).find((c) => c.check === 'load-cpu')).toMatchObject({ ok: false, detail: expect.stringMatching(/waited 12.500 ms for a core .*starved of CPU/) });
    expect(loadChecks(variant({})).find((c) => c.check === 'load-cpu')!.ok).toBe(true);
  });
});
