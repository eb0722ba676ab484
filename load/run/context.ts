/**
 * Which VU and iteration the running code belongs to. All VUs share one event loop here, so the
 * k6 globals (__VU, __ITER, __ENV) and the group/scenario tags are read from AsyncLocalStorage
 * rather than from per-VU runtimes as in k6.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestSample, SampleSink, Tags } from '../metrics/sample.ts';

export interface IterationState {
  vu: number;
  /** exec.vu.idInTest (with execution segments it differs from __VU); absent: = vu. */
  vuInTest?: number;
  /** This VU's iteration count in its scenario (k6's __ITER). */
  iter: number;
  /** exec.scenario.iterationInInstance; absent: = iterationInTest. */
  iterationInInstance?: number;
  iterationInTest: number;
  scenario: string;
  /** Scenario tags, test-wide tags and `scenario` itself. */
  tags: Tags;
  env: Record<string, string>;
  /** Epoch ms when this iteration was due. */
  dueMs: number;
  /** Set by gracefulStop: samples of an interrupted iteration are no longer recorded. */
  interrupted: boolean;
}

export interface CodeContext {
  iteration: IterationState | undefined;
  /** "" at the root, "::a::b" inside group b of group a. */
  groupPath: string;
}

const storage = new AsyncLocalStorage<CodeContext>();

/** Engine-wide settings the k6 modules read. */
export const engine = {
  sink: { add() {}, addRequest() {} } as SampleSink,
  testTags: {} as Tags,
  env: {} as Record<string, string>,
  discardResponseBodies: false,
  /** True while the script's top level runs (the init context). */
  initContext: true,
  /** In a VU thread: performs a call on the main thread and blocks until its answer is back. */
  blockingCall: undefined as unknown as (call: unknown) => unknown,
  /** In a VU thread: sleep blocks the thread, as k6's sleep blocks its VU. */
  blockingSleep: undefined as ((seconds: number) => void) | undefined,
  /** Stops the run with a line and exit code 104 (the script asks for what the engine cannot give); the run replaces it. */
  stopRun: (message: string): void => {
    process.stderr.write(`${message}\n`);
    process.exit(104);
  },
};

export function currentContext(): CodeContext | undefined {
  return storage.getStore();
}

export function runInContext<T>(context: CodeContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Record a sample unless it belongs to an interrupted iteration. Callers pass the iteration they
 * already hold, so a sample costs no AsyncLocalStorage read of its own.
 */
export function emit(iteration: IterationState | undefined, metric: string, tags: Tags, value: number, time: number): void {
  if (iteration?.interrupted) return;
  engine.sink.add({ metric, tags, value, time });
}

/** Record one response hop (its http_* samples in one record) unless its iteration was interrupted. */
export function emitRequest(iteration: IterationState | undefined, request: RequestSample): void {
  if (iteration?.interrupted) return;
  engine.sink.addRequest(request);
}

/** Tags every sample of the given code carries: test-wide, scenario, group. */
export function contextTags(context: CodeContext | undefined): Tags {
  return { ...(context?.iteration?.tags ?? engine.testTags), group: context?.groupPath ?? '' };
}

Object.defineProperty(globalThis, '__VU', { get: () => storage.getStore()?.iteration?.vu ?? 0, configurable: true });
Object.defineProperty(globalThis, '__ITER', { get: () => storage.getStore()?.iteration?.iter ?? 0, configurable: true });
// a scenario's env is laid over the test's (system env and -e), once per scenario
const scenarioEnv = new Map<string, Record<string, string>>();
function currentEnv(): Record<string, string> {
  const iteration = storage.getStore()?.iteration;
  if (iteration === undefined) return engine.env;
  let env = scenarioEnv.get(iteration.scenario);
  if (env === undefined) {
    env = { ...engine.env, ...iteration.env };
    scenarioEnv.set(iteration.scenario, env);
  }
  return env;
}

Object.defineProperty(globalThis, '__ENV', { get: currentEnv, configurable: true });
