/**
 * What a measure counts, judged by a real Prometheus holding known data (backfilled with
 * promtool): failed requests that begin inside the window, a metric with no series (no data,
 * never 0, unless the scenario opts in with a witness), and the fault phase's calm gaps left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePorts } from '../../ports.ts';
import { PrometheusClient } from '../../prometheus-client.ts';
import { expandPromql, judgeHypotheses, type VariantWindows } from '../hypotheses.ts';
import { faultIntervals, phaseWindows } from '../phases.ts';
import { failedRequests, failedShare, grew, quantileOverJudged } from '../promql.ts';
import { loadScenario, scenarioNames } from '../scenarios.ts';
import { scenarioSchema, type Hypothesis } from '../schema.ts';
import { startBackfilledPrometheus, type TestServer } from './servers.ts';
import { edgeErrorsCheck } from '../../../chaos/edges.ts';
import type { FaultRecord } from '../../../chaos/timeline.ts';
import { judgeFault } from '../visibility.ts';

const ports = resolvePorts(process.env);
const T0 = Math.floor(Date.now() / 1000 / 60) * 60 - 1800;
/** Two faults, 10-15 s and 30-35 s, with a calm gap between them. */
const FAULTS = [{ start: T0 + 10, end: T0 + 15 }, { start: T0 + 30, end: T0 + 35 }];
const CALLS = 'http_client_request_duration_seconds_count';
const inFault = (s: number) => FAULTS.some((f) => T0 + s > f.start && T0 + s <= f.end);

function openMetrics(): string {
  const reqs: string[] = [];
  const queries: string[] = [];
  const calls: string[] = [];
  let ok = 0;
  let q = 0;
  for (let s = 0; s <= 60; s++) {
    const t = T0 + s;
    ok += s === 0 ? 0 : 10;
    q += s === 0 ? 0 : inFault(s) ? 100 : 20;
    reqs.push(`k6_http_reqs_total{variant="failing",expected_response="true"} ${ok} ${t}`, `k6_http_reqs_total{variant="clean",expected_response="true"} ${ok} ${t}`);
    // the failures begin inside the window: the series is born at 30 s holding 3, and stays there
    if (s >= 30) reqs.push(`k6_http_reqs_total{variant="failing",expected_response="false"} 3 ${t}`);
    queries.push(`test_queries_total{job="app"} ${q} ${t}`);
    // the gateway's calls to two catalog instances (their proxies' ports): only the first one's time out, 10-15 s
    calls.push(`${CALLS}{job="gateway",server_address="catalog",server_port="8281",error_type="timeout"} ${Math.min(Math.max(s - 10, 0), 5) * 30} ${t}`);
    calls.push(`${CALLS}{job="gateway",server_address="catalog",server_port="8282",error_type=""} ${s * 30} ${t}`);
  }
  return ['# TYPE k6_http_reqs counter', ...reqs, '# TYPE test_queries counter', ...queries, '# TYPE http_client_request_duration_seconds_count counter', ...calls, '# EOF', ''].join('\n');
}

let prometheus: TestServer;
const client = new PrometheusClient(ports.prometheus);
const window = (from: number, to: number) => ({ start: T0 + from, end: T0 + to });
const run = (variant: string): VariantWindows => ({
  variant,
  phases: { ...phaseWindows(window(0, 60), FAULTS, { warmup: 0, settle: 0 }), steady: window(25, 40) },
  faultIntervals: faultIntervals(FAULTS),
});

function hypotheses(raw: unknown[]): Hypothesis[] {
  return scenarioSchema.parse({ title: 't', teaches: 't', variants: { failing: { description: 'f' }, clean: { description: 'c' }, idle: { description: 'i' } }, profiles: { smoke: { duration: 60 }, full: { duration: 60 } }, hypotheses: raw }).hypotheses;
}

const judge = async (raw: unknown[], variants = ['failing']) => judgeHypotheses(hypotheses(raw), variants.map(run), { prometheus: client, scenario: 's' });

beforeAll(async () => {
  prometheus = await startBackfilledPrometheus(ports.prometheus, openMetrics());
});
afterAll(async () => {
  await prometheus?.stop();
});

describe('failed requests in a window: one measure for every scenario', () => {
  it('counts failures that begin inside the window (increase() needs two samples and reads them as 0)', async () => {
    const [result] = await judge([{ name: 'no failed read', measure: failedRequests(), phase: 'steady', expect: { op: '==', value: 0 } }]);
    expect(result).toMatchObject({ observed: 3, outcome: 'failed' });
    const [share] = await judge([{ name: 'share', measure: failedShare(), phase: 'steady', expect: { op: '<=', value: 0.01 } }]);
    expect(share!.observed).toBeCloseTo(3 / 150, 2);
  });

  it('a variant whose requests never failed has 0 failed requests; one without requests has no data', async () => {
    const results = await judge([{ name: 'none failed', measure: failedRequests(), phase: 'steady', expect: { op: '==', value: 0 } }], ['clean', 'idle']);
    expect(results.map((r) => [r.variant, r.observed, r.outcome])).toEqual([
      ['clean', 0, 'held'],
      ['idle', null, 'no-data'],
    ]);
  });

  it('every scenario counts its failed requests with this measure, never with increase()', async () => {
    const measures = [];
    for (const name of scenarioNames()) {
      for (const h of (await loadScenario(name)).scenario.hypotheses) if ('promql' in h.measure && h.measure.promql.includes('expected_response="false"')) measures.push([name, h.name, h.measure]);
    }
    expect(measures.length).toBeGreaterThan(0);
    const allowed = [JSON.stringify(failedRequests()), JSON.stringify(failedShare())];
    expect(measures.filter(([, , m]) => !allowed.includes(JSON.stringify(m))).map(([s, h]) => `${String(s)}: ${String(h)}`)).toEqual([]);
  });
});

