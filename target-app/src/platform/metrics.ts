/**
 * Prometheus metrics of one service: its own prom-client registry (so several services can
 * live in one test process), the RED histograms of contract 3 with trace exemplars, runtime
 * metrics (prom-client defaults + event-loop utilisation), and prom-client's exposition in both
 * the Prometheus text format (promtool, curl) and OpenMetrics (Prometheus scrapes: exemplars).
 */
import { performance } from 'node:perf_hooks';
import client from 'prom-client';
import { DB_CLIENT_DURATION, HTTP_CLIENT_DURATION } from '../contracts/telemetry.ts';

const { Registry, Histogram, Counter, Gauge, collectDefaultMetrics } = client;

/** Latency buckets in seconds: 1 ms .. 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Labels<T extends string> = Partial<Record<T, string | number>>;

export interface MetricsOptions {
  /** Runtime metrics (GC, heap, RSS, handles, event-loop lag and utilisation); default true. */
  runtime?: boolean;
}

export class ServiceMetrics {
  readonly registry: client.Registry<client.OpenMetricsContentType>;
  readonly httpServerDuration: client.Histogram<'http_request_method' | 'http_route' | 'http_response_status_code'>;
  /** Requests in flight, read by the http_server_active_requests gauge at scrape time (no label hashing per request). */
  activeRequests = 0;
  readonly httpClientDuration: client.Histogram<'http_request_method' | 'server_address' | 'http_response_status_code' | 'error_type' | 'server_port'>;
  readonly dbOperationDuration: client.Histogram<'db_system_name' | 'db_operation_name' | 'db_collection_name'>;

  constructor(options: MetricsOptions = {}) {
    // Exemplars need an OpenMetrics registry; `expose` switches it to text for a text scrape.
    this.registry = new Registry<client.OpenMetricsContentType>();
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.httpServerDuration = this.histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
    });
    const self = this;
    this.gauge({
      name: 'http_server_active_requests',
      help: 'HTTP server requests in flight.',
      collect() {
        this.set(self.activeRequests);
      },
    });
    this.httpClientDuration = this.histogram({
      name: HTTP_CLIENT_DURATION,
      help: 'Duration of outbound HTTP requests, by peer service and the port called (one per instance of a peer).',
      labelNames: ['http_request_method', 'server_address', 'http_response_status_code', 'error_type', 'server_port'],
    });
    this.dbOperationDuration = this.histogram({
      name: DB_CLIENT_DURATION,
      help: 'Duration of database operations; _count is the query count.',
      labelNames: ['db_system_name', 'db_operation_name', 'db_collection_name'],
    });
    if (options.runtime !== false) this.collectRuntime();
  }

  histogram<T extends string>(config: { name: string; help: string; labelNames?: readonly T[]; buckets?: number[] }): client.Histogram<T> {
    return new Histogram<T>({ buckets: LATENCY_BUCKETS, ...config, registers: [this.registry], enableExemplars: true });
  }

  counter<T extends string>(config: { name: string; help: string; labelNames?: readonly T[] }): client.Counter<T> {
    return new Counter<T>({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: { name: string; help: string; labelNames?: readonly T[]; collect?: (this: client.Gauge<T>) => void | Promise<void> }): client.Gauge<T> {
    return new Gauge<T>({ ...config, registers: [this.registry] });
  }

  private collectRuntime(): void {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    // nodejs_active_{handles,requests,resources}_total are gauges named like counters (promtool
    // flags them); the per-type gauges without the suffix carry the same data.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    let last = performance.eventLoopUtilization();
    this.gauge({
      name: 'nodejs_eventloop_utilization_ratio',
      help: 'Event-loop utilisation (0..1) since the previous scrape.',
      collect() {
        const now = performance.eventLoopUtilization();
        this.set(performance.eventLoopUtilization(now, last).utilization);
        last = now;
      },
    });
  }

  /** Renders the registry with prom-client; OpenMetrics (with exemplars) when the Accept header asks for it. */
  async expose(accept: string | undefined): Promise<{ contentType: string; body: string }> {
    const openMetrics = !!accept && accept.includes('application/openmetrics-text');
    const contentType = openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
    // One registry serves both formats, so renders take turns: each sets the format it renders.
    const body = this.#rendering.then(() => this.#render(contentType));
    this.#rendering = body.catch(() => undefined);
    return { contentType, body: await body };
  }

  #rendering: Promise<unknown> = Promise.resolve();

  async #render(contentType: client.OpenMetricsContentType | client.PrometheusContentType): Promise<string> {
    // prom-client 15 renames a counter in place when it renders OpenMetrics (drops `_total`,
    // prometheus/client_js#829), which would break the next text render: put the names back.
    const names = this.registry.getMetricsAsArray().map((metric) => [metric, metric.name] as const);
    this.registry.setContentType(contentType as client.OpenMetricsContentType);
    try {
      return await this.registry.metrics();
    } finally {
      for (const [metric, name] of names) (metric as { name: string }).name = name;
    }
  }
}

/** Trace ids attached to an observation as an exemplar (OpenMetrics only). */
export type ExemplarIds = { trace_id: string; span_id: string };

/** Observes a duration with the given trace as exemplar (prom-client types lack exemplar label names). */
export function observe<T extends string>(histogram: client.Histogram<T>, labels: Labels<T>, value: number, exemplar?: ExemplarIds): void {
  histogram.observe({ labels, value, exemplarLabels: (exemplar ?? {}) as Labels<T> });
}
