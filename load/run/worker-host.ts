/**
 * Iterations on worker threads while the main thread keeps the schedule, the VU pools and every
 * metric; workers send samples back. `--workers N`: order k on worker k mod N. VU threads (a
 * synchronous exec function): one thread per VU, each iteration on its VU's thread, whose blocking
 * k6/http calls the main thread performs in the iteration's context.
 */
import { Worker } from 'node:worker_threads';
import { interruptBlocked, serveBlockingCalls, wakeBlocked } from './blocking-calls.ts';
import type { BlockingChannel } from './blocking-wait.ts';
import type { IterationState } from './context.ts';
import type { IterationHost } from '../executors/arrival-rate.ts';
import type { SampleSink, Tags } from '../metrics/sample.ts';
import { EngineError } from './errors.ts';
import type { IterationOrder, IterationOutcome } from './iteration.ts';
import { startVuThreads, vuThreadFailure, vuThreadLimits } from './vu-thread-start.ts';
import type { FromWorker, SampleBatch, ToWorker, WorkerSetup } from './thread-iterations.ts';

/** Exit code of a run whose thread died (k6's ScriptException). */
const EXIT_THREAD_FAILED = 107;

export class WorkerHost implements IterationHost {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, (outcome: IterationOutcome) => void>();
  /** Orders in flight per thread, so a thread that dies fails them rather than leaving them hanging. */
  private readonly ordersOn: Set<number>[];
  private readonly failed: (string | undefined)[];
  /** VU threads: each VU's thread, its channel, and the main thread's view of each running iteration. */
  private readonly channels: BlockingChannel[];
  private readonly threadOfVu = new Map<number, number>();
  private readonly iterations = new Map<number, IterationState>();
  private closing = false;

  private constructor(workers: Worker[], sink: SampleSink, channels: BlockingChannel[], describeFailure: (error: Error) => string) {
    this.workers = workers;
    this.channels = channels;
    this.ordersOn = workers.map(() => new Set());
    this.failed = workers.map(() => undefined);
    const receive = (batch: SampleBatch): void => {
      for (const sample of batch.samples) sink.add(sample);
      for (const request of batch.requests) sink.addRequest(request);
    };
    for (const channel of channels) serveBlockingCalls(channel, (orderId) => this.iterations.get(orderId), receive);
    workers.forEach((worker, index) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'samples') receive(message);
        else if (message.type === 'done') {
          receive(message);
          this.settle(index, message.id, message.outcome);
        }
      });
      worker.on('error', (error) => {
        if (this.closing) return;
        const message = describeFailure(error);
        this.failed[index] = message;
        for (const id of [...this.ordersOn[index]!]) this.settle(index, id, { fatal: { message, exitCode: EXIT_THREAD_FAILED } });
      });
    });
  }

  /** `count` workers, or with `vuThreads` one VU thread each; resolves once every one has loaded the script. */
  static async start(count: number, script: string, env: Record<string, string>, data: unknown, sink: SampleSink, discardResponseBodies: boolean, testTags: Tags, vuThreads = false): Promise<WorkerHost> {
    const setup: WorkerSetup = { script, env, data, discardResponseBodies, testTags };
    if (vuThreads) {
      const limits = vuThreadLimits();
      const threads = await startVuThreads(count, setup, limits);
      return new WorkerHost(threads.map((thread) => thread.worker), sink, threads.map((thread) => thread.channel), (error) => vuThreadFailure(error, limits));
    }
    const workers = Array.from({ length: count }, () => new Worker(new URL('./worker.ts', import.meta.url), { workerData: setup }));
    try {
      await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
        worker.once('error', (error) => reject(new EngineError('script', `a worker thread failed: ${error.message}`)));
        worker.once('message', (message: FromWorker) => {
          if (message.type === 'ready') resolve();
          else if (message.type === 'failed') reject(new EngineError(message.exitCode === 104 ? 'options' : 'script', message.message));
        });
      })));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    return new WorkerHost(workers, sink, [], (error) => `a worker thread failed: ${error.message.split('\n')[0]}`);
  }

  private settle(thread: number, id: number, outcome: IterationOutcome): void {
    this.ordersOn[thread]!.delete(id);
    this.pending.get(id)?.(outcome);
    this.pending.delete(id);
  }

  /** The thread an order runs on: its VU's own (a new VU takes the next thread), or order k on k mod N. */
  private threadFor(order: IterationOrder): number {
    if (this.channels.length === 0) return order.id % this.workers.length;
    let index = this.threadOfVu.get(order.vu);
    if (index === undefined) {
      index = this.threadOfVu.size;
      if (index >= this.workers.length) throw new Error(`VU ${order.vu} has no thread: ${this.workers.length} were started`);
      this.threadOfVu.set(order.vu, index);
    }
    return index;
  }

  start(order: IterationOrder): Promise<IterationOutcome> {
    const thread = this.threadFor(order);
    const failed = this.failed[thread];
    if (failed !== undefined) return Promise.resolve({ fatal: { message: failed, exitCode: EXIT_THREAD_FAILED } });
    if (this.channels.length > 0) {
      this.iterations.set(order.id, {
        vu: order.vu, iter: order.iter, iterationInTest: order.iterationInTest, scenario: order.scenario,
        tags: order.tags, env: order.env, dueMs: order.dueMs, interrupted: false,
      });
    }
    return new Promise((resolve) => {
      this.ordersOn[thread]!.add(order.id);
      this.pending.set(order.id, (outcome) => {
        this.iterations.delete(order.id);
        resolve(outcome);
      });
      this.workers[thread]!.postMessage({ type: 'run', order } satisfies ToWorker);
    });
  }

  interrupt(order: IterationOrder): void {
    const thread = this.threadFor(order);
    // its executor learns at once that the iteration is over (k6's VU is free again), whatever the thread still does
    this.settle(thread, order.id, {});
    const state = this.iterations.get(order.id);
    if (state !== undefined) state.interrupted = true; // what the main thread still performs for it is not recorded
    this.iterations.delete(order.id);
    // a VU thread blocked in sleep or a request cannot read a message: it is woken where it waits
    const channel = this.channels[thread];
    if (channel !== undefined) interruptBlocked(channel, order.id);
    this.workers[thread]!.postMessage({ type: 'interrupt', id: order.id } satisfies ToWorker);
  }

  async close(): Promise<void> {
    // let the interrupt notices and last batches arrive before the threads end
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.closing = true;
    for (const channel of this.channels) {
      wakeBlocked(channel);
      channel.port.close();
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
