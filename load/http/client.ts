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

export type Timings = RequestTimings;

export interface Exchange {
  status: number;
  statusText: string;
  /** Raw header pairs in arrival order. */
  headers: [string, string][];
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
    default: return { error: error.message, errorCode: 1000 };
  }
}

export function exchange(request: Outgoing): Promise<Exchange> {
  return new Promise((resolve) => {
    const line: Timeline = { start: performance.now() };
    const chunks: Buffer[] = [];
    let status = 0;
    let statusText = '';
    let headers: [string, string][] = [];
    let bytesReceived = 0;
    let abort: ((error?: Error) => void) | undefined;
    let settled = false;
    let headerBytes = 0;
    for (const name in request.headers) headerBytes += name.length + request.headers[name]!.length + 4;
    const bytesSent = request.method.length + request.url.pathname.length + request.url.search.length + 12 + headerBytes + 2 + (request.body?.length ?? 0);

    const finish = (error?: { error: string; errorCode: number }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const end = performance.now();
      resolve({
        status: error ? 0 : status, statusText: error ? '' : statusText, headers: error ? [] : headers,
        body: error || !request.keepBody ? null : Buffer.concat(chunks),
        error: error?.error ?? '', errorCode: error?.errorCode ?? 0,
        timings: timingsOf(line, end), bytesSent: line.connected === undefined ? 0 : bytesSent, bytesReceived, endedAt: end,
      });
    };
    const timer = setTimeout(() => {
      finish({ error: 'request timeout', errorCode: 1050 });
      abort?.();
    }, request.timeoutMs);

    // onRequestSent is called by undici (core/request.js) but missing from its types
    const handler: Dispatcher.DispatchHandler & { onRequestSent(): void } = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (settled) return abortRequest();
        line.connected = performance.now();
        writing = line;
      },
      onRequestSent() {
        line.sent = performance.now();
      },
      onResponseStarted() {
        line.firstByte ??= performance.now();
      },
      onHeaders(statusCode, rawHeaders, _resume, message) {
        line.firstByte ??= performance.now();
        line.sent ??= line.firstByte;
        status = statusCode;
        statusText = message;
        headers = [];
        bytesReceived += 17 + message.length;
        for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
          const name = rawHeaders[i]!.toString('latin1');
          const value = rawHeaders[i + 1]!.toString('latin1');
          headers.push([name, value]);
          bytesReceived += name.length + value.length + 4;
        }
        return true;
      },
      onData(chunk) {
        bytesReceived += chunk.length;
        if (request.keepBody) chunks.push(chunk);
        return true;
      },
      onComplete() {
        finish();
      },
      onError(error) {
        finish(networkError(error as Error & { code?: string }, request.url));
      },
    };
    connectionAgent().dispatch({
      origin: request.url.origin,
      path: `${request.url.pathname}${request.url.search}`,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body ?? null,
    }, handler);
  });
}
