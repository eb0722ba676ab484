/**
 * `--workers N`: iterations run on N worker threads (order k on worker k mod N) while the main
 * thread keeps the schedule, the VU pools and every metric; workers send samples back.
 */
import { Worker } from 'node:worker_threads';
import type { IterationHost } from '../executors/arrival-rate.ts';
import type { SampleSink, Tags } from '../metrics/sample.ts';
import { EngineError } from './errors.ts';
import type { IterationOrder, IterationOutcome } from './iteration.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './worker.ts';

export class WorkerHost implements IterationHost {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, (outcome: IterationOutcome) => void>();

  private constructor(workers: Worker[], sink: SampleSink) {
    this.workers = workers;
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

  static async start(count: number, script: string, env: Record<string, string>, data: unknown, sink: SampleSink, discardResponseBodies: boolean, testTags: Tags): Promise<WorkerHost> {
    const setup: WorkerSetup = { script, env, data, discardResponseBodies, testTags };
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
    return new WorkerHost(workers, sink);
  }

  start(order: IterationOrder): Promise<IterationOutcome> {
    return new Promise((resolve) => {
      this.pending.set(order.id, resolve);
      this.workers[order.id % this.workers.length]!.postMessage({ type: 'run', order } satisfies ToWorker);
    });
  }

  interrupt(order: IterationOrder): void {
    this.pending.delete(order.id);
    this.workers[order.id % this.workers.length]!.postMessage({ type: 'interrupt', id: order.id } satisfies ToWorker);
  }

  async close(): Promise<void> {
    // let the interrupt notices and last batches arrive before the threads end
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
