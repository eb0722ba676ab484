/**
 * Starts the VU threads of a run before its t = 0, as k6 initialises every VU of its closed-model
 * executors (and the maxVUs of arrival-rate ones) before the test starts: concurrently, one lane
 * per CPU, as k6 does [lib/execution/scheduler.go initVUsConcurrently, GOMAXPROCS lanes].
 *
 * Each thread is a V8 isolate with limits of its own: a young generation capped small (V8 grows it
 * to tens of MB per isolate under allocation, which is most of a busy VU's memory), an old
 * generation of FAULTLINE_VU_HEAP_MB (default 64) for what the script keeps, and a small stack.
 * A script that needs more stops the run with one line naming the knob, not a crash.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type ResourceLimits } from 'node:worker_threads';
import { FLAG, FLAG_BYTES, type BlockingChannel } from './blocking-wait.ts';
import { EngineError } from './errors.ts';
import type { FromWorker, WorkerSetup } from './thread-iterations.ts';

const DEFAULT_HEAP_MB = 64;

/**
 * Each thread first turns on Node's compile cache (the TypeScript stripping and V8's code cache of
 * every module, on disk, keyed by content): without it each thread strips every module itself,
 * through a WebAssembly compiler instance of its own, which cost more memory than the VU itself.
 */
const BOOT = `import { enableCompileCache } from 'node:module';
import { workerData } from 'node:worker_threads';
enableCompileCache();
await import(workerData.entry);`;
const BOOT_URL = new URL(`data:text/javascript,${encodeURIComponent(BOOT)}`);
const ENTRY = new URL('./vu-thread.ts', import.meta.url).href;

/** The limits of every VU thread; FAULTLINE_VU_HEAP_MB sets the old generation. */
export function vuThreadLimits(env: NodeJS.ProcessEnv = process.env): ResourceLimits {
  const raw = env.FAULTLINE_VU_HEAP_MB;
  const heapMb = raw === undefined ? DEFAULT_HEAP_MB : Number(raw);
  if (!Number.isInteger(heapMb) || heapMb < 8 || heapMb > 4096) throw new EngineError('options', `FAULTLINE_VU_HEAP_MB=${raw}: give a whole number of MB from 8 to 4096`);
  return { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: heapMb, stackSizeMb: 1 };
}

/** What the run says when a VU thread dies of its limits or of an error the script cannot catch. */
export function vuThreadFailure(error: Error & { code?: string }, limits: ResourceLimits): string {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `a VU thread ran out of memory: each VU's heap is capped at ${limits.maxOldGenerationSizeMb} MB; raise it with FAULTLINE_VU_HEAP_MB (e.g. FAULTLINE_VU_HEAP_MB=${limits.maxOldGenerationSizeMb! * 4}) or keep less in the script`;
  }
  return `a VU thread failed: ${error.message.split('\n')[0]}`;
}

export interface VuThread { worker: Worker; channel: BlockingChannel }

/** Starts `count` VU threads, each loading the script; resolves once all are ready, or stops them all at the first failure. */
export async function startVuThreads(count: number, setup: WorkerSetup, limits: ResourceLimits): Promise<VuThread[]> {
  const threads: VuThread[] = [];
  let failure: Error | undefined;
  const startOne = async (): Promise<void> => {
    const { port1, port2 } = new MessageChannel();
    const flags = new SharedArrayBuffer(FLAG_BYTES);
    new Int32Array(flags)[FLAG.interrupted] = -(2 ** 31); // no order has this id
    const worker = new Worker(BOOT_URL, {
      workerData: { ...setup, entry: ENTRY, blocking: { port: port2, flags } },
      transferList: [port2],
      resourceLimits: limits,
    });
    threads.push({ worker, channel: { port: port1, flags } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', (error) => reject(new EngineError('script', vuThreadFailure(error, limits))));
      worker.once('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new EngineError(message.exitCode === 104 ? 'options' : 'script', message.message));
      });
    });
  };
  let started = 0;
  const lane = async (upTo: number): Promise<void> => {
    while (started < upTo && failure === undefined) {
      started += 1;
      try {
        await startOne();
      } catch (error) {
        failure ??= error as Error;
      }
    }
  };
  // the first alone: it fills the compile cache the others then read
  await lane(1);
  await Promise.all(Array.from({ length: Math.min(count, availableParallelism()) }, () => lane(count)));
  if (failure !== undefined) {
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
    throw failure;
  }
  return threads;
}
