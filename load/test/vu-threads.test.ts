/**
 * VU threads (a synchronous exec function) where they meet the executors: an interrupt reaches a VU
 * blocked in sleep or in a request; an arrival-rate scenario adds blocking VUs up to maxVUs and
 * drops the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine, startServer, total, type TestServer } from './run-engine.ts';

let fast: TestServer;
let slow: TestServer;
beforeAll(async () => { [fast, slow] = await Promise.all([startServer(), startServer(3_000)]); });
afterAll(async () => { await Promise.all([fast.close(), slow.close()]); });

const sync = (options: object, body: string): string => `import http from 'k6/http';
import { sleep } from 'k6';
export const options = ${JSON.stringify(options)};
export default function () {
  ${body}
}
`;

describe('VU threads', () => {
  it('a VU interrupted in a blocking sleep ends its iteration there: it is not counted', async () => {
    // 2 → 1 VUs at 1 s with no graceful ramp-down: VU 2's iteration (0 to 2 s) is cut at 1 s;
    // VU 1 runs two whole iterations (the second ends at 4 s, within gracefulStop)
    const options = { scenarios: { down: { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 1 }, { duration: '2s', target: 1 }], gracefulRampDown: '0s' } } };
    const run = await runEngine(sync(options, 'sleep(2);'));
    expect(run.code, run.stderr).toBe(0);
    // ended with VU 1's last iteration, not after the default gracefulStop (30 s) waiting for VU 2
    expect(Date.now() - (run.seconds[0]!.startedAt as number)).toBeLessThan(15_000);
    expect(run.summary!.metrics.iterations!.count).toBe(2);
    expect(total(run.seconds, 'interrupted')).toBe(1);
  }, 60_000);

  it('a VU interrupted in a blocking request ends there, without waiting for the response', async () => {
    // the server answers after 3 s; gracefulStop cuts the iteration at 1.5 s
    const options = { scenarios: { cut: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0.5s' } } };
    const started = Date.now();
    const run = await runEngine(sync(options, `http.get(__ENV.TARGET + '/'); sleep(0.1);`), ['-e', `TARGET=${slow.url}`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary!.metrics.iterations?.count ?? 0).toBe(0);
    expect(total(run.seconds, 'interrupted')).toBe(1);
    const zero = run.seconds[0]!.startedAt as number;
    expect(Date.now() - zero).toBeLessThan(2_900); // the run did not wait for the 3 s answer
    expect(zero).toBeGreaterThan(started);
  }, 60_000);

  it('under constant-arrival-rate, blocking VUs grow to maxVUs and the arrivals no VU can take are dropped', async () => {
    // 10 arrivals a second for 2 s; each iteration blocks about 1 s, and at most 3 VUs exist
    const options = { scenarios: { open: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2s', preAllocatedVUs: 1, maxVUs: 3 } } };
    const run = await runEngine(sync(options, `http.get(__ENV.TARGET + '/');\n  sleep(1);`), ['-e', `TARGET=${fast.url}`]);
    expect(run.code, run.stderr).toBe(0);
    const m = run.summary!.metrics;
    expect(run.stderr).toContain('WARN Insufficient VUs, reached 3 active VUs and cannot initialize more');
    expect(m.vus_max!.max).toBe(3);
    // 3 VUs, each at most one iteration a second for 2 s (plus the ones running at the end)
    expect(m.iterations!.count).toBeGreaterThanOrEqual(2);
    expect(m.iterations!.count).toBeLessThanOrEqual(9);
    expect(m.iterations!.count! + m.dropped_iterations!.count!).toBe(20);
    expect(m.http_reqs!.count).toBe(m.iterations!.count);
  }, 60_000);

  it('a synchronous setup() and teardown() block in http.get as in k6, tagged as their groups, with the data handed on', async () => {
    const source = `import http from 'k6/http';
import { check } from 'k6';
export const options = { vus: 1, iterations: 2 };
export function setup() {
  const res = http.get(__ENV.TARGET + '/status/201');
  return { status: res.status };
}
export default function (data) {
  check(data, { 'data from setup': (d) => d.status === 201 });
}
export function teardown(data) {
  const res = http.get(__ENV.TARGET + '/');
  check(res, { 'teardown request with setup data': (r) => r.status === 200 && data.status === 201 });
}
`;
    const run = await runEngine(source, ['-e', `TARGET=${fast.url}`]);
    expect(run.code, run.stderr).toBe(0);
    const m = run.summary!.metrics;
    expect(m.checks).toMatchObject({ passes: 3, fails: 0 });
    expect(m.http_reqs!.count).toBe(2);
    const groups = run.summary!.root_group.groups as Record<string, { checks: Record<string, { passes: number }> }>;
    expect(groups.teardown!.checks['teardown request with setup data']!.passes).toBe(1);
  }, 60_000);

  it('a VU that outgrows its heap stops the run with one line naming the knob, not a crash', async () => {
    const source = `const kept = [];
export const options = { vus: 1, iterations: 1 };
export default function () {
  for (let i = 0; i < 5e6; i += 1) kept.push({ i, text: 'kept ' + i });
}
`;
    const run = await runEngine(source, [], { env: { FAULTLINE_VU_HEAP_MB: '16' } });
    expect(run.code).toBe(107);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual(["a VU thread ran out of memory: each VU's heap is capped at 16 MB; raise it with FAULTLINE_VU_HEAP_MB (e.g. FAULTLINE_VU_HEAP_MB=64) or keep less in the script"]);
  }, 60_000);

  it('refuses a FAULTLINE_VU_HEAP_MB that is not a size in one line', async () => {
    const run = await runEngine(sync({ vus: 1, iterations: 1 }, ''), [], { env: { FAULTLINE_VU_HEAP_MB: 'lots' } });
    expect(run.code).toBe(104);
    expect(run.stderr.trim()).toBe('FAULTLINE_VU_HEAP_MB=lots: give a whole number of MB from 8 to 4096');
  }, 60_000);
});

