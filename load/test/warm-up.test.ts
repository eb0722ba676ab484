/**
 * The warm-up before t = 0: when it ends, V8 has compiled the request path for speed; and it
 * leaves no trace in the run (no sample, no VU number, no connection to the target).
 */
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeConnections } from '../http/connections.ts';
import { exchange } from '../http/client.ts';
import { asyncRequest } from '../k6/http.ts';
import { engine } from '../run/context.ts';
import { runIteration } from '../run/iteration.ts';
import { warmUp } from '../run/warm-up.ts';
import { runEngine, script, startServer, total, type TestServer } from './run-engine.ts';

/** V8's OptimizationStatus bit for "compiled by an optimizing tier" (Maglev or TurboFan). */
const OPTIMIZED = 16;

let server: TestServer;
beforeAll(async () => { server = await startServer(0); });
afterAll(async () => {
  await server.close();
  await closeConnections();
});

describe('the warm-up', () => {
  it('compiles the request path for speed before the first due iteration', async () => {
    setFlagsFromString('--allow-natives-syntax');
    const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number;
    const path = [exchange, asyncRequest, runIteration];
    const optimized = () => path.map((f) => (status(f) & OPTIMIZED) !== 0);
    expect(optimized()).toEqual([false, false, false]);
    engine.initContext = false;
    await warmUp(undefined);
    // the compiler runs on V8's background threads: a busy machine may finish it a little later
    await vi.waitFor(() => expect(optimized()).toEqual([true, true, true]), { timeout: 5_000, interval: 50 });
  });

  it('leaves no sample, VU number or connection of its own in the run', async () => {
    const connectionsBefore = server.connections();
    const options = {
      scenarios: { load: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 2, maxVUs: 2 } },
    };
    const run = await runEngine(script(options, `
      check(__VU, { 'VU numbers start at 1': (vu) => vu === 1 || vu === 2 });
      await http.asyncRequest('GET', url + '/');`), ['-e', `TARGET=${server.url}`]);
    expect(run.code).toBe(0);
    const m = run.summary!.metrics;
    expect(m.http_reqs!.count).toBe(10);
    expect(m.iterations!.count).toBe(10);
    expect(m.checks).toEqual({ passes: 10, fails: 0, value: 1 });
    expect(m.vus_max!.value).toBe(2);
    expect(total(run.seconds, 'requests')).toBe(10);
    expect(total(run.seconds, 'started')).toBe(10);
    // the warm-up's thousands of requests went to a server of its own
    expect(server.connections() - connectionsBefore).toBeLessThanOrEqual(2);
  });
});
