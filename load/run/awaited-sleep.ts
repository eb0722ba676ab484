/**
 * sleep() for async scripts: a thenable that waits only once something awaits it (`await`,
 * `.then`, Promise.all all call `then`). If nothing has by the time the script's synchronous code
 * and its queued microtasks have run, the sleep was not awaited: on k6 it would have blocked the
 * VU, here it would not wait at all, so the run stops with one line naming the call site.
 */
import { engine } from './context.ts';

/** The script's line that called sleep(): the first stack frame outside the engine. */
function callSite(stack: string | undefined): string {
  const engineDirs = [new URL('.', import.meta.url).href, new URL('../k6/', import.meta.url).href];
  const frame = (stack ?? '').split('\n').slice(1).find((line) => !engineDirs.some((dir) => line.includes(dir)) && !line.includes('node:'));
  return frame?.trim().replace(/^at\s+(\S+\s+\()?/, '').replace(/\)$/, '') ?? 'the script';
}

export function awaitedSleep(seconds: number): PromiseLike<void> {
  const site = new Error().stack;
  let promise: Promise<void> | undefined;
  const start = (): Promise<void> => (promise ??= new Promise((resolve) => setTimeout(resolve, seconds * 1000)));
  const thenable: PromiseLike<void> = {
    then: (onFulfilled, onRejected) => start().then(onFulfilled, onRejected),
  };
  // setImmediate runs after the current macrotask and all its microtasks: an `await` has called then() by then
  setImmediate(() => {
    if (promise === undefined) engine.stopRun(`sleep(${seconds}) at ${callSite(site)} is not awaited: on k6 it blocks the VU, here it would not wait at all; write "await sleep(${seconds})"`);
  });
  return thenable;
}
