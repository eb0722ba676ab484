/**
 * The request deadline below the HTTP edge. The server binds each request's absolute deadline
 * (and where to count its expiry) in an AsyncLocalStorage, so the database pool, each SQL
 * statement, each Redis call and each wait for another request's work read the time left
 * without every function passing it on. Work started with no request (outbox relay, background
 * cache refresh) runs outside any deadline. Expiries are counted by where they were noticed.
 * Node's AsyncLocalStorage is the carrier (as OpenTelemetry's context manager uses it): no
 * library offers a deadline scope over it, and the module is small.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ProblemError } from '../problem.ts';

/** Where an expired deadline was noticed (the `stage` label of request_deadline_exceeded_total). */
export type DeadlineStage = 'arrival' | 'shed_queue' | 'db_pool' | 'db_statement' | 'redis' | 'cache_wait' | 'http_client';

export interface DeadlineScope {
  /** Absolute deadline, epoch ms. */
  deadline: number;
  /** Counts an expiry noticed at `stage`. */
  exceeded: (stage: DeadlineStage) => void;
}

const scopes = new AsyncLocalStorage<DeadlineScope>();

/** Runs fn with `scope` as the deadline of everything it starts. */
export function runWithDeadline<T>(scope: DeadlineScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** Runs fn outside any request's deadline (work that outlives the request that started it). */
export function runWithoutDeadline<T>(fn: () => T): T {
  return scopes.exit(fn);
}

/** The deadline of the request being served, undefined outside a request. */
export function currentDeadline(): DeadlineScope | undefined {
  return scopes.getStore();
}

/** The 504 problem for a deadline that passed at `stage`, counted once. */
export function deadlineExceeded(stage: DeadlineStage, scope: DeadlineScope | undefined = currentDeadline()): ProblemError {
  scope?.exceeded(stage);
  return new ProblemError('deadline-exceeded', `the request deadline passed (${stage.replace('_', ' ')})`);
}

export function isDeadlineExceeded(error: unknown): boolean {
  return error instanceof ProblemError && error.code === 'deadline-exceeded';
}

/**
 * Waits for `work` no longer than the current deadline; past it, throws the 504 problem and
 * leaves `work` to finish unobserved. Outside a request, waits for `work` as it is.
 */
export async function boundByDeadline<T>(work: Promise<T>, stage: DeadlineStage): Promise<T> {
  const scope = currentDeadline();
  if (!scope) return await work;
  const left = scope.deadline - Date.now();
  if (left <= 0) {
    work.catch(() => {});
    throw deadlineExceeded(stage, scope);
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlineExceeded(stage, scope)), left);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
  }
}
