/** How the gateway answers with what a peer said, and how a peer's failure becomes a problem. */
import type { Response } from 'express';
import type { HttpResult } from '../../platform/http-client.ts';
import { isUpstreamError } from '../../platform/http-client.ts';
import { ProblemError, isProblemError } from '../../platform/problem.ts';
import { isDeadlineExceeded } from '../../platform/resilience/deadline.ts';

const PASSED_HEADERS = ['content-type', 'x-cache', 'idempotent-replayed', 'location', 'retry-after'];

/** A peer's 2xx/4xx answer, passed on as it is (status, body, the headers a client may use). */
export function sendUpstream(res: Response, result: HttpResult): void {
  for (const name of PASSED_HEADERS) {
    const value = result.headers[name];
    if (typeof value === 'string') res.setHeader(name, value);
  }
  res.status(result.status);
  if (typeof result.body === 'string') res.send(result.body);
  else res.send(JSON.stringify(result.body));
}

/** A call that failed (no answer, or 5xx after retries) as the gateway's own problem. */
export function upstreamProblem(peer: string, error: unknown): ProblemError {
  if (isProblemError(error)) return error;
  if (isUpstreamError(error)) {
    if (error.errorType === 'deadline') return new ProblemError('deadline-exceeded', `${peer} did not answer before the request deadline`, { cause: error });
    if (error.errorType === 'timeout') return new ProblemError('upstream-failed', `${peer} did not answer in time`, { cause: error });
    return new ProblemError('upstream-failed', `${peer} is unreachable`, { cause: error });
  }
  if (error instanceof UpstreamStatusError) return new ProblemError('upstream-failed', `${peer} answered ${error.status}`, { cause: error });
  return new ProblemError('upstream-failed', `${peer} failed`, { cause: error });
}

/** A peer answered 5xx: thrown so retries and the breaker count it as a failure. */
export class UpstreamStatusError extends Error {
  readonly status: number;
  readonly result: HttpResult;
  constructor(peer: string, result: HttpResult) {
    super(`${peer} answered ${result.status}`);
    this.name = 'UpstreamStatusError';
    this.status = result.status;
    this.result = result;
  }
}

/** Throws UpstreamStatusError for 5xx, returns other answers. */
export function failOn5xx(peer: string, result: HttpResult): HttpResult {
  if (result.status >= 500) throw new UpstreamStatusError(peer, result);
  return result;
}

/** A failure of the peer itself: anything but the caller's own deadline running out. */
export function isDependencyFailure(error: unknown): boolean {
  return !(isUpstreamError(error) && error.errorType === 'deadline') && !isDeadlineExceeded(error);
}

/** Errors worth another attempt: no answer in time, connection trouble, a 5xx. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof UpstreamStatusError) return error.status !== 501;
  return isUpstreamError(error) && error.errorType !== 'deadline';
}