describe('no data is not zero', () => {
  it('a metric with no series is no data, and the scenario schema refuses vector(0)', async () => {
    const [result] = await judge([{ name: 'absent', measure: { promql: grew('no_such_metric_total') }, phase: 'steady', expect: { op: '<=', value: 5 } }]);
    expect(result).toMatchObject({ observed: null, outcome: 'no-data' });
    expect(() => hypotheses([{ name: 'zeroed', measure: { promql: 'sum(increase(no_such_metric_total[$window])) or vector(0)' }, expect: { op: '<=', value: 5 } }])).toThrow(/vector\(0\) reads a missing metric as 0/);
  });

  it('absence means 0 only where the scenario says so and its witness has data', async () => {
    const withWitness = { promql: grew('no_such_metric_total'), absentMeansZero: { witness: grew('test_queries_total') } };
    const withoutData = { promql: grew('no_such_metric_total'), absentMeansZero: { witness: grew('no_witness_total') } };
    const results = await judge([
      { name: 'witnessed', measure: withWitness, phase: 'steady', expect: { op: '<=', value: 5 } },
      { name: 'unwitnessed', measure: withoutData, phase: 'steady', expect: { op: '<=', value: 5 } },
    ]);
    expect(results.map((r) => [r.name, r.observed, r.outcome])).toEqual([
      ['witnessed', 0, 'held'],
      ['unwitnessed', null, 'no-data'],
    ]);
  });

  it("no scenario's measure or fault check reads an absent metric as 0", async () => {
    const { FAULTS: registry } = await import('../../../chaos/registry.ts');
    const checks = [...registry.values()].flatMap((f) => {
      const check = f.visibility?.(f.target === 'proxy' ? 'gateway-catalog-1' : f.target === 'instance' ? 'catalog-1' : 'catalog', { latency: 100, rate: 1, timeout: 0, mode: 'ttl' } as never);
      return check ? [`${f.type}: ${check.promql}`] : [];
    });
    expect(checks.filter((c) => /vector\(0\)/.test(c))).toEqual([]);
  });
});

describe('during the faults means the seconds a fault was on', () => {
  it('a counter over the fault phase counts the faults, not the calm gap between them', async () => {
    // 100/s while a fault is on, 20/s otherwise: 5 s + 5 s of faults are about 1,000; the envelope 10-35 s would be 1,300
    const [result] = await judge([{ name: 'queries during the faults', measure: { promql: grew('test_queries_total') }, phase: 'fault', expect: { op: '<=', value: 1100 } }]);
    expect(result!.observed).toBeGreaterThanOrEqual(1000);
    expect(result!.observed).toBeLessThanOrEqual(1050);
    expect(result!.outcome).toBe('held');
  });

  it('outside the fault phase every second of the window counts', async () => {
    const [result] = await judge([{ name: 'queries in steady', measure: { promql: grew('test_queries_total') }, phase: 'steady', expect: { op: '>', value: 0 } }]);
    // 25-40 s: 26-30 at 20/s, 31-35 at 100/s, 36-40 at 20/s (and one second of lookback)
    expect(result!.observed).toBeGreaterThanOrEqual(700);
    expect(result!.observed).toBeLessThanOrEqual(720);
  });

  it("a quantile's stretches reach from a scrape before each fault to one after it", () => {
    const expanded = expandPromql(quantileOverJudged(0.99, 'h{variant="$variant"}'), { start: 100.4, end: 120.5 }, { variant: 'v' }, [{ start: 100.4, end: 103.2 }, { start: 117.9, end: 120.5 }]);
    expect(expanded).toBe('histogram_quantile(0.99, (sum(increase(h{variant="v"}[6s] @ 105)) + sum(increase(h{variant="v"}[6s] @ 122))))');
  });

  it('merges overlapping faults into the seconds some fault was on', () => {
    expect(faultIntervals([{ start: 30, end: 55 }, { start: 10, end: 15 }, { start: 40, end: 65 }])).toEqual([{ start: 10, end: 15 }, { start: 30, end: 65 }]);
  });
});

describe("a catalog edge's fault check reads the faulted instance's calls", () => {
  const fault = (target: string): FaultRecord => ({ entry: { id: '1-timeout', fault: 'timeout', target, at: 10, duration: 5, attributes: { timeout: 0 } }, state: 'reverted', appliedAt: (T0 + 10) * 1000, revertedAt: (T0 + 15) * 1000 });
  const judgeEdge = (target: string, port: string) => judgeFault(fault(target), edgeErrorsCheck(target), client, { variant: 'v', scenario: 's', target_port: port });

  it('failures on catalog-1 show a fault on catalog-1, not one on catalog-2', async () => {
    expect(await judgeEdge('gateway-catalog-1', '8281')).toMatchObject({ visible: true, observed: 150 });
    expect(await judgeEdge('gateway-catalog-2', '8282')).toMatchObject({ visible: false, observed: null });
  });
});
