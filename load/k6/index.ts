/** `k6` for the engine: check, group, sleep (an awaited promise only) and fail. */
import { EngineError } from '../run/errors.ts';
import { contextTags, currentContext, emit, runInContext, type CodeContext } from '../run/context.ts';
import type { Tags } from '../metrics/sample.ts';

type Condition = ((value: never) => unknown) | unknown;

export function check<T>(value: T, conditions: Record<string, Condition>, tags?: Tags): boolean {
  const context = currentContext();
  const base = tags === undefined ? contextTags(context) : { ...contextTags(context), ...tags };
  const now = performance.timeOrigin + performance.now();
  let all = true;
  for (const [name, condition] of Object.entries(conditions)) {
    if (typeof condition === 'function' && condition.constructor.name === 'AsyncFunction') {
      throw new EngineError('script', `check "${name}" is an async function; k6 checks take synchronous functions (await first, then check the value)`);
    }
    let outcome: unknown;
    try {
      outcome = typeof condition === 'function' ? (condition as (v: T) => unknown)(value) : condition;
    } catch (error) {
      throw new EngineError('script', `check "${name}" threw: ${(error as Error).message}`);
    }
    if (outcome instanceof Promise) throw new EngineError('script', `check "${name}" returned a promise; k6 checks must return a value`);
    const passed = Boolean(outcome);
    all &&= passed;
    emit(context?.iteration, 'checks', { ...base, check: name }, passed ? 1 : 0, now);
  }
  return all;
}

/** Runs `fn` inside the group (async functions keep the group tag across awaits here). */
export function group<T>(name: string, fn: () => T): T {
  if (name.includes('::')) throw new EngineError('script', `group name "${name}" contains "::"; pick a name without it`);
  const context = currentContext();
  const groupPath = `${context?.groupPath ?? ''}::${name}`;
  const start = performance.now();
  const inner: CodeContext = { iteration: context?.iteration, groupPath };
  const result = runInContext(inner, fn);
  const tags = contextTags(inner);
  const record = (): void => emit(inner.iteration, 'group_duration', tags, performance.now() - start, performance.timeOrigin + performance.now());
  if (result instanceof Promise) return result.finally(record) as T;
  record();
  return result;
}

/** k6's sleep blocks its VU; on a shared event loop it can only be a promise the script awaits. */
export function sleep(seconds: number): Promise<void> {
  if (!Number.isFinite(seconds) || seconds < 0) throw new EngineError('script', `sleep(${seconds}): give a non-negative number of seconds`);
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

export default { check, group, sleep, fail };
