/**
 * The slowest traces of each phase of a variant, from Jaeger's HTTP query API (GET /api/traces,
 * searched by the entry service and the phase's time window), kept with their span breakdown so
 * the report can draw them without Jaeger.
 */
import type { StoredTrace, StoredTraces } from './stored-data.ts';
import type { StoredVariant } from '../run-summary/summary.ts';

/** The service every client request enters by. */
const ENTRY_SERVICE = 'gateway';
/** Traces fetched per phase to pick the slowest from (the lab samples a tenth of them). */
const SEARCH_LIMIT = 300;
const SLOWEST_PER_PHASE = 3;
const SPANS_KEPT = 40;

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references?: { refType: string; spanID: string }[];
  startTime: number;
  duration: number;
  processID: string;
  tags?: { key: string; value: unknown }[];
}

interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

function isError(span: JaegerSpan): boolean {
  return (span.tags ?? []).some((t) => (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'));
}

function toStored(trace: JaegerTrace, phase: string): StoredTrace | null {
  if (trace.spans.length === 0) return null;
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const parentOf = (s: JaegerSpan) => s.references?.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID ?? null;
  const root = trace.spans.find((s) => parentOf(s) === null) ?? trace.spans[0]!;
  const spans = [...trace.spans]
    .sort((a, b) => a.startTime - b.startTime)
    .slice(0, SPANS_KEPT)
    .map((s) => ({
      spanId: s.spanID,
      parentId: parentOf(s),
      service: trace.processes[s.processID]?.serviceName ?? s.processID,
      operation: s.operationName,
      offsetMs: (s.startTime - start) / 1000,
      durationMs: s.duration / 1000,
      error: isError(s),
    }));
  return {
    phase,
    traceId: trace.traceID,
    service: trace.processes[root.processID]?.serviceName ?? ENTRY_SERVICE,
    operation: root.operationName,
    start: new Date(start / 1000).toISOString(),
    durationMs: (end - start) / 1000,
    spans,
  };
}

export async function collectSlowestTraces(jaegerUrl: string, variant: Pick<StoredVariant, 'name' | 'phases'>): Promise<StoredTraces> {
  const stored: StoredTraces = { schema: 'faultline.report-traces/v1', variant: variant.name, source: `Jaeger at ${jaegerUrl}`, error: null, traces: [] };
  try {
    for (const [phase, window] of Object.entries(variant.phases)) {
      const params = new URLSearchParams({
        service: ENTRY_SERVICE,
        start: String(Date.parse(window.start) * 1000),
        end: String(Date.parse(window.end) * 1000),
        limit: String(SEARCH_LIMIT),
      });
      const response = await fetch(`${jaegerUrl}/api/traces?${params}`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status} from /api/traces`);
      const body = (await response.json()) as { data?: JaegerTrace[] | null };
      const traces = (body.data ?? []).flatMap((t) => toStored(t, phase) ?? []);
      stored.traces.push(...traces.sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST_PER_PHASE));
    }
  } catch (error) {
    stored.error = `Jaeger did not answer (${error instanceof Error ? error.message : String(error)})`;
  }
  return stored;
}
