/**
 * A VU thread: one VU of a synchronous exec function, as a k6 VU. It blocks in k6/http calls and
 * sleep while the main thread performs them (blocking-wait.ts), and sends its samples before each
 * blocking call (with the call) and at the end of each iteration (with its end). It imports only what a VU needs (no HTTP
 * client, no metric sinks, no warm-up): with a thousand VUs, each module here loads a thousand times.
 */
import { flushCompileCache } from 'node:module';
import { workerData } from 'node:worker_threads';
import { installK6Modules } from '../hooks.ts';
import { installBlockingCalls, type BlockingChannel } from './blocking-wait.ts';
import { interruptIteration } from './iteration.ts';
import { serveIterations } from './thread-iterations.ts';

let currentOrder = Number.NaN;
await serveIterations({
  prepare: (flush, take) => {
    installK6Modules(true);
    installBlockingCalls((workerData as { blocking: BlockingChannel }).blocking, () => currentOrder, { flush, take }, interruptIteration);
  },
  // the modules and the script are compiled now: the threads started after this one read them from the cache
  loaded: async () => flushCompileCache(),
  running: (orderId) => { currentOrder = orderId; },
  flushEveryMs: undefined,
});
