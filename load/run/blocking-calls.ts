/**
 * The channel a VU thread blocks on: it posts a call (HTTP requests) to the main thread and waits
 * with Atomics.wait until the main thread, having performed the requests through the engine's HTTP
 * layer (metrics, tags and response callbacks as for any request), posts the answer and wakes it.
 * The answer is then read synchronously with receiveMessageOnPort. Sleep waits on a flag of its
 * own, so closing the run can wake a sleeping VU too.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { asyncRequest, type Params } from '../k6/http.ts';
import type { BlockingRequest } from '../k6/http-blocking.ts';
import { expectedStatuses } from '../k6/response-callback.ts';
import { currentContext, engine, runInContext, type IterationState } from './context.ts';

/** What a VU thread and the main thread share: the port and two Int32 flags (answer ready, wake from sleep). */
export interface BlockingChannel {
  port: MessagePort;
  flags: SharedArrayBuffer;
}

interface Call { kind: 'http'; requests: BlockingRequest[]; orderId: number; groupPath: string }
type Answer = { result: unknown } | { error: string };

/** In the VU thread: make k6/http calls and sleep block on the channel. `beforeBlocking` flushes samples first. */
export function installBlockingCalls(channel: BlockingChannel, currentOrder: () => number, beforeBlocking: () => void): void {
  const flags = new Int32Array(channel.flags);
  engine.blockingCall = (call) => {
    beforeBlocking();
    Atomics.store(flags, 0, 0);
    channel.port.postMessage({ ...(call as object), orderId: currentOrder(), groupPath: currentContext()?.groupPath ?? '' });
    Atomics.wait(flags, 0, 0);
    const answer = receiveMessageOnPort(channel.port)?.message as Answer | undefined;
    if (answer === undefined) throw new Error('the run is closing: the request was not performed');
    if ('error' in answer) throw new Error(answer.error);
    return answer.result;
  };
  engine.blockingSleep = (seconds) => {
    beforeBlocking();
    Atomics.wait(flags, 1, 0, seconds * 1000);
  };
}

function answer(channel: BlockingChannel, message: Answer): void {
  channel.port.postMessage(message);
  const flags = new Int32Array(channel.flags);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
}

/** On the main thread: perform each call of one VU thread in the context of the iteration that made it. */
export function serveBlockingCalls(channel: BlockingChannel, iteration: (orderId: number) => IterationState | undefined): void {
  channel.port.on('message', (call: Call) => {
    const context = { iteration: iteration(call.orderId), groupPath: call.groupPath };
    const requests = call.requests.map(({ method, url, body, params }) => {
      const { expectedStatuses: statuses, ...rest } = params;
      const revived: Params = { ...rest, ...(statuses === undefined ? {} : { responseCallback: statuses === null ? null : expectedStatuses(...statuses) }) };
      return runInContext(context, () => asyncRequest(method, url, body, revived));
    });
    Promise.all(requests).then(
      (responses) => answer(channel, { result: responses.map((response) => response.toJSON()) }),
      (error: unknown) => answer(channel, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** Closing the run: wake a VU thread wherever it blocks (no answer comes; a sleep ends). */
export function wakeBlocked(channel: BlockingChannel): void {
  const flags = new Int32Array(channel.flags);
  Atomics.store(flags, 0, 1);
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 0);
  Atomics.notify(flags, 1);
}
