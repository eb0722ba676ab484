/**
 * What every iteration thread does (a `--workers` worker or a VU thread): load the script (its own
 * init context, as each k6 VU has), run the iterations the main thread hands it, and send its
 * samples back in batches. The messages both ways are defined here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RequestSample, Sample } from '../metrics/sample.ts';
import { engine, runInContext } from './context.ts';
import { EngineError } from './errors.ts';
import { interruptIteration, runIteration, classify, type IterationOrder } from './iteration.ts';
import { loadScript, type ScriptModule } from './script.ts';

export interface WorkerSetup {
  script: string;
  env: Record<string, string>;
  data: unknown;
  discardResponseBodies: boolean;
  testTags: Record<string, string>;
}

export type LifecycleName = 'setup' | 'teardown';
export type ToWorker =
  | { type: 'run'; order: IterationOrder }
  | { type: 'interrupt'; id: number }
  | { type: 'lifecycle'; name: LifecycleName; data: unknown };
/** How a failure crosses back: enough to rebuild what classify() reads. */
export interface CrossingError { message: string; name: string; refusal: boolean }
/** Samples gathered in a thread, sent along with a message it sends anyway where it can (each message wakes the main thread). */
export interface SampleBatch { samples: Sample[]; requests: RequestSample[] }
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; exitCode: number }
  | ({ type: 'samples' } & SampleBatch)
  | ({ type: 'done'; id: number; outcome: ReturnType<typeof classify> } & SampleBatch)
  | ({ type: 'lifecycle-done'; result: string | undefined; error: CrossingError | undefined } & SampleBatch);

export interface ThreadRole {
  /** Before the script loads, with the functions that send the samples gathered so far and that take them (to send along). */
  prepare(flush: () => void, take: () => SampleBatch): void;
  /** After the script loaded, before the thread says it is ready. */
  loaded(): Promise<void>;
  /** An iteration is about to run here. */
  running(orderId: number): void;
  /** Also send samples every this many ms (a thread that blocks sends them before it blocks). */
  flushEveryMs: number | undefined;
}

export async function serveIterations(role: ThreadRole): Promise<void> {
  const port = parentPort!;
  const setup = workerData as WorkerSetup;
  const post = (message: FromWorker): void => port.postMessage(message);

  let samples: Sample[] = [];
  let requests: RequestSample[] = [];
  const take = (): SampleBatch => {
    const batch = { samples, requests };
    samples = [];
    requests = [];
    return batch;
  };
  const flush = (): void => {
    if (samples.length > 0 || requests.length > 0) post({ type: 'samples', ...take() });
  };
  if (role.flushEveryMs !== undefined) setInterval(flush, role.flushEveryMs).unref();

  engine.env = setup.env;
  engine.sink = {
    add: (sample) => void samples.push(sample),
    // the timings object is also the script's response.timings: copied before the script can change it
    addRequest: (request) => void requests.push({ ...request, timings: { ...request.timings } }),
  };
  role.prepare(flush, take);

  try {
    const script = await loadScript(setup.script);
    engine.discardResponseBodies = setup.discardResponseBodies;
    engine.testTags = setup.testTags;
    await role.loaded();
    port.on('message', (message: ToWorker) => {
      if (message.type === 'lifecycle') {
        void runLifecycle(script, message.name, message.data).then((done) => post({ type: 'lifecycle-done', ...done, ...take() }));
        return;
      }
      if (message.type === 'interrupt') {
        interruptIteration(message.id);
        flush();
        return;
      }
      role.running(message.order.id);
      void runIteration(script, message.order, setup.data).then((outcome) => {
        post({ type: 'done', id: message.order.id, outcome, ...take() });
      });
    });
    post({ type: 'ready' });
  } catch (error) {
    const err = error as Error & { exitCode?: number };
    post({ type: 'failed', message: err.message, exitCode: err.exitCode ?? 107 });
  }
}

/** setup() or teardown() as k6 runs them: a group of their own, no iteration; the result as k6 hands it on, JSON. */
async function runLifecycle(script: ScriptModule, name: LifecycleName, data: unknown): Promise<{ result: string | undefined; error: CrossingError | undefined }> {
  try {
    const fn = script[name] as (data: unknown) => unknown;
    const result = await runInContext({ iteration: undefined, groupPath: `::${name}` }, () => fn(data));
    return { result: result === undefined ? undefined : JSON.stringify(result), error: undefined };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return { result: undefined, error: { message: err.message, name: err.name, refusal: err instanceof EngineError && err.kind === 'options' } };
  }
}
