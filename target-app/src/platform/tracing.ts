/**
 * OpenTelemetry tracing. HTTP edges are traced here through the API (a server span per
 * request, a client span per outbound call, W3C propagation), because the http
 * auto-instrumentation costs most of the throughput (issue 4's figures); auto-instrumentation
 * stays for pg and ioredis only, which platform/datastores.ts loads through require so that
 * require-in-the-middle patches them. `startTracing` must run before the first datastore client
 * is created.
 */
import { context, propagation, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-node';
import type { ServiceConfig } from './config.ts';
import { EdgeSampler } from './edge-sampler.ts';

export { SpanKind, SpanStatusCode, context, propagation, trace };
export type { Span, Context, Attributes };

const TRACER_NAME = 'faultline-platform';
/** Longest wait for the last spans to reach the collector at shutdown. */
const FLUSH_TIMEOUT_MS = 2_000;

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

export interface Tracing {
  /** Flushes pending spans and stops the exporter; part of graceful shutdown. */
  shutdown(): Promise<void>;
}

function samplerFor(config: ServiceConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'faultline_edge':
      return new EdgeSampler(config.samplerRatio);
  }
}

/**
 * Registers the global tracer provider (AsyncLocalStorage context, W3C propagator) and the
 * pg/ioredis instrumentations. No signal handlers: the service's shutdown calls `shutdown()`.
 * With telemetry off, nothing is registered and every span is a no-op.
 */
export function startTracing(config: ServiceConfig): Tracing {
  if (!config.telemetry) return { shutdown: async () => {} };
  const spanProcessors = config.otlpEndpoint
    ? [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/$/, '')}/v1/traces`, timeoutMillis: 2_000 }), {
          maxQueueSize: 4096,
          maxExportBatchSize: 512,
          scheduledDelayMillis: 1000,
        }),
      ]
    : [];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.name, 'service.instance.id': config.instance, 'service.namespace': 'faultline' }),
    sampler: samplerFor(config),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // peer.service names the datastore as a node of Jaeger's dependency graph
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true, requestHook: (span) => span.setAttribute('peer.service', 'postgresql') }),
      // the command name is statement enough: serializing arguments (cached JSON) costs CPU on every call
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command, requestHook: (span) => span.setAttribute('peer.service', 'redis') }),
    ],
  });
  return {
    async shutdown() {
      unregister();
      // A collector that is down must not hold a stopping service: the flush gets FLUSH_TIMEOUT_MS.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)));
      await Promise.race([provider.shutdown(), timeout]);
      clearTimeout(timer);
    },
  };
}

/**
 * Runs `fn` inside a new active span: on failure records the exception, sets the status to
 * error and rethrows; always ends the span. Every traced operation goes through this.
 */
export async function withSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes }, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function recordFailure(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Trace and span id of the active span, for log lines and metric exemplars; undefined when not sampled. */
export function activeTraceIds(ctx: Context = context.active()): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(ctx);
  if (!span) return undefined;
  const sc = span.spanContext();
  if ((sc.traceFlags & 1) === 0) return undefined;
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

/** Writes W3C trace context of `ctx` into outbound headers. */
export function injectTraceHeaders(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers);
}
