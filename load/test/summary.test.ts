/**
 * A short real run against a node:http server: the summary export has k6's shape, the per-second
 * file decodes and adds up to it, timings are consistent, checks carry their names, and
 * --workers 2 gives the same counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedHistogram, runEngine, script, startServer, total, type TestServer } from './run-engine.ts';

const DELAY_MS = 40;
let server: TestServer;
beforeAll(async () => { server = await startServer(DELAY_MS); });
afterAll(async () => { await server.close(); });

// a VU for every iteration: however slow a shared machine makes the run, none is dropped
const options = {
  scenarios: { load: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '2s', preAllocatedVUs: 100, maxVUs: 100 } },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(99)'],
};
const body = `
  const res = await group('shop', () => http.asyncRequest('GET', url + '/', null, { tags: { name: 'root' } }));
  check(res, { 'status is 200': (r) => r.status === 200, 'has body': (r) => r.body === 'hello' });
  const t = res.timings;
  check(t, {
    'the server delay lies between connection and first byte': (t) => t.sending + t.waiting >= ${DELAY_MS - 1},
    'duration is sending + waiting + receiving': (t) => Math.abs(t.duration - (t.sending + t.waiting + t.receiving)) < 1e-6,
  });`;

describe('a constant-arrival-rate run', () => {
  it('writes the summary export in k6 shape, and the per-second file adds up to it', async () => {
    const connectionsBefore = server.connections();
    const run = await runEngine(script(options, body), ['-e', `TARGET=${server.url}`, '--tag', 'variant=protected']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const m = run.summary!.metrics;
    expect(m.iterations).toEqual({ count: 100, rate: expect.any(Number) });
    expect(m.iterations_planned!.count).toBe(100);
    expect(m.http_reqs!.count).toBe(100);
    expect(Object.keys(m.http_req_duration!)).toEqual(['avg', 'min', 'med', 'max', 'p(99)']);
    expect(m.http_req_failed).toEqual({ passes: 0, fails: 100, value: 0 });
    expect(m.checks).toEqual({ passes: 400, fails: 0, value: 1 });
    expect(Object.keys(m.vus!).sort()).toEqual(['max', 'min', 'value']);
    const checks = run.summary!.root_group.checks as Record<string, { passes: number; fails: number; path: string; id: string }>;
    expect(checks['status is 200']).toMatchObject({ name: 'status is 200', path: '::status is 200', passes: 100, fails: 0 });

    // timings as k6 defines them
    expect(m.http_req_waiting!.med).toBeGreaterThanOrEqual(DELAY_MS - 2);
    expect(m.http_req_duration!.min).toBeGreaterThanOrEqual(m.http_req_waiting!.min!);
    expect(m.http_req_connecting!.max).toBeGreaterThan(0); // the first request on each connection dialled
    expect(server.connections() - connectionsBefore).toBeLessThan(100); // kept-alive connections were reused

    const [header, ...seconds] = run.seconds;
    expect(header).toMatchObject({ schema: 'faultline.load-seconds/v1', unit: 'us', tags: { variant: 'protected' } });
    expect(seconds.length).toBeGreaterThanOrEqual(2);
    expect(total(run.seconds, 'planned')).toBe(100);
    expect(total(run.seconds, 'started')).toBe(100);
    expect(total(run.seconds, 'completed')).toBe(m.iterations!.count);
    expect(total(run.seconds, 'requests')).toBe(m.http_reqs!.count);
    expect(total(run.seconds, 'checksPassed')).toBe(400);
    expect(seconds.reduce((n, s) => n + ((s.statuses as Record<string, number>)['200'] ?? 0), 0)).toBe(100);
    const latency = mergedHistogram(run.seconds, 'latency');
    expect(latency.totalCount).toBe(100);
    expect(latency.maxValue / 1000).toBeCloseTo(m.http_req_duration!.max!, 0);
    expect(mergedHistogram(run.seconds, 'startLag').totalCount).toBe(100);
    // latency from the due time includes the start lag, so it is never below latency from the send
    expect(mergedHistogram(run.seconds, 'latencyFromDue').getValueAtPercentile(50)).toBeGreaterThanOrEqual(latency.getValueAtPercentile(50));
  });

  it('gives the same counts with --workers 2', async () => {
    const run = await runEngine(script(options, body), ['-e', `TARGET=${server.url}`, '--workers', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const m = run.summary!.metrics;
    expect(m.iterations!.count).toBe(100);
    expect(m.http_reqs!.count).toBe(100);
    expect(m.checks).toEqual({ passes: 400, fails: 0, value: 1 });
    expect(total(run.seconds, 'requests')).toBe(100);
  });
});
