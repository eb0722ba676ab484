/**
 * Outbound HTTP to a peer service (catalog, pricing, orders) over undici with keep-alive:
 * a CLIENT span with W3C context injected, http_client_request_duration_seconds with
 * server_address = the peer and server_port = the instance's port, and the caller's deadline passed on (x-request-timeout-ms)
 * and enforced locally (the call is aborted when it passes, counted in
 * request_deadline_exceeded_total{stage="http_client"}).
 */
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { Agent, errors as undiciErrors } from 'undici';
import { DEADLINE_HEADER } from './http-server.ts';
import { observe, type ServiceMetrics } from './metrics.ts';
import { recordFailure, tracer } from './tracing.ts';
import { resilienceMetrics } from './resilience/resilience-metrics.ts';

export interface HttpClientOptions {
  /** The peer's service name: the server_address label and span attribute. */
  peer: string;
  metrics: ServiceMetrics;
  /** Per-call timeout when the caller's deadline is later (ms); default 2000. */
  timeoutMs?: number;
  /** Keep-alive connections per origin; default 64. */
  connections?: number;
  /** Trace the call (false when telemetry is off); default true. */
  traced?: boolean;
}

export interface HttpCall {
  /** http://127.0.0.1:port of the instance to call. */
  origin: string;
  path: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** JSON-encoded when present. */
  body?: unknown;
  /** Absolute deadline (epoch ms) of the request being served; the call never outlives it. */
  deadline?: number;
  /** Per-call timeout overriding the client's (ms). */
  timeoutMs?: number;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A call that got no HTTP answer: `errorType` is timeout, deadline, connection or aborted. */
export class UpstreamError extends Error {
  readonly code = 'APP_ERR_UPSTREAM';
  readonly peer: string;
  readonly errorType: 'timeout' | 'deadline' | 'connection' | 'aborted';
  constructor(peer: string, errorType: UpstreamError['errorType'], message: string, cause?: unknown) {
    super(`${peer}: ${message}`, { cause });
    this.name = 'UpstreamError';
    this.peer = peer;
    this.errorType = errorType;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

export class HttpClient {
  readonly peer: string;
  private readonly metrics: ServiceMetrics;
  private readonly timeoutMs: number;
  private readonly traced: boolean;
  private readonly agent: Agent;

  constructor(options: HttpClientOptions) {
    this.peer = options.peer;
    this.metrics = options.metrics;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.traced = options.traced ?? true;
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async request<T = unknown>(call: HttpCall): Promise<HttpResult<T>> {
    const method = call.method ?? 'GET';
    const now = Date.now();
    const limit = call.timeoutMs ?? this.timeoutMs;
    const budget = call.deadline === undefined ? limit : Math.min(limit, call.deadline - now);
    const byDeadline = call.deadline !== undefined && call.deadline - now <= limit;
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers, [DEADLINE_HEADER]: String(Math.max(0, Math.floor(budget))) };
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    if (body !== undefined) headers['content-type'] = 'application/json';

    const span = this.traced
      ? tracer().startSpan(method, {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': method, 'server.address': this.peer, 'url.full': `${call.origin}${call.path}` },
        })
      : undefined;
    if (span) propagation.inject(trace.setSpan(context.active(), span), headers);
    const started = performance.now();
    let status = 0;
    let errorType = '';
    // A cleared timer, not AbortSignal.timeout: its timers outlive fast calls and each one that
    // fires builds a DOMException with a stack (a tenth of the gateway's CPU in a profile).
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new CallTimeout()), budget);
    try {
      if (budget <= 0) throw new UpstreamError(this.peer, 'deadline', 'the request deadline passed before the call');
      const response = await this.agent
        .request({ origin: call.origin, path: call.path, method, headers, body, signal: abort.signal, headersTimeout: budget, bodyTimeout: budget })
        .catch((error: unknown) => {
          throw toUpstreamError(this.peer, error, byDeadline);
        });
      status = response.statusCode;
      const text = await response.body.text().catch((error: unknown) => {
        throw toUpstreamError(this.peer, error, byDeadline);
      });
      const type = String(response.headers['content-type'] ?? '');
      const parsed = text && /json/.test(type) ? (JSON.parse(text) as T) : (text as T);
      if (status >= 400) errorType = String(status);
      return { status, headers: response.headers, body: parsed };
    } catch (error) {
      errorType = error instanceof UpstreamError ? error.errorType : 'other';
      if (errorType === 'deadline') resilienceMetrics(this.metrics).deadlineExceeded.inc({ stage: 'http_client' });
      if (span) recordFailure(span, error);
      throw error;
    } finally {
      clearTimeout(timer);
      if (span) {
        if (status) span.setAttribute('http.response.status_code', status);
        if (errorType) {
          span.setAttribute('error.type', errorType);
          if (status) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      }
      const sc = span?.spanContext();
      observe(
        this.metrics.httpClientDuration,
        { http_request_method: method, server_address: this.peer, http_response_status_code: status || '', error_type: errorType, server_port: portOf(call.origin) },
        (performance.now() - started) / 1000,
        sc && sc.traceFlags & 1 ? { trace_id: sc.traceId, span_id: sc.spanId } : undefined,
      );
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The port of an origin (http://127.0.0.1:port), so a call to one instance of a peer is told from the others. */
function portOf(origin: string): string {
  const url = URL.parse(origin);
  return url ? url.port || '80' : '';
}

/** The abort reason of a call that ran out of time (thrown only then, so its stack costs nothing per call). */
class CallTimeout extends Error {
  override readonly name = 'TimeoutError';
}

function toUpstreamError(peer: string, error: unknown, byDeadline: boolean): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const name = error instanceof Error ? error.name : '';
  const timedOut =
    name === 'TimeoutError' || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError;
  if (timedOut) return new UpstreamError(peer, byDeadline ? 'deadline' : 'timeout', byDeadline ? 'no answer before the request deadline' : 'no answer in time', error);
  if (name === 'AbortError' || error instanceof undiciErrors.RequestAbortedError) return new UpstreamError(peer, 'aborted', 'call aborted', error);
  return new UpstreamError(peer, 'connection', error instanceof Error ? error.message : String(error), error);
}
