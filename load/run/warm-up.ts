/**
 * Warms the engine's request path before the test's t = 0, without a request to the system under
 * test. V8 compiles a function for speed only after it has run some thousands of times. Until
 * then a run at thousands of requests a second falls behind in its first second, its overdue
 * iterations start all at once, and each of them dials a connection of its own, which slows it
 * further; at a few hundred a second the compiling happens inside the measured run instead.
 *
 * So the engine first runs WARM_UP_ITERATIONS iterations of a one-request script through the same
 * code as the test (runIteration, http.asyncRequest, the HTTP client, the summary, threshold and
 * per-second sinks) against a node:http server of its own on 127.0.0.1, their samples going to
 * throwaway sinks. That server closes every other connection, so dialing one (the connector,
 * undici's client and parser set-up) is warm too: the dials of the first second were the slow
 * part (iterations dropped at 5,000/s, all in a run's first two seconds: 567 and 1,694 without
 * a warm-up, 1,165 and 1,179 with one over kept connections only, 57 and 83 with this one).
 * The run's metrics, its VU and iteration numbers and its connections to the target are not
 * touched. Written here because what it warms is this engine's own code.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { devNull } from 'node:os';
import { asyncRequest } from '../k6/http.ts';
import { FanOut } from '../metrics/fan-out.ts';
import { SecondsFile } from '../metrics/seconds-file.ts';
import { Summary } from '../metrics/summary.ts';
import { Thresholds } from '../metrics/thresholds.ts';
import { engine } from './context.ts';
import { runIteration, type IterationOrder } from './iteration.ts';

/** About V8's count of calls before its optimizing compiler takes a function. */
const WARM_UP_ITERATIONS = 3_000;
/** Requests in flight during the warm-up: enough to exercise the connection pool, not a dial storm. */
const CONCURRENCY = 8;

const now = (): number => performance.timeOrigin + performance.now();

/** Runs the warm-up; `thresholds` is the script's own, so the threshold filters warm up too. */
export async function warmUp(thresholds: Record<string, unknown> | undefined): Promise<void> {
  let closing = false;
  const server = createServer((_request, response) => {
    // every other answer closes its connection: dialing a connection warms up too
    closing = !closing;
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2', ...(closing ? { connection: 'close' } : {}) }).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/warm-up`;

  const runSink = engine.sink;
  const seconds = new SecondsFile(devNull, now(), {});
  const throwaway = new FanOut();
  throwaway.attach(new Summary());
  throwaway.attach(new Thresholds(thresholds));
  throwaway.attach(seconds);
  engine.sink = throwaway;
  const script = { default: () => asyncRequest('GET', url) };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < WARM_UP_ITERATIONS) {
      const i = next++;
      // negative ids: never one of the run's iterations
      const order: IterationOrder = { id: -1 - i, vu: 0, vuInTest: 0, iter: i, iterationInInstance: i, iterationInTest: i, scenario: 'warm-up', exec: 'default', tags: {}, env: {}, dueMs: now() };
      await runIteration(script, order, undefined);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  } finally {
    engine.sink = runSink;
    seconds.flush(now(), true);
    server.closeAllConnections();
    server.close();
  }
}
