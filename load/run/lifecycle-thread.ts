/**
 * A synchronous setup() or teardown() runs on a VU thread of its own, as k6 runs them in a VU of
 * their own: there http.get and the other synchronous k6/http calls block as in any k6 VU, and
 * the main thread performs the requests (tagged group ::setup or ::teardown, no iteration).
 */
import { serveBlockingCalls, wakeBlocked } from './blocking-calls.ts';
import type { SampleSink } from '../metrics/sample.ts';
import { EngineError } from './errors.ts';
import type { CrossingError, FromWorker, LifecycleName, SampleBatch, ToWorker, WorkerSetup } from './thread-iterations.ts';
import { startVuThreads, vuThreadFailure, vuThreadLimits } from './vu-thread-start.ts';

/** Whether `fn` needs a thread: a function that is not async (it may block in k6/http). */
export const isSynchronous = (fn: unknown): boolean => typeof fn === 'function' && fn.constructor.name !== 'AsyncFunction';

/**
 * Runs `name` on a fresh VU thread; resolves with its result (a JSON copy) or rejects with what
 * classify() reads. Past `timeoutMs` it rejects as k6's setupTimeout/teardownTimeout and the thread ends.
 */
export async function runLifecycleOnThread(name: LifecycleName, setup: WorkerSetup, data: unknown, sink: SampleSink, timeoutMs: number): Promise<unknown> {
  const limits = vuThreadLimits();
  const [thread] = await startVuThreads(1, setup, limits);
  const { worker, channel } = thread!;
  const receive = (batch: SampleBatch): void => {
    for (const sample of batch.samples) sink.add(sample);
    for (const request of batch.requests) sink.addRequest(request);
  };
  serveBlockingCalls(channel, () => undefined, receive);
  let timer: NodeJS.Timeout | undefined;
  try {
    const done = await new Promise<Extract<FromWorker, { type: 'lifecycle-done' }>>((resolve, reject) => {
      worker.on('error', (error) => reject(new EngineError('script', vuThreadFailure(error, limits))));
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'samples') receive(message);
        else if (message.type === 'lifecycle-done') {
          receive(message);
          resolve(message);
        }
      });
      worker.postMessage({ type: 'lifecycle', name, data } satisfies ToWorker);
      timer = setTimeout(() => reject(new Error(`${name}() ran longer than its ${timeoutMs / 1000}s timeout`)), timeoutMs);
    });
    if (done.error !== undefined) throw rebuilt(done.error);
    return done.result === undefined ? undefined : JSON.parse(done.result);
  } finally {
    clearTimeout(timer);
    wakeBlocked(channel);
    channel.port.close();
    await worker.terminate();
  }
}

function rebuilt(crossing: CrossingError): Error {
  if (crossing.refusal) return new EngineError('options', crossing.message);
  const error = new Error(crossing.message);
  error.name = crossing.name;
  return error;
}
