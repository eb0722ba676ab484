/**
 * Server-side HTTP edge: one span and one histogram observation per request (trace context
 * extracted from W3C headers, exemplar = the request's trace), and the request deadline read
 * from the caller (x-request-timeout-ms, a gRPC-style relative timeout) or the default, then
 * bound as the deadline of everything the request's handlers start (resilience/deadline.ts).
 */
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { ProblemError } from './problem.ts';
import { observe, type ServiceMetrics } from './metrics.ts';
import { tracer } from './tracing.ts';
import { deadlineExceeded, runWithDeadline, type DeadlineStage } from './resilience/deadline.ts';
import { resilienceMetrics } from './resilience/resilience-metrics.ts';

/** Header carrying the time the caller still allows, in milliseconds. */
export const DEADLINE_HEADER = 'x-request-timeout-ms';

/** The route template of a handled request (bounded label), '' when no route matched. */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : '';
}

/** Traces and measures every request: span SERVER + http_server_request_duration_seconds. */
export function serverTelemetry(metrics: ServiceMetrics, port: () => number): RequestHandler {
  const t = tracer();
  return (req, res, next) => {
    const started = performance.now();
    metrics.activeRequests++;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = t.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path, 'url.scheme': 'http', 'server.port': port() } },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    res.once('close', () => {
      metrics.activeRequests--;
      const route = routeOf(req);
      const status = res.writableFinished ? res.statusCode : 499;
      span.updateName(route ? `${req.method} ${route}` : req.method);
      span.setAttribute('http.response.status_code', status);
      if (route) span.setAttribute('http.route', route);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      const sc = span.spanContext();
      observe(
        metrics.httpServerDuration,
        { http_request_method: req.method, http_route: route, http_response_status_code: status },
        (performance.now() - started) / 1000,
        sc.traceFlags & 1 ? { trace_id: sc.traceId, span_id: sc.spanId } : undefined,
      );
      span.end();
    });
    context.with(ctx, next);
  };
}

/** Absolute deadline (epoch ms) of the request being served. */
export function requestDeadline(res: Response): number {
  return (res.locals.deadline as number | undefined) ?? Date.now() + 5_000;
}

/** Milliseconds left before the request's deadline (may be <= 0). */
export function remainingMs(res: Response): number {
  return requestDeadline(res) - Date.now();
}

/** Sets res.locals.deadline from the caller's header, never later than the default; a caller with no time left is counted (stage arrival). */
export function deadlineMiddleware(defaultMs: number, metrics: ServiceMetrics): RequestHandler {
  const counter = resilienceMetrics(metrics).deadlineExceeded;
  return (req, res, next) => {
    const raw = req.headers[DEADLINE_HEADER];
    let budget = defaultMs;
    if (typeof raw === 'string' && raw !== '') {
      const asked = Number(raw);
      if (!Number.isFinite(asked)) {
        next(new ProblemError('malformed-request', `${DEADLINE_HEADER} must be a number of milliseconds`));
        return;
      }
      if (asked <= 0) {
        counter.inc({ stage: 'arrival' });
        next(new ProblemError('deadline-exceeded', 'the caller gave no time left'));
        return;
      }
      budget = Math.min(asked, defaultMs);
    }
    res.locals.deadline = Date.now() + budget;
    next();
  };
}

/**
 * Runs the rest of the request inside its deadline scope. It comes after the body parser: the
 * parser resumes handlers from the socket's events, outside any scope entered before it.
 */
export function deadlineScopeMiddleware(metrics: ServiceMetrics): RequestHandler {
  const counter = resilienceMetrics(metrics).deadlineExceeded;
  const exceeded = (stage: DeadlineStage) => counter.inc({ stage });
  return (_req, res, next) => {
    const scope = { deadline: requestDeadline(res), exceeded };
    if (scope.deadline <= Date.now()) {
      next(deadlineExceeded('arrival', scope));
      return;
    }
    runWithDeadline(scope, next);
  };
}
