/**
 * `k6/http` inside a VU thread (a synchronous exec function): every call blocks its VU until the
 * main thread, which owns the HTTP client, the metrics and the response callbacks' judgement, has
 * performed the request, as a k6 VU blocks in http.get. Responses come back as k6 Response objects.
 */
import { K6Response } from '../http/response.ts';
import { outOfSubset } from '../run/errors.ts';
import { engine } from '../run/context.ts';
import { defaultCallback, expectedStatuses, setResponseCallback, statusesOf, type ResponseCallback, type StatusRange } from './response-callback.ts';
import type { Params } from './http.ts';

/** One request as it crosses to the main thread: the callback as its statuses (a symbol does not cross). */
export interface BlockingRequest {
  method: string;
  url: string;
  body: unknown;
  params: Omit<Params, 'responseCallback'> & { expectedStatuses?: StatusRange[] | null };
}

function crossing(method: string, url: unknown, body: unknown, params: Params | null | undefined): BlockingRequest {
  const { responseCallback, ...rest } = params ?? {};
  const callback: ResponseCallback | null = responseCallback === undefined ? defaultCallback() : responseCallback;
  return { method: method.toUpperCase(), url: String(url), body: body ?? null, params: { ...rest, expectedStatuses: callback === null ? null : statusesOf(callback) } };
}

/** The main thread's answers, turned back into Response objects (json() and the rest from K6Response). */
function perform(requests: BlockingRequest[], throwOnError: boolean[]): K6Response[] {
  const answers = engine.blockingCall({ kind: 'http', requests }) as Record<string, unknown>[];
  return answers.map((answer, i) => {
    const response = Object.setPrototypeOf({ ...answer }, K6Response.prototype) as K6Response;
    if (throwOnError[i] && response.error !== '') throw new Error(response.error);
    return response;
  });
}

export function request(method: string, url: unknown, body?: unknown, params?: Params | null): K6Response {
  return perform([crossing(method, url, body, params)], [params?.throw === true])[0]!;
}

export const get = (url: unknown, params?: Params | null): K6Response => request('GET', url, null, params);
export const head = (url: unknown, params?: Params | null): K6Response => request('HEAD', url, null, params);
export const post = (url: unknown, body?: unknown, params?: Params | null): K6Response => request('POST', url, body, params);
export const put = (url: unknown, body?: unknown, params?: Params | null): K6Response => request('PUT', url, body, params);
export const patch = (url: unknown, body?: unknown, params?: Params | null): K6Response => request('PATCH', url, body, params);
export const del = (url: unknown, body?: unknown, params?: Params | null): K6Response => request('DELETE', url, body, params);
export const options = (url: unknown, body?: unknown, params?: Params | null): K6Response => request('OPTIONS', url, body, params);

/** A batch entry: a URL, [method, url, body?, params?] or {method, url, body?, params?}. */
type BatchEntry = string | [string, string, unknown?, Params?] | { method?: string; url: string; body?: unknown; params?: Params };

function batchEntry(entry: BatchEntry): BlockingRequest {
  if (typeof entry === 'string') return crossing('GET', entry, null, undefined);
  if (Array.isArray(entry)) return crossing(entry[0], entry[1], entry[2], entry[3]);
  return crossing(entry.method ?? 'GET', entry.url, entry.body, entry.params);
}

/** k6's http.batch: the requests go out in parallel; an array gives an array, an object an object by the same keys. */
export function batch(entries: BatchEntry[] | Record<string, BatchEntry>): K6Response[] | Record<string, K6Response> {
  const keys = Array.isArray(entries) ? undefined : Object.keys(entries);
  const list = Array.isArray(entries) ? entries : Object.values(entries);
  const responses = perform(list.map(batchEntry), list.map(() => false));
  return keys === undefined ? responses : Object.fromEntries(keys.map((key, i) => [key, responses[i]!]));
}

/** Offered for scripts that mix the forms: here it blocks like the others, then resolves. */
export function asyncRequest(method: string, url: unknown, body?: unknown, params?: Params | null): Promise<K6Response> {
  return Promise.resolve(request(method, url, body, params));
}

export const file = (): never => {
  throw outOfSubset('http.file()', 'send the bytes as the body of the request');
};
export const cookieJar = (): never => {
  throw outOfSubset('http.cookieJar()', 'set the Cookie header in params.headers');
};

export { expectedStatuses, setResponseCallback };

export default {
  asyncRequest, expectedStatuses, setResponseCallback,
  get, post, put, patch, del, head, options, request, batch, file, cookieJar,
};
