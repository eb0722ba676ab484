/**
 * Iterations on worker threads while the main thread keeps the schedule, the VU pools and every
 * metric; workers send samples back. `--workers N`: order k on worker k mod N. VU threads (a
 * synchronous exec function): one thread per VU, each iteration on its VU's thread, whose blocking
 * k6/http calls the main thread performs in the iteration's context.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { serveBlockingCalls, wakeBlocked, type BlockingChannel } from './blocking-calls.ts';
import type { IterationState } from './context.ts';
import type { IterationHost } from '../executors/arrival-rate.ts';
import type { SampleSink, Tags } from '../metrics/sample.ts';
import { EngineError } from './errors.ts';
import type { IterationOrder, IterationOutcome } from './iteration.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './worker.ts';

export class WorkerHost implements IterationHost {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, (outcome: IterationOutcome) => void>();
  /** VU threads: each VU's thread, its channel, and the main thread's view of each running iteration. */
  private readonly channels: BlockingChannel[];
  private readonly threadOfVu = new Map<number, number>();
  private readonly iterations = new Map<number, IterationState>();

  private constructor(workers: Worker[], sink: SampleSink, channels: BlockingChannel[]) {
    this.workers = workers;
    this.channels = channels;
    for (const channel of channels) serveBlockingCalls(channel, (orderId) => this.iterations.get(orderId));
    for (const worker of workers) {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'samples') {
          for (const sample of message.samples) sink.add(sample);
          for (const request of message.requests) sink.addRequest(request);
        } else if (message.type === 'done') {
          this.pending.get(message.id)?.(message.outcome);
          this.pending.delete(message.id);
        }
      });
    }
  }

  /** `count` workers, or with `vuThreads` one VU thread each; resolves once every one has loaded the script. */
  static async start(count: number, script: string, env: Record<string, string>, data: unknown, sink: SampleSink, discardResponseBodies: boolean, testTags: Tags, vuThreads = false): Promise<WorkerHost> {
    const setup: WorkerSetup = { script, env, data, discardResponseBodies, testTags };
    const channels: BlockingChannel[] = [];
    const workers = Array.from({ length: count }, () => {
      if (!vuThreads) return new Worker(new URL('./worker.ts', import.meta.url), { workerData: setup });
      const { port1, port2 } = new MessageChannel();
      channels.push({ port: port1, flags: new SharedArrayBuffer(8) });
      const blocking: BlockingChannel = { port: port2, flags: channels[channels.length - 1]!.flags };
      return new Worker(new URL('./worker.ts', import.meta.url), { workerData: { ...setup, blocking }, transferList: [port2] });
    });
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
    return new WorkerHost(workers, sink, channels);
  }

  /** The thread an order runs on: its VU's own (a new VU takes the next thread), or order k on k mod N. */
  private threadFor(order: IterationOrder): Worker {
    if (this.channels.length === 0) return this.workers[order.id % this.workers.length]!;
    let index = this.threadOfVu.get(order.vu);
    if (index === undefined) {
      index = this.threadOfVu.size;
      if (index >= this.workers.length) throw new Error(`VU ${order.vu} has no thread: ${this.workers.length} were started`);
      this.threadOfVu.set(order.vu, index);
    }
    return this.workers[index]!;
  }

  start(order: IterationOrder): Promise<IterationOutcome> {
    if (this.channels.length > 0) {
      this.iterations.set(order.id, {
        vu: order.vu, iter: order.iter, iterationInTest: order.iterationInTest, scenario: order.scenario,
        tags: order.tags, env: order.env, dueMs: order.dueMs, interrupted: false,
      });
    }
    return new Promise((resolve) => {
      this.pending.set(order.id, (outcome) => {
        this.iterations.delete(order.id);
        resolve(outcome);
      });
      this.threadFor(order).postMessage({ type: 'run', order } satisfies ToWorker);
    });
  }

  interrupt(order: IterationOrder): void {
    this.pending.delete(order.id);
    const state = this.iterations.get(order.id);
    if (state !== undefined) state.interrupted = true; // what the main thread still performs for it is not recorded
    this.iterations.delete(order.id);
    this.threadFor(order).postMessage({ type: 'interrupt', id: order.id } satisfies ToWorker);
  }

  async close(): Promise<void> {
    // let the interrupt notices and last batches arrive before the threads end
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const channel of this.channels) {
      wakeBlocked(channel);
      channel.port.close();
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
