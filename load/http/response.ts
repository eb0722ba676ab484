/** The k6 Response object built from an exchange: canonical headers, body by responseType, json(). */
import type { Exchange, Timings } from './client.ts';
import { outOfSubset } from '../run/errors.ts';

export type ResponseType = 'text' | 'binary' | 'none';

/** Header names seen so far and their canonical form: a server sends the same few on every response. */
const canonicalNames = new Map<string, string>();
const MAX_CANONICAL_NAMES = 1_000;

/** Go's CanonicalMIMEHeaderKey: "content-type" → "Content-Type". */
export function canonicalHeader(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    canonical = name.toLowerCase().replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
    if (canonicalNames.size < MAX_CANONICAL_NAMES) canonicalNames.set(name, canonical);
  }
  return canonical;
}

export interface K6Response {
  status: number;
  status_text: string;
  proto: string;
  url: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  error: string;
  error_code: number;
  timings: Timings;
  remote_ip: string;
  remote_port: number;
  cookies: Record<string, never>;
  request: { method: string; url: string; headers: Record<string, string[]>; body: string };
  json(selector?: string): unknown;
  html(): never;
  clickLink(): never;
  submitForm(): never;
}

// one function each for every response, rather than three new closures per response
const refuseHtml = (): never => { throw outOfSubset('Response.html()', 'parse the body yourself from response.body'); };
const refuseClickLink = (): never => { throw outOfSubset('Response.clickLink()', 'send the request with http.asyncRequest'); };
const refuseSubmitForm = (): never => { throw outOfSubset('Response.submitForm()', 'send the request with http.asyncRequest'); };

export function buildResponse(exchange: Exchange, method: string, url: URL, requestHeaders: Record<string, string>, requestBody: string, responseType: ResponseType): K6Response {
  const headers: Record<string, string> = {};
  for (const [name, value] of exchange.headers) {
    const key = canonicalHeader(name);
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  let body: string | ArrayBuffer | null = null;
  if (exchange.body !== null && responseType !== 'none') {
    body = responseType === 'binary' ? exchange.body.buffer.slice(exchange.body.byteOffset, exchange.body.byteOffset + exchange.body.byteLength) as ArrayBuffer : exchange.body.toString('utf8');
  }
  const text = typeof body === 'string' ? body : null;
  let request: K6Response['request'] | undefined;
  return {
    status: exchange.status,
    status_text: exchange.status === 0 ? '' : `${exchange.status} ${exchange.statusText}`,
    proto: exchange.status === 0 ? '' : 'HTTP/1.1',
    url: url.href,
    body,
    headers,
    error: exchange.error,
    error_code: exchange.errorCode,
    timings: exchange.timings,
    remote_ip: exchange.status === 0 ? '' : url.hostname,
    remote_port: exchange.status === 0 ? 0 : Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    cookies: {},
    // built when a script first reads it: most never do, and it costs a copy of every header
    get request() {
      request ??= { method, url: url.href, headers: Object.fromEntries(Object.entries(requestHeaders).map(([k, v]) => [canonicalHeader(k), [v]])), body: requestBody };
      return request;
    },
    json(selector?: string) {
      if (text === null) throw new Error('the response has no text body to parse as JSON (responseType none or discardResponseBodies)');
      const parsed: unknown = JSON.parse(text);
      if (selector === undefined) return parsed;
      // a dotted path (a.b.0); k6's full gjson syntax is not offered
      return selector.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), parsed);
    },
    html: refuseHtml,
    clickLink: refuseClickLink,
    submitForm: refuseSubmitForm,
  };
}
