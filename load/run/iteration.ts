/**
 * Runs one iteration of a scenario's exec function in the current thread and records it: the
 * start lag when it begins, iterations and iteration_duration when it ends (not when interrupted).
 */
import { runInContext, emit, type IterationState } from './context.ts';
import { EngineError } from './errors.ts';
import type { Tags } from '../metrics/sample.ts';

export interface IterationOrder {
  id: number;
  /** This engine's VU number (__VU, exec.vu.idInInstance). */
  vu: number;
  /** The VU's number across the whole test (exec.vu.idInTest; = vu without execution segments). */
  vuInTest: number;
  iter: number;
  /** The iteration's number within this engine's part of the scenario. */
  iterationInInstance: number;
  /** The iteration's number in the whole scenario, across execution segments. */
  iterationInTest: number;
  scenario: string;
  exec: string;
  tags: Tags;
  env: Record<string, string>;
  dueMs: number;
}

export interface IterationOutcome {
  /** A refusal (out-of-subset call) or test.abort(): the whole run stops. */
  fatal?: { message: string; exitCode: number };
  /** A script exception: logged, the run goes on (as in k6). */
  error?: string;
}

type ScriptModule = Record<string, unknown>;

/** Iterations started here and not yet settled, so gracefulStop can interrupt them. */
const running = new Map<number, IterationState>();

export function interruptIteration(id: number): void {
  const state = running.get(id);
  if (state === undefined) return;
  const now = performance.timeOrigin + performance.now();
  emit(undefined, 'iterations_interrupted', state.tags, 1, now);
  state.interrupted = true;
  running.delete(id);
}

export async function runIteration(script: ScriptModule, order: IterationOrder, data: unknown): Promise<IterationOutcome> {
  const startedMs = performance.timeOrigin + performance.now();
  const state: IterationState = {
    vu: order.vu, vuInTest: order.vuInTest, iter: order.iter, iterationInInstance: order.iterationInInstance, iterationInTest: order.iterationInTest, scenario: order.scenario,
    tags: order.tags, env: order.env, dueMs: order.dueMs, interrupted: false,
  };
  running.set(order.id, state);
  emit(state, 'iteration_start_lag', order.tags, startedMs - order.dueMs, startedMs);
  const fn = script[order.exec] as (data: unknown) => unknown;
  let outcome: IterationOutcome = {};
  try {
    await runInContext({ iteration: state, groupPath: '' }, () => fn(data));
  } catch (error) {
    outcome = classify(error);
  }
  running.delete(order.id);
  const endMs = performance.timeOrigin + performance.now();
  emit(state, 'iterations', order.tags, 1, endMs);
  emit(state, 'iteration_duration', order.tags, endMs - startedMs, endMs);
  return outcome;
}

export function classify(error: unknown): IterationOutcome {
  if (error instanceof EngineError && error.kind === 'options') return { fatal: { message: error.message, exitCode: error.exitCode } };
  if (error instanceof Error && error.name === 'TestAbort') return { fatal: { message: `test aborted: ${error.message}`, exitCode: 108 } };
  return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}
