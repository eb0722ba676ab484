/**
 * Runs that cannot keep up, for real: a server slower than the VU pool allows drops iterations
 * (with k6's one warning, and VUs added at k6's pace), gracefulStop interrupts what still runs, and
 * SIGINT aborts as k6 does.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine, script, startServer, total, type TestServer } from './run-engine.ts';

let slow: TestServer;
let stalled: TestServer;
beforeAll(async () => { [slow, stalled] = await Promise.all([startServer(600), startServer(10_000)]); });
afterAll(async () => { await Promise.all([slow.close(), stalled.close()]); });

const request = `const res = await http.asyncRequest('GET', url + '/');
  check(res, { ok: (r) => r.status === 200 });`;

describe('an overloaded run', () => {
  it('drops due iterations at once when no VU is idle, warns once at maxVUs, and counts every arrival', async () => {
    const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 40, duration: '1s', preAllocatedVUs: 2, maxVUs: 6, gracefulStop: '2s' } } };
    const run = await runEngine(script(options, request), ['-e', `TARGET=${slow.url}`]);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('Insufficient VUs'));
    expect(warnings).toEqual(['WARN Insufficient VUs, reached 6 active VUs and cannot initialize more']);
    const m = run.summary!.metrics;
    // 6 VUs, each busy 600 ms of the 1 s schedule: at most two rounds of them
    expect(m.iterations!.count).toBeLessThanOrEqual(12);
    expect(m.dropped_iterations!.count).toBeGreaterThanOrEqual(28);
    expect(m.iterations!.count! + m.dropped_iterations!.count!).toBe(40);
    expect(m.vus_max!.max).toBe(6);
    expect(total(run.seconds, 'dropped')).toBe(m.dropped_iterations!.count);
    expect(total(run.seconds, 'planned')).toBe(40);
  });

  it('interrupts iterations still running after gracefulStop and counts them in neither iterations nor iteration_duration', async () => {
    const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 2, gracefulStop: '0s' } } };
    // the first iteration returns at once, the second (due at 500 ms) waits 600 ms for the server
    const body = `if (exec.scenario.iterationInTest > 0) await http.asyncRequest('GET', url + '/');`;
    const run = await runEngine(script(options, body, "import exec from 'k6/execution';"), ['-e', `TARGET=${slow.url}`]);
    expect(run.code).toBe(0);
    const m = run.summary!.metrics;
    // the schedule ends at 1 s with no grace: the first has finished, the second is cut
    expect(m.iterations!.count).toBe(1);
    expect(m.iteration_duration!.max).toBeLessThan(1000);
    expect(total(run.seconds, 'interrupted')).toBe(1);
    expect(total(run.seconds, 'completed')).toBe(1);
    expect(total(run.seconds, 'started')).toBe(2);
  });

  it('on SIGINT aborts as k6 does: running iterations interrupted at once, teardown and summary still, exit 105', async () => {
    const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 20, duration: '60s', preAllocatedVUs: 20, gracefulStop: '20s' } } };
    let signalledAt = 0;
    // interrupt once iterations run (the engine's start-up takes seconds on a busy machine)
    const interruptWhenRunning = (child: ChildProcess): void => {
      child.stdout!.once('data', () => setTimeout(() => { signalledAt = Date.now(); child.kill('SIGINT'); }, 1000));
    };
    const teardown = `export async function teardown() { console.log('teardown ran'); }`;
    const run = await runEngine(script(options, `console.log('iteration'); ${request}`, teardown), ['-e', `TARGET=${stalled.url}`], { onStart: interruptWhenRunning });
    expect(run.code).toBe(105);
    // the stalled server answers after 10 s and gracefulStop is 20 s: only an abort ends this soon
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(run.stderr).toContain("test run was aborted because k6 received a 'interrupt' signal");
    expect(run.stdout).toContain('teardown ran');
    const m = run.summary!.metrics;
    expect(m.iterations).toBeUndefined();
    expect(total(run.seconds, 'interrupted')).toBeGreaterThan(0);
    expect(total(run.seconds, 'completed')).toBe(0);
  });

  it("adds VUs at k6's pace, one initialising at a time, so it drops more than growing a VU per drop at once", async () => {
    const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 200, duration: '1s', preAllocatedVUs: 1, maxVUs: 200, gracefulStop: '2s' } } };
    // an init context that takes 20 ms, as one that reads and parses a data file does
    const init = 'const began = Date.now(); while (Date.now() - began < 20);';
    const paced = await runEngine(script(options, request, init), ['-e', `TARGET=${slow.url}`]);
    const instant = await runEngine(script(options, request, init), ['-e', `TARGET=${slow.url}`], { env: { FAULTLINE_VU_INIT: 'instant' } });
    for (const run of [paced, instant]) {
      expect(run.code).toBe(0);
      expect(run.summary!.metrics.iterations!.count! + (run.summary!.metrics.dropped_iterations?.count ?? 0)).toBe(200);
    }
    const dropped = (run: typeof paced): number => run.summary!.metrics.dropped_iterations!.count!;
    // a VU per drop at once: the pool reaches every arrival within the first 600 ms (one server delay)
    expect(dropped(instant)).toBeLessThan(130);
    // one at a time, each as long as the script's init context (20 ms): at most ~50 VUs in the
    // second, so at least half the arrivals are dropped
    expect(dropped(paced)).toBeGreaterThan(dropped(instant) + 40);
    expect(paced.summary!.metrics.vus_max!.max).toBeLessThanOrEqual(60);
  });
});
