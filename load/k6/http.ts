/**
 * `k6/http` for the engine: http.asyncRequest with k6's params, redirects (each hop a request of
 * its own, as in k6), the response callback behind http_req_failed, and every built-in HTTP metric.
 * The synchronous forms cannot run on a shared event loop and refuse with one line.
 */
import { exchange, type Exchange } from '../http/client.ts';
import { K6Response, type ResponseType } from '../http/response.ts';
import { parseDurationMs } from '../options/duration.ts';
import { EngineError, outOfSubset } from '../run/errors.ts';
import { contextTags, currentContext, emitRequest, engine, type CodeContext } from '../run/context.ts';
import type { Tags } from '../metrics/sample.ts';
import { defaultCallback, expectedStatuses, isExpected, setResponseCallback, type ResponseCallback } from './response-callback.ts';

export interface Params {
  headers?: Record<string, string>;
  tags?: Tags;
  timeout?: string | number;
  responseType?: ResponseType;
  redirects?: number;
  responseCallback?: ResponseCallback | null;
  throw?: boolean;
}

function encodeBody(body: unknown, headers: Record<string, string>): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    // k6 form-encodes a plain object
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return new URLSearchParams(Object.entries(body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  return String(body);
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** Parsed request URLs by their text: a script sends the same few URLs again and again. */
const parsedUrls = new Map<string, URL>();
const MAX_PARSED_URLS = 1_000;

/** The URL of a request; never modified by the engine, so one parsed object serves every request to it. */
function parseUrl(text: string): URL {
  let url = parsedUrls.get(text);
  if (url === undefined) {
    url = new URL(text);
    if (parsedUrls.size < MAX_PARSED_URLS) parsedUrls.set(text, url);
  }
  return url;
}

export async function asyncRequest(method: string, url: string | URL, body?: unknown, params?: Params | null): Promise<K6Response> {
  // the one AsyncLocalStorage read of the request: every hop's samples take their iteration and group from it
  const context = currentContext();
  if (engine.initContext && context === undefined) throw new EngineError('script', 'http.asyncRequest() called in the init context; make requests in setup() or the default function');
  if (typeof method !== 'string' || method !== method.toUpperCase()) throw new EngineError('script', `http.asyncRequest("${String(method)}", ...): the method must be upper case, e.g. "GET"`);
  const options = params ?? {};
  const headers: Record<string, string> = { 'User-Agent': 'k6/2.2 (faultline embedded engine)', ...(options.headers ?? {}) };
  const payload = encodeBody(body, headers);
  const timeoutMs = options.timeout === undefined ? 60_000 : parseDurationMs(options.timeout, 'params.timeout');
  const responseType: ResponseType = options.responseType ?? (engine.discardResponseBodies ? 'none' : 'text');
  const callback = options.responseCallback === undefined ? defaultCallback() : options.responseCallback;
  let redirectsLeft = options.redirects ?? 10;
  let target = typeof url === 'string' ? parseUrl(url) : new URL(String(url));
  let hopMethod = method;
  let hopBody = payload;
  for (;;) {
    const outgoing = { method: hopMethod, url: target, headers, body: typeof hopBody === 'string' ? Buffer.from(hopBody) : hopBody, timeoutMs, keepBody: responseType !== 'none' };
    const result = await exchange(outgoing);
    const response = new K6Response(result, hopMethod, target, headers, typeof hopBody === 'string' ? hopBody : '', responseType);
    const failed = callback === null ? undefined : !isExpected(callback, result.status);
    recordHop(context, response, hopMethod, target, options.tags, failed, result);
    // only a redirect's headers are read here: decoding them costs, and most responses are not one
    const location = REDIRECT.has(result.status) && redirectsLeft > 0 ? response.headers.Location : undefined;
    if (location !== undefined) {
      redirectsLeft -= 1;
      target = new URL(location, target);
      if (result.status === 303 || ((result.status === 301 || result.status === 302) && hopMethod === 'POST')) {
        hopMethod = hopMethod === 'HEAD' ? 'HEAD' : 'GET';
        hopBody = undefined;
      }
      continue;
    }
    if (options.throw === true && response.error !== '') throw new Error(response.error);
    return response;
  }
}

/** One record per hop, its tags built once: k6's http_* samples of the hop are what the outputs expand it to. */
function recordHop(context: CodeContext | undefined, response: K6Response, method: string, url: URL, requestTags: Tags | undefined, failed: boolean | undefined, result: Exchange): void {
  const tags = contextTags(context);
  tags.method = method;
  tags.url = url.href;
  tags.name = url.href;
  tags.status = String(response.status);
  if (response.proto !== '') tags.proto = response.proto;
  if (response.error_code !== 0) tags.error_code = String(response.error_code);
  else if (response.status >= 400) tags.error_code = String(1000 + response.status);
  if (failed !== undefined) tags.expected_response = String(!failed);
  if (requestTags !== undefined) Object.assign(tags, requestTags);
  if (response.status >= 400 && response.error_code === 0) {
    response.error_code = 1000 + response.status;
    response.error = response.status_text;
  }
  const endMs = performance.timeOrigin + result.endedAt;
  const dueMs = context?.iteration?.dueMs;
  emitRequest(context?.iteration, {
    tags, time: endMs, timings: result.timings, failed, bytesSent: result.bytesSent, bytesReceived: result.bytesReceived,
    fromDueMs: dueMs === undefined ? undefined : endMs - dueMs,
  });
}

const refuseSync = (name: string, method: string) => (): never => {
  throw outOfSubset(`http.${name}()`, `in an async function k6's synchronous HTTP would block every VU of the shared event loop; use "await http.asyncRequest('${method}', url, body, params)", or make the function synchronous (each VU then runs on a thread of its own)`);
};

export const get = refuseSync('get', 'GET');
export const post = refuseSync('post', 'POST');
export const put = refuseSync('put', 'PUT');
export const patch = refuseSync('patch', 'PATCH');
export const del = refuseSync('del', 'DELETE');
export const head = refuseSync('head', 'HEAD');
export const options = refuseSync('options', 'OPTIONS');
export const request = refuseSync('request', 'GET');
export const batch = (): never => {
  throw outOfSubset('http.batch()', 'in an async function start several http.asyncRequest() calls and await Promise.all([...]), or make the function synchronous');
};
export const file = (): never => {
  throw outOfSubset('http.file()', 'send the bytes as the body of http.asyncRequest');
};
export const cookieJar = (): never => {
  throw outOfSubset('http.cookieJar()', 'set the Cookie header in params.headers');
};

export default {
  asyncRequest, expectedStatuses, setResponseCallback,
  get, post, put, patch, del, head, options, request, batch, file, cookieJar,
};
