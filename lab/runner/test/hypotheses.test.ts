/**
 * Hypotheses judged against a real Prometheus holding known data: the series are backfilled
 * with promtool (OpenMetrics with timestamps), so every expected number is known exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePorts } from '../../ports.ts';
import { PrometheusClient } from '../../prometheus-client.ts';
import { judgeHypotheses, type VariantWindows } from '../hypotheses.ts';
import { scenarioSchema, type Hypothesis } from '../schema.ts';
import { phaseWindows } from '../phases.ts';
import { judgeFault } from '../visibility.ts';
import type { FaultRecord } from '../../../chaos/timeline.ts';
import { startBackfilledPrometheus, type TestServer } from './servers.ts';

const ports = resolvePorts(process.env);
// Two variants of 60 s each, 100 s apart, half an hour ago: steady 0-20 s, fault 20-40 s, recovery 40-60 s.
const T0 = Math.floor(Date.now() / 1000 / 60) * 60 - 1800;
const variants = { unprotected: { start: T0, faultRate: 100 }, protected: { start: T0 + 100, faultRate: 20 } };

function openMetrics(): string {
  const lines = ['# TYPE test_queries counter', '# TYPE test_latency_seconds gauge', '# TYPE test_split counter'];
  const queries: string[] = [];
  const latency: string[] = [];
  const split: string[] = [];
  for (const { start, faultRate } of Object.values(variants)) {
    let total = 0;
    for (let s = 0; s <= 60; s++) {
      const inFault = s > 20 && s <= 40;
      total += s === 0 ? 0 : inFault ? faultRate : 10;
      queries.push(`test_queries_total{job="app"} ${total} ${start + s}`);
      latency.push(`test_latency_seconds{job="app"} ${inFault ? 0.05 : 0.01} ${start + s}`);
      split.push(`test_split_total{job="app",instance="a"} ${s} ${start + s}`, `test_split_total{job="app",instance="b"} ${s} ${start + s}`);
    }
  }
  return [lines[0], ...queries, lines[1], ...latency, lines[2], ...split, '# EOF', ''].join('\n');
}

let prometheus: TestServer;
const client = new PrometheusClient(ports.prometheus);
const runs: VariantWindows[] = Object.entries(variants).map(([variant, { start }]) => ({
  variant,
  phases: phaseWindows({ start, end: start + 60 }, [{ start: start + 20, end: start + 40 }], { warmup: 0, settle: 0 }),
  k6: { http_req_duration: { 'p(99)': 12.5 }, http_req_failed: { rate: 0 } },
}));

function hypotheses(raw: unknown[]): Hypothesis[] {
  const scenario = scenarioSchema.parse({
    title: 't',
    teaches: 't',
    variants: { unprotected: { description: 'u' }, protected: { description: 'p' } },
    profiles: { smoke: { duration: 60 }, full: { duration: 60 } },
    hypotheses: raw,
  });
  return scenario.hypotheses;
}

beforeAll(async () => {
  prometheus = await startBackfilledPrometheus(ports.prometheus, openMetrics());
});
afterAll(async () => {
  await prometheus?.stop();
});

describe('hypotheses judged by a real Prometheus in phase windows', () => {
  it('counts what happened in the fault phase only', async () => {
    const [result] = await judgeHypotheses(
      hypotheses([{ name: 'queries in the burst', measure: { promql: 'sum(increase(test_queries_total[$window]))' }, phase: 'fault', variants: ['unprotected'], expect: { op: '<=', value: 2100 } }]),
      runs,
      { prometheus: client, scenario: 's' },
    );
    expect(result).toMatchObject({ variant: 'unprotected', phase: 'fault', outcome: 'held', measure: 'sum(increase(test_queries_total[21s]))' });
    expect(result!.observed).toBeGreaterThan(1900);
    expect(result!.observed).toBeLessThanOrEqual(2100);
  });

  it('compares variants: protected in the fault phase against a share of unprotected', async () => {
    const results = await judgeHypotheses(
      hypotheses([{ name: 'protected fans out less', measure: { promql: 'sum(increase(test_queries_total[$window]))' }, phase: 'fault', variants: ['protected'], expect: { op: '<=', factor: 0.25, of: { variant: 'unprotected' } } }]),
      runs,
      { prometheus: client, scenario: 's' },
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.outcome).toBe('held');
    expect(results[0]!.observed!).toBeCloseTo(400, -2);
    expect(results[0]!.bound!).toBeCloseTo(500, -2);
    expect(results[0]!.expected).toMatch(/^<= 0.25 × unprotected\/fault \(\d+\)$/);
  });

  it('compares phases: a fault-phase value against a factor of steady state fails when it is out of bounds', async () => {
    const results = await judgeHypotheses(
      hypotheses([{ name: 'latency within 2x of steady', measure: { promql: 'max(max_over_time(test_latency_seconds[$window]))' }, phase: 'fault', expect: { op: '<=', factor: 2, of: { phase: 'steady' } } }]),
      runs,
      { prometheus: client, scenario: 's' },
    );
    expect(results.map((r) => [r.variant, r.outcome, r.observed, r.bound])).toEqual([
      ['unprotected', 'failed', 0.05, 0.02],
      ['protected', 'failed', 0.05, 0.02],
    ]);
  });

  it('a measure with no data is no-data, neither held nor failed', async () => {
    const [result] = await judgeHypotheses(
      hypotheses([{ name: 'absent', measure: { promql: 'sum(rate(no_such_metric_total[$window]))' }, phase: 'steady', variants: ['protected'], expect: { op: '<', value: 1 } }]),
      runs,
      { prometheus: client, scenario: 's' },
    );
    expect(result).toMatchObject({ outcome: 'no-data', observed: null });
  });

  it('k6 summary metrics are judged over the run', async () => {
    const results = await judgeHypotheses(hypotheses([{ name: 'no errors', measure: { k6: 'http_req_failed', stat: 'rate' }, expect: { op: '==', value: 0 } }]), runs, { prometheus: client, scenario: 's' });
    expect(results.map((r) => r.outcome)).toEqual(['held', 'held']);
  });

  it('PromQL that Prometheus rejects is one clear error quoting Prometheus', async () => {
    await expect(
      judgeHypotheses(hypotheses([{ name: 'broken', measure: { promql: 'sum(rate(test_queries_total[$window])' }, expect: { op: '<', value: 1 } }]), runs, { prometheus: client, scenario: 's' }),
    ).rejects.toThrow(/hypothesis 'broken': Prometheus rejected the PromQL \(.*unclosed left parenthesis.*\)/);
  });

  it('PromQL that returns several series asks for an aggregation', async () => {
    await expect(
      judgeHypotheses(hypotheses([{ name: 'split', measure: { promql: 'increase(test_split_total[$window])' }, expect: { op: '<', value: 1 } }]), runs, { prometheus: client, scenario: 's' }),
    ).rejects.toThrow(/returns 2 series .*aggregate it/);
  });
});

describe('fault visibility judged over the window the fault was on', () => {
  const record = (from: number, to: number): FaultRecord => ({
    entry: { id: '1-latency', fault: 'latency', target: 'gateway-catalog-1', at: 20, duration: 20, attributes: { latency: 40 } },
    state: 'reverted',
    appliedAt: (T0 + from) * 1000,
    revertedAt: (T0 + to) * 1000,
  });
  const check = { description: 'latency shows', promql: 'max(max_over_time(test_latency_seconds[$window]))', op: '>=' as const, value: 0.04 };

  it('a fault whose window shows the effect is visible', async () => {
    expect(await judgeFault(record(21, 40), check, client, {})).toMatchObject({ visible: true, observed: 0.05 });
  });

  it('a fault whose window does not show the effect is not visible', async () => {
    expect(await judgeFault(record(2, 18), check, client, {})).toMatchObject({ visible: false, observed: 0.01, expected: '>= 0.04' });
  });

  it('a fault that never applied is not judged', async () => {
    expect(await judgeFault({ ...record(0, 0), appliedAt: undefined }, check, client, {})).toMatchObject({ visible: null });
  });
});

describe('phase windows', () => {
  it('steady runs from the warmup to the first fault, fault to the last revert, recovery after the settle margin', () => {
    const w = phaseWindows({ start: 0, end: 60 }, [{ start: 20, end: 30 }, { start: 25, end: 40 }], { warmup: 5, settle: 3 });
    expect(w).toEqual({ run: { start: 0, end: 60 }, steady: { start: 5, end: 20 }, fault: { start: 20, end: 40 }, recovery: { start: 43, end: 60 } });
  });
  it('without faults there is only steady state and the run', () => {
    expect(phaseWindows({ start: 10, end: 20 }, [], { warmup: 2, settle: 3 })).toEqual({ run: { start: 10, end: 20 }, steady: { start: 12, end: 20 } });
  });
});
