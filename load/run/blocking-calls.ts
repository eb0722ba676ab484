/**
 * The main thread's side of the VU threads' blocking channels (load/run/blocking-wait.ts): it
 * performs each call through the engine's HTTP layer (metrics, tags and response callbacks as for
 * any request) in the context of the iteration that made it, answers, and wakes the thread. It
 * also wakes a thread to interrupt its iteration or to close the run.
 */
import { asyncRequest, type Params } from '../k6/http.ts';
import type { BlockingRequest } from '../k6/http-blocking.ts';
import { expectedStatuses } from '../k6/response-callback.ts';
import { runInContext, type IterationState } from './context.ts';
import { FLAG, type Answer, type BlockingChannel, type Call } from './blocking-wait.ts';
import type { SampleBatch } from './thread-iterations.ts';

function answer(channel: BlockingChannel, message: Answer): void {
  channel.port.postMessage(message);
  const flags = new Int32Array(channel.flags);
  Atomics.store(flags, FLAG.answer, 1);
  Atomics.notify(flags, FLAG.answer);
}

/** On the main thread: take the samples that came with each call of one VU thread, and perform the call in the context of the iteration that made it. */
export function serveBlockingCalls(channel: BlockingChannel, iteration: (orderId: number) => IterationState | undefined, receive: (batch: SampleBatch) => void): void {
  channel.port.on('message', (call: Call) => {
    receive(call.batch);
    const context = { iteration: iteration(call.orderId), groupPath: call.groupPath };
    const requests = (call.requests as BlockingRequest[]).map(({ method, url, body, params }) => {
      const { expectedStatuses: statuses, ...rest } = params;
      const revived: Params = { ...rest, ...(statuses === undefined ? {} : { responseCallback: statuses === null ? null : expectedStatuses(...statuses) }) };
      return runInContext(context, () => asyncRequest(method, url, body, revived));
    });
    Promise.all(requests).then(
      (responses) => answer(channel, { seq: call.seq, result: responses.map((response) => response.toJSON()) }),
      (error: unknown) => answer(channel, { seq: call.seq, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** Interrupt iteration `orderId` wherever its thread blocks (a sleep, a request): it ends there at once. */
export function interruptBlocked(channel: BlockingChannel, orderId: number): void {
  const flags = new Int32Array(channel.flags);
  Atomics.store(flags, FLAG.interrupted, orderId | 0);
  wake(flags);
}

/** Closing the run: wake a VU thread wherever it blocks; its iteration ends there. */
export function wakeBlocked(channel: BlockingChannel): void {
  const flags = new Int32Array(channel.flags);
  Atomics.store(flags, FLAG.closing, 1);
  wake(flags);
}

function wake(flags: Int32Array): void {
  Atomics.store(flags, FLAG.answer, 1);
  Atomics.store(flags, FLAG.wake, 1);
  Atomics.notify(flags, FLAG.answer);
  Atomics.notify(flags, FLAG.wake);
}
