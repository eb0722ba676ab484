/** `k6` for the engine: check, group, sleep (an awaited promise only) and fail. */
import { EngineError } from '../run/errors.ts';
import { contextTags, currentContext, emit, engine, runInContext, type CodeContext } from '../run/context.ts';
import type { Tags } from '../metrics/sample.ts';
import { awaitedSleep } from '../run/awaited-sleep.ts';

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

/**
 * Runs `fn` inside the group and records group_duration when it returns, as k6 does; k6 refuses an
 * async function [js/modules/k6/k6.go], so the engine does too, with k6's message.
 */
export function group<T>(name: string, fn: () => T): T {
  if (name.includes('::')) throw new EngineError('script', `group name "${name}" contains "::"; pick a name without it`);
  if (typeof fn === 'function' && fn.constructor.name === 'AsyncFunction') {
    throw new Error('group() does not support async functions as arguments, please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/ for more info');
  }
  const context = currentContext();
  const groupPath = `${context?.groupPath ?? ''}::${name}`;
  const start = performance.now();
  const inner: CodeContext = { iteration: context?.iteration, groupPath };
  const result = runInContext(inner, fn);
  emit(inner.iteration, 'group_duration', contextTags(inner), performance.now() - start, performance.timeOrigin + performance.now());
  return result;
}

/**
 * k6's sleep blocks its VU. In a VU thread it does; on the shared event loop it can only be
 * something the script awaits, and a sleep nobody awaits (which would silently not wait) stops
 * the run with one line naming it.
 */
export function sleep(seconds: number): PromiseLike<void> | undefined {
  if (!Number.isFinite(seconds) || seconds < 0) throw new EngineError('script', `sleep(${seconds}): give a non-negative number of seconds`);
  // a VU thread (synchronous exec function) blocks, as k6 does
  if (engine.blockingSleep !== undefined) return void engine.blockingSleep(seconds);
  return awaitedSleep(seconds);
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

export default { check, group, sleep, fail };
