/**
 * Runs that cannot keep up, for real: a server slower than the VU pool allows drops iterations
 * (with k6's one warning), gracefulStop interrupts what still runs, and SIGINT still writes the summary.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine, script, startServer, total, type TestServer } from './run-engine.ts';

let slow: TestServer;
beforeAll(async () => { slow = await startServer(600); });
afterAll(async () => { await slow.close(); });

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

  it('on SIGINT starts no more iterations, lets running ones finish, writes the summary and exits 0', async () => {
    const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 20, duration: '60s', preAllocatedVUs: 20, gracefulStop: '5s' } } };
    const started = Date.now();
    // interrupt once iterations run (the engine's start-up takes seconds on a busy machine)
    const interruptWhenRunning = (child: ChildProcess): void => {
      child.stdout!.once('data', () => setTimeout(() => child.kill('SIGINT'), 1000));
    };
    const run = await runEngine(script(options, `console.log('iteration'); ${request}`), ['-e', `TARGET=${slow.url}`], { onStart: interruptWhenRunning });
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.stderr).toContain('SIGINT');
    const m = run.summary!.metrics;
    expect(m.iterations!.count).toBeGreaterThan(0);
    expect(m.iterations!.count).toBe(m.iterations_planned!.count! - (m.dropped_iterations?.count ?? 0));
    expect(total(run.seconds, 'completed')).toBe(m.iterations!.count);
  });
});
