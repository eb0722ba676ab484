/**
 * The VU thread's side of its blocking channel: k6/http calls and sleep block the thread, as they
 * block a k6 VU. A call is posted to the main thread, which performs it and answers; the thread
 * waits with Atomics.wait until woken, then reads the answer synchronously (receiveMessageOnPort).
 * The main thread can also wake it to interrupt the iteration (gracefulStop, a ramp-down's hard
 * stop) or to close the run: the iteration then ends at once, as k6 cancels a VU's context. Only
 * node:worker_threads and the context are imported here: every VU thread loads this.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { currentContext, engine } from './context.ts';
import type { SampleBatch } from './thread-iterations.ts';

/** What a VU thread and the main thread share: the port and Int32 flags (see FLAG). */
export interface BlockingChannel {
  port: MessagePort;
  flags: SharedArrayBuffer;
}

/** Indexes into the channel's flags. */
export const FLAG = {
  /** 1: an answer (or a wake-up) is waiting. */
  answer: 0,
  /** 1: a sleep should end now. */
  wake: 1,
  /** The order id of the iteration the main thread has interrupted. */
  interrupted: 2,
  /** 1: the run is closing. */
  closing: 3,
} as const;
export const FLAG_BYTES = 16;

export interface Call { kind: 'http'; requests: unknown[]; orderId: number; groupPath: string; seq: number; batch: SampleBatch }
export type Answer = { seq: number } & ({ result: unknown } | { error: string });

/** Thrown into the script where it blocks, so an interrupted iteration ends at once; its samples are dropped. */
export class IterationInterrupted extends Error {
  constructor() {
    super('the iteration was interrupted');
    this.name = 'IterationInterrupted';
  }
}

/** A sleep at least this long sends the samples gathered so far first; a shorter one leaves them for the iteration's end. */
const FLUSH_BEFORE_SLEEP_S = 0.25;

/**
 * In the VU thread: make k6/http calls and sleep block on the channel. The samples gathered so far
 * go with each call, and are sent before a long sleep; `interrupt` marks the current iteration
 * interrupted (its samples are dropped).
 */
export function installBlockingCalls(channel: BlockingChannel, currentOrder: () => number, samples: { flush(): void; take(): SampleBatch }, interrupt: (orderId: number) => void): void {
  const flags = new Int32Array(channel.flags);
  let seq = 0;
  const check = (): void => {
    if (Atomics.load(flags, FLAG.closing) === 1) throw new IterationInterrupted();
    if (Atomics.load(flags, FLAG.interrupted) === (currentOrder() | 0)) {
      interrupt(currentOrder());
      throw new IterationInterrupted();
    }
  };
  engine.blockingCall = (call) => {
    check();
    seq += 1;
    Atomics.store(flags, FLAG.answer, 0);
    channel.port.postMessage({ ...(call as object), orderId: currentOrder(), groupPath: currentContext()?.groupPath ?? '', seq, batch: samples.take() });
    for (;;) {
      Atomics.wait(flags, FLAG.answer, 0);
      Atomics.store(flags, FLAG.answer, 0);
      // answers to calls an interrupt abandoned may still arrive: only this call's answer counts
      for (let received = receiveMessageOnPort(channel.port); received !== undefined; received = receiveMessageOnPort(channel.port)) {
        const answer = received.message as Answer;
        if (answer.seq !== seq) continue;
        if ('error' in answer) throw new Error(answer.error);
        return answer.result;
      }
      check();
    }
  };
  engine.blockingSleep = (seconds) => {
    check();
    if (seconds >= FLUSH_BEFORE_SLEEP_S) samples.flush();
    Atomics.store(flags, FLAG.wake, 0);
    check(); // an interrupt between the first check and the reset above
    Atomics.wait(flags, FLAG.wake, 0, seconds * 1000);
    check();
  };
}
