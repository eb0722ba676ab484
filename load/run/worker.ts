/**
 * A worker thread: of `--workers N` (async iterations; it warms up and makes its own requests), or
 * a VU thread (one VU of a synchronous exec function: its k6/http calls and sleep block on the
 * main thread, which makes the requests). Either loads the script (its own init context, as each
 * k6 VU has), runs the iterations the main thread hands it, and sends its samples back in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RequestSample, Sample } from '../metrics/sample.ts';
import { engine } from './context.ts';
import { interruptIteration, runIteration, classify, type IterationOrder } from './iteration.ts';
import { loadScript } from './script.ts';
import { warmUp } from './warm-up.ts';
import { installK6Modules } from '../hooks.ts';
import { installBlockingCalls, type BlockingChannel } from './blocking-calls.ts';

export interface WorkerSetup {
  /** Set for a VU thread. */
  blocking?: BlockingChannel;
  script: string;
  env: Record<string, string>;
  data: unknown;
  discardResponseBodies: boolean;
  testTags: Record<string, string>;
}

export type ToWorker = { type: 'run'; order: IterationOrder } | { type: 'interrupt'; id: number };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; exitCode: number }
  | { type: 'samples'; samples: Sample[]; requests: RequestSample[] }
  | { type: 'done'; id: number; outcome: ReturnType<typeof classify> };

const port = parentPort!;
const setup = workerData as WorkerSetup;
const post = (message: FromWorker): void => port.postMessage(message);

let samples: Sample[] = [];
let requests: RequestSample[] = [];
const flush = (): void => {
  if (samples.length === 0 && requests.length === 0) return;
  post({ type: 'samples', samples, requests });
  samples = [];
  requests = [];
};
setInterval(flush, 20).unref();

engine.env = setup.env;
engine.sink = {
  add: (sample) => void samples.push(sample),
  // the timings object is also the script's response.timings: copied before the script can change it
  addRequest: (request) => void requests.push({ ...request, timings: { ...request.timings } }),
};

let currentOrder = 0;
if (setup.blocking) {
  installK6Modules(true);
  installBlockingCalls(setup.blocking, () => currentOrder, flush);
}

try {
  const script = await loadScript(setup.script);
  engine.discardResponseBodies = setup.discardResponseBodies;
  engine.testTags = setup.testTags;
  if (!setup.blocking) await warmUp(undefined);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'interrupt') {
      interruptIteration(message.id);
      flush();
      return;
    }
    currentOrder = message.order.id;
    void runIteration(script, message.order, setup.data).then((outcome) => {
      flush();
      post({ type: 'done', id: message.order.id, outcome });
    });
  });
  post({ type: 'ready' });
} catch (error) {
  const err = error as Error & { exitCode?: number };
  post({ type: 'failed', message: err.message, exitCode: err.exitCode ?? 107 });
}
