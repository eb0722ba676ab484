/**
 * k6's response callbacks behind http_req_failed: http.expectedStatuses(...) objects and the
 * default one http.setResponseCallback sets. Apart from the HTTP client, so a VU thread (which
 * sends its requests through the main thread) carries the callbacks without loading the client.
 */
import { EngineError, outOfSubset } from '../run/errors.ts';

const EXPECTED = Symbol('faultline.expectedStatuses');
export type StatusRange = number | { min: number; max: number };
export interface ResponseCallback { [EXPECTED]: StatusRange[] }

export function expectedStatuses(...statuses: StatusRange[]): ResponseCallback {
  for (const status of statuses) {
    const ok = typeof status === 'number' ? Number.isInteger(status) : Number.isInteger(status?.min) && Number.isInteger(status?.max);
    if (!ok) throw new EngineError('script', `http.expectedStatuses(${JSON.stringify(status)}): give status numbers or {min, max} objects`);
  }
  return { [EXPECTED]: statuses };
}

let current: ResponseCallback | null = expectedStatuses({ min: 200, max: 399 });

/** The callback a request without params.responseCallback is judged by. */
export function defaultCallback(): ResponseCallback | null {
  return current;
}

export function setResponseCallback(callback: ResponseCallback | null): void {
  if (callback !== null && !(callback as ResponseCallback)?.[EXPECTED]) throw outOfSubset('http.setResponseCallback(<function>)', 'pass http.expectedStatuses(...) or null');
  current = callback;
}

export function isExpected(callback: ResponseCallback, status: number): boolean {
  return callback[EXPECTED].some((s) => (typeof s === 'number' ? s === status : status >= s.min && status <= s.max));
}

/** The statuses a callback accepts, as plain data that crosses to another thread. */
export function statusesOf(callback: ResponseCallback): StatusRange[] {
  return callback[EXPECTED];
}
