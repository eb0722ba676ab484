/**
 * A VU thread: one VU of a synchronous exec function, as a k6 VU. It blocks in k6/http calls and
 * sleep while the main thread performs them (blocking-wait.ts), and sends its samples before each
 * blocking call and at the end of each iteration. It imports only what a VU needs (no HTTP
 * client, no metric sinks, no warm-up): with a thousand VUs, each module here loads a thousand times.
 */
import { workerData } from 'node:worker_threads';
import { installK6Modules } from '../hooks.ts';
import { installBlockingCalls, type BlockingChannel } from './blocking-wait.ts';
import { interruptIteration } from './iteration.ts';
import { serveIterations } from './thread-iterations.ts';

let currentOrder = Number.NaN;
await serveIterations({
  prepare: (flush) => {
    installK6Modules(true);
    installBlockingCalls((workerData as { blocking: BlockingChannel }).blocking, () => currentOrder, flush, interruptIteration);
  },
  loaded: async () => {},
  running: (orderId) => { currentOrder = orderId; },
  flushEveryMs: undefined,
});
