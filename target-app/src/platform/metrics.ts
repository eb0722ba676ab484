/**
 * Prometheus metrics of one service: its own prom-client registry (so several services can
 * live in one test process), the RED histograms of contract 3 with trace exemplars, runtime
 * metrics (prom-client defaults + event-loop utilisation), and the exposition in both the
 * Prometheus text format (promtool, curl) and OpenMetrics (Prometheus scrapes: exemplars).
 */
import { performance } from 'node:perf_hooks';
import client from 'prom-client';

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
  readonly httpClientDuration: client.Histogram<'http_request_method' | 'server_address' | 'http_response_status_code' | 'error_type'>;
  readonly dbOperationDuration: client.Histogram<'db_system_name' | 'db_operation_name' | 'db_collection_name'>;

  constructor(options: MetricsOptions = {}) {
    // Exemplars need an OpenMetrics registry; `expose` renders either format itself.
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
      name: 'http_client_request_duration_seconds',
      help: 'Duration of outbound HTTP requests, by peer service.',
      labelNames: ['http_request_method', 'server_address', 'http_response_status_code', 'error_type'],
    });
    this.dbOperationDuration = this.histogram({
      name: 'db_client_operation_duration_seconds',
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

  /** Renders the registry; OpenMetrics (with exemplars) when the Accept header asks for it. */
  async expose(accept: string | undefined): Promise<{ contentType: string; body: string }> {
    const openMetrics = !!accept && accept.includes('application/openmetrics-text');
    // prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like
    // counters (promtool flags them); the per-type gauges without the suffix carry the same data.
    const families = (await this.registry.getMetricsAsJSON()).filter((f) => !(f.name.endsWith('_total') && String(f.type) !== 'counter'));
    const body = openMetrics ? renderOpenMetrics(families as unknown as Family[]) : renderText(families as unknown as Family[]);
    return { contentType: openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE, body };
  }
}

/** Trace ids attached to an observation as an exemplar (OpenMetrics only). */
export type ExemplarIds = { trace_id: string; span_id: string };

/** Observes a duration with the given trace as exemplar (prom-client types lack exemplar label names). */
export function observe<T extends string>(histogram: client.Histogram<T>, labels: Labels<T>, value: number, exemplar?: ExemplarIds): void {
  histogram.observe({ labels, value, exemplarLabels: (exemplar ?? {}) as Labels<T> });
}

interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  metricName?: string;
  exemplar?: { labelSet: Record<string, string | number>; value: number; timestamp: number } | null;
}
interface Family {
  name: string;
  help: string;
  type: string;
  values: Sample[];
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string | number> | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(typeof v === 'number' ? formatValue(v) : String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function renderText(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.values) out.push(`${s.metricName ?? f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderOpenMetrics(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    // OpenMetrics names a counter family without its _total suffix; samples carry it.
    const family = f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    const type = f.type === 'untyped' ? 'unknown' : f.type;
    out.push(`# TYPE ${family} ${type}`, `# HELP ${family} ${escapeHelp(f.help)}`);
    for (const s of f.values) {
      const name = f.type === 'counter' ? `${family}_total` : (s.metricName ?? f.name);
      let line = `${name}${formatLabels(s.labels)} ${formatValue(s.value)}`;
      if (s.exemplar && s.exemplar.labelSet && Object.keys(s.exemplar.labelSet).length > 0) {
        line += ` # ${formatLabels(s.exemplar.labelSet)} ${formatValue(s.exemplar.value)} ${s.exemplar.timestamp}`;
      }
      out.push(line);
    }
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}
