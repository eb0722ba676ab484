/**
 * One HTTP exchange (one hop, no redirects) over the shared agent, timed the way k6 times it:
 * blocked (waiting for a connection), connecting (dial), tls_handshaking, sending, waiting (to the
 * first response byte), receiving (to the last). undici's dispatch handler gives each moment;
 * network errors become k6's error codes instead of rejections.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { RequestTimings } from '../metrics/sample.ts';
import { connectionAgent, DIALED, type DialTimes } from './connections.ts';
import { clearDeadline, setDeadline, type Expiring } from './deadlines.ts';

export type Timings = RequestTimings;

export interface Exchange {
  status: number;
  statusText: string;
  /**
   * Raw header names and values, alternating, in arrival order, as undici hands them over: decoded
   * only when a script reads the response's headers (most never do).
   */
  rawHeaders: Buffer[];
  body: Buffer | null;
  error: string;
  errorCode: number;
  timings: Timings;
  bytesSent: number;
  bytesReceived: number;
  /** performance.now() at the end of the exchange. */
  endedAt: number;
}

export interface Outgoing {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  timeoutMs: number;
  keepBody: boolean;
}

// The request being written: undici calls the handler's onConnect and publishes sendHeaders with
// the socket in the same synchronous step, so the socket can be matched to the request.
let writing: Timeline | undefined;
subscribe('undici:client:sendHeaders', (message) => {
  if (writing) writing.socket = (message as { socket: Socket }).socket as Socket & { [DIALED]?: DialTimes };
  writing = undefined;
});

interface Timeline {
  start: number; connected?: number; sent?: number; firstByte?: number;
  socket?: Socket & { [DIALED]?: DialTimes };
}

function timingsOf(line: Timeline, end: number): Timings {
  const connected = line.connected ?? end;
  let blocked = connected - line.start;
  let connecting = 0;
  const dial = line.socket?.[DIALED];
  if (dial && !dial.used) {
    dial.used = true;
    connecting = dial.endMs - dial.startMs;
    blocked = Math.max(0, dial.startMs - line.start);
  }
  const sent = line.sent ?? connected;
  const firstByte = line.firstByte ?? end;
  const sending = Math.max(0, sent - connected);
  const waiting = Math.max(0, firstByte - sent);
  const receiving = Math.max(0, end - firstByte);
  return { blocked, connecting, tls_handshaking: 0, sending, waiting, receiving, duration: sending + waiting + receiving };
}

/** k6's error and code for a network failure (lib/netext/httpext/error_codes.go). */
function networkError(error: Error & { code?: string }, url: URL): { error: string; errorCode: number } {
  const address = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  switch (error.code) {
    case 'ECONNREFUSED': return { error: `dial tcp ${address}: connect: connection refused`, errorCode: 1212 };
    case 'UND_ERR_CONNECT_TIMEOUT': return { error: `dial tcp ${address}: i/o timeout`, errorCode: 1211 };
    case 'ECONNRESET': return { error: `read tcp ${address}: connection reset by peer`, errorCode: 1220 };
    case 'UND_ERR_SOCKET': return { error: `${error.message} (${address})`, errorCode: 1220 };
    case 'EHOSTUNREACH': return { error: `dial tcp ${address}: connect: no route to host`, errorCode: 1210 };
    // the resolver found no address for the name (getaddrinfo EAI_NONAME): Go's "no such host"
    case 'ENOTFOUND': return { error: `lookup ${url.hostname}: no such host`, errorCode: 1101 };
    default: return { error: error.message, errorCode: 1000 };
  }
}

/**
 * One exchange's state and undici's dispatch handler in one object: its methods live on the
 * prototype, so an exchange costs this object and its promise rather than a closure per callback.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler, Expiring {
  private readonly request: Outgoing;
  private readonly resolve: (exchange: Exchange) => void;
  private readonly line: Timeline = { start: performance.now() };
  deadlineMs = 0;
  newer: Expiring | undefined = undefined;
  older: Expiring | undefined = undefined;
  inList: Expiring['inList'] = undefined;
  private readonly bytesSent: number;
  private chunks: Buffer[] | undefined;
  private status = 0;
  private statusText = '';
  private rawHeaders: Buffer[] = [];
  private bytesReceived = 0;
  private abort: ((error?: Error) => void) | undefined;
  private settled = false;

  constructor(request: Outgoing, resolve: (exchange: Exchange) => void) {
    this.request = request;
    this.resolve = resolve;
    let headerBytes = 0;
    for (const name in request.headers) headerBytes += name.length + request.headers[name]!.length + 4;
    this.bytesSent = request.method.length + request.url.pathname.length + request.url.search.length + 12 + headerBytes + 2 + (request.body?.length ?? 0);
    setDeadline(this, request.timeoutMs);
  }

  finish(error?: { error: string; errorCode: number }): void {
    if (this.settled) return;
    this.settled = true;
    clearDeadline(this);
    const end = performance.now();
    const { request, line } = this;
    this.resolve({
      status: error ? 0 : this.status, statusText: error ? '' : this.statusText, rawHeaders: error ? [] : this.rawHeaders,
      body: error || !request.keepBody ? null : Buffer.concat(this.chunks ?? []),
      error: error?.error ?? '', errorCode: error?.errorCode ?? 0,
      timings: timingsOf(line, end), bytesSent: line.connected === undefined ? 0 : this.bytesSent, bytesReceived: this.bytesReceived, endedAt: end,
    });
  }

  expire(): void {
    this.finish({ error: 'request timeout', errorCode: 1050 });
    this.abort?.();
  }

  onConnect(abortRequest: (error?: Error) => void): void {
    this.abort = abortRequest;
    if (this.settled) return abortRequest();
    this.line.connected = performance.now();
    writing = this.line;
  }

  /** Called by undici (core/request.js) but missing from its types. */
  onRequestSent(): void {
    this.line.sent = performance.now();
  }

  onResponseStarted(): void {
    this.line.firstByte ??= performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, message: string): boolean {
    const { line } = this;
    line.firstByte ??= performance.now();
    line.sent ??= line.firstByte;
    this.status = statusCode;
    this.statusText = message;
    // latin1: one byte a character, so a header's length on the wire is its buffers' length
    let headerBytes = 17 + message.length;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) headerBytes += rawHeaders[i]!.length + rawHeaders[i + 1]!.length + 4;
    this.bytesReceived += headerBytes;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesReceived += chunk.length;
    if (this.request.keepBody) (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    this.finish();
  }

  onError(error: Error): void {
    this.finish(networkError(error as Error & { code?: string }, this.request.url));
  }
}

export function exchange(request: Outgoing): Promise<Exchange> {
  return new Promise((resolve) => {
    const handler = new ExchangeHandler(request, resolve);
    connectionAgent().dispatch({
      origin: request.url.origin,
      path: `${request.url.pathname}${request.url.search}`,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body ?? null,
    }, handler);
  });
}
