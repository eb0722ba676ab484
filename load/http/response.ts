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

/** What `response.request` holds: the request as sent. */
export interface RequestCopy {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
}

/**
 * One class for every response: its methods and the lazy `headers` and `request` live on the
 * prototype, so a response costs one object, not an object with a getter and closures of its own
 * (they were the largest allocation per request). toJSON() lists the lazy ones too, so
 * JSON.stringify(response) shows what it shows on k6.
 */
export class K6Response {
  status: number;
  status_text: string;
  proto: string;
  url: string;
  body: string | ArrayBuffer | null;
  error: string;
  error_code: number;
  timings: Timings;
  remote_ip: string;
  remote_port: number;
  cookies: Record<string, never> = {};
  readonly #rawHeaders: Buffer[];
  #headers: Record<string, string> | undefined;
  readonly #method: string;
  readonly #requestHeaders: Record<string, string>;
  readonly #requestBody: string;
  #request: RequestCopy | undefined;

  constructor(exchange: Exchange, method: string, url: URL, requestHeaders: Record<string, string>, requestBody: string, responseType: ResponseType) {
    const failed = exchange.status === 0;
    this.status = exchange.status;
    this.status_text = failed ? '' : `${exchange.status} ${exchange.statusText}`;
    this.proto = failed ? '' : 'HTTP/1.1';
    this.url = url.href;
    this.body = null;
    if (exchange.body !== null && responseType !== 'none') {
      this.body = responseType === 'binary' ? exchange.body.buffer.slice(exchange.body.byteOffset, exchange.body.byteOffset + exchange.body.byteLength) as ArrayBuffer : exchange.body.toString('utf8');
    }
    this.#rawHeaders = exchange.rawHeaders;
    this.error = exchange.error;
    this.error_code = exchange.errorCode;
    this.timings = exchange.timings;
    this.remote_ip = failed ? '' : url.hostname;
    this.remote_port = failed ? 0 : Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    this.#method = method;
    this.#requestHeaders = requestHeaders;
    this.#requestBody = requestBody;
  }

  /** Canonical names, repeated headers joined with ", " (as k6 does); built when first read. */
  get headers(): Record<string, string> {
    if (this.#headers === undefined) {
      const headers: Record<string, string> = {};
      const raw = this.#rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const key = canonicalHeader(raw[i]!.toString('latin1'));
        const value = raw[i + 1]!.toString('latin1');
        headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  set headers(headers: Record<string, string>) {
    this.#headers = headers;
  }

  /** Built when a script first reads it: most never do, and it costs a copy of every header. */
  get request(): RequestCopy {
    this.#request ??= {
      method: this.#method, url: this.url, body: this.#requestBody,
      headers: Object.fromEntries(Object.entries(this.#requestHeaders).map(([k, v]) => [canonicalHeader(k), [v]])),
    };
    return this.#request;
  }

  toJSON(): object {
    return { ...this, headers: this.headers, request: this.request };
  }

  json(selector?: string): unknown {
    if (typeof this.body !== 'string') throw new Error('the response has no text body to parse as JSON (responseType none or discardResponseBodies)');
    const parsed: unknown = JSON.parse(this.body);
    if (selector === undefined) return parsed;
    // a dotted path (a.b.0); k6's full gjson syntax is not offered
    return selector.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), parsed);
  }

  html(): never { throw outOfSubset('Response.html()', 'parse the body yourself from response.body'); }
  clickLink(): never { throw outOfSubset('Response.clickLink()', 'send the request with http.asyncRequest'); }
  submitForm(): never { throw outOfSubset('Response.submitForm()', 'send the request with http.asyncRequest'); }
}
