import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { adminPort } from '../../lab/ports.ts';
import { startStack, type StackHandle } from '../../lab/stack/index.ts';
import { mintToken } from '../src/contracts/customer-token.ts';

/**
 * The signals every service must emit, checked end to end against the native stack's real
 * Jaeger, VictoriaLogs and Prometheus: whole traces across services and datastores, logs carrying
 * the trace id, exemplars that point at traces.
 */
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;

describe('telemetry end to end (native stack)', () => {
  let stack: StackHandle;
  let gateway: string;
  beforeAll(async () => {
    stack = await startStack({ withApp: true, seed: { products: 10_000 }, logLevel: 'info' });
    gateway = `http://127.0.0.1:${stack.ports.gateway}`;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function traceOf(traceId: string): Promise<JaegerTrace | undefined> {
    const res = await fetch(`http://127.0.0.1:${stack.ports.jaegerQuery}/api/traces/${traceId}`);
    if (!res.ok) return undefined;
    return ((await res.json()) as { data: JaegerTrace[] }).data[0];
  }

  it('one product read is one trace: gateway and catalog spans, with Redis or PostgreSQL below catalog', async () => {
    const traceId = 'aa'.repeat(8) + Date.now().toString(16).padStart(16, '0');
    const res = await fetch(`${gateway}/products/4242`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(200);
    const trace = await poll('the product trace in Jaeger', async () => {
      const t = await traceOf(traceId);
      const services = new Set(t?.spans.map((s) => t.processes[s.processID]!.serviceName));
      return t && services.has('gateway') && t.spans.some((s) => tag(s, 'peer.service') === 'postgresql') ? t : undefined;
    });
    const serviceOf = (s: JaegerSpan) => trace.processes[s.processID]!.serviceName;
    const services = new Set(trace.spans.map(serviceOf));
    expect(services).toEqual(new Set(['gateway', 'catalog']));
    const server = trace.spans.find((s) => serviceOf(s) === 'gateway' && tag(s, 'span.kind') === 'server')!;
    expect(server.operationName).toBe('GET /products/:id');
    const client = trace.spans.find((s) => serviceOf(s) === 'gateway' && tag(s, 'span.kind') === 'client')!;
    expect(client.references[0]!.spanID).toBe(server.spanID);
    const catalogServer = trace.spans.find((s) => serviceOf(s) === 'catalog' && tag(s, 'span.kind') === 'server')!;
    expect(catalogServer.references[0]!.spanID).toBe(client.spanID);
    const datastores = trace.spans.filter((s) => serviceOf(s) === 'catalog' && tag(s, 'span.kind') === 'client').map((s) => tag(s, 'peer.service'));
    expect(datastores).toContain('redis');
    // a cold key: the database was read inside the same trace
    expect(datastores).toContain('postgresql');
  });

  it('an order is one trace across gateway, orders and PostgreSQL', async () => {
    const token = await mintToken({ secret: stack.secrets.jwtSecret, subject: 'trace-test' });
    const traceId = 'bb'.repeat(8) + Date.now().toString(16).padStart(16, '0');
    const res = await fetch(`${gateway}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `trace-${traceId}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ items: [{ productId: 1, quantity: 2 }] }),
    });
    expect(res.status).toBe(201);
    const trace = await poll('the order trace in Jaeger', async () => {
      const t = await traceOf(traceId);
      const services = new Set(t?.spans.map((s) => t.processes[s.processID]!.serviceName));
      return t && services.has('gateway') && t.spans.some((s) => tag(s, 'peer.service') === 'postgresql') ? t : undefined;
    });
    const services = new Set(trace.spans.map((s) => trace.processes[s.processID]!.serviceName));
    expect([...services]).toEqual(expect.arrayContaining(['gateway', 'orders']));
  });

  it('a failure is logged in VictoriaLogs with the trace id of its request, and the trace records the error', async () => {
    const toxiproxy = new ToxiproxyClient(stack.ports.toxiproxy);
    await fetch(`http://127.0.0.1:${adminPort(stack.ports.gateway)}/admin/config`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.secrets.adminToken}` }, body: JSON.stringify({ breaker: 'off', retries: 'none' }) });
    await toxiproxy.setEnabled('gateway-pricing', false);
    const traceId = 'cc'.repeat(8) + Date.now().toString(16).padStart(16, '0');
    try {
      const res = await fetch(`${gateway}/products/5/price`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      expect(res.status).toBe(502);
    } finally {
      await toxiproxy.setEnabled('gateway-pricing', true);
    }
    // LogsQL: the gateway's stream, the exact trace id; the answer is one JSON object a line
    const query = encodeURIComponent(`_stream:{service="gateway"} _time:5m trace_id:="${traceId}"`);
    const raw = await poll('the failure log line in VictoriaLogs', async () => {
      const res = await fetch(`http://127.0.0.1:${stack.ports.victoriaLogs}/select/logsql/query?query=${query}&limit=10`);
      const lines = (await res.text()).split('\n').filter((l) => l !== '');
      return lines[0];
    });
    const entry = JSON.parse(raw) as Record<string, string>;
    // pino's msg is the entry's message, and the level is the one label, not pino's number beside it
    expect(entry).toMatchObject({ _msg: 'request failed', trace_id: traceId, level: 'warning', service: 'gateway', problem: 'upstream-failed' });
    expect(entry.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(raw.match(/"level":/g)).toHaveLength(1);
    const trace = await poll('the failed trace', async () => traceOf(traceId));
    const server = trace.spans.find((s) => tag(s, 'span.kind') === 'server')!;
    expect(tag(server, 'otel.status_code')).toBe('ERROR');
    expect(tag(server, 'http.response.status_code')).toBe(502);
  });

  it('Prometheus stores exemplars that point at traces', async () => {
    const since = Date.now() / 1000;
    // sampled by the caller: the lab samples a tenth of new traces, these must all be kept
    for (let i = 1; i <= 20; i++) {
      const traceId = 'dd'.repeat(8) + (Date.now() * 100 + i).toString(16).padStart(16, '0');
      await (await fetch(`${gateway}/products/${i}`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })).arrayBuffer();
    }
    const exemplar = await poll('an exemplar of this run in Prometheus', async () => {
      const query = encodeURIComponent('http_server_request_duration_seconds_bucket{job="gateway",http_route="/products/:id"}');
      const res = await fetch(`http://127.0.0.1:${stack.ports.prometheus}/api/v1/query_exemplars?query=${query}&start=${since}&end=${Date.now() / 1000 + 5}`);
      const body = (await res.json()) as { data: { exemplars: { labels: Record<string, string>; timestamp: number }[] }[] };
      return body.data.flatMap((d) => d.exemplars).find((e) => e.timestamp >= since);
    });
    expect(exemplar.labels.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(exemplar.labels.span_id).toMatch(/^[0-9a-f]{16}$/);
    // the gateway exports its spans apart from catalog's: wait for the exemplar's own span, not any part of its trace
    const trace = await poll('the exemplar span in Jaeger', async () => {
      const t = await traceOf(exemplar.labels.trace_id!);
      return t?.spans.some((s) => s.spanID === exemplar.labels.span_id) ? t : undefined;
    });
    const span = trace.spans.find((s) => s.spanID === exemplar.labels.span_id)!;
    expect(trace.processes[span.processID]!.serviceName).toBe('gateway');
    expect(span.operationName).toBe('GET /products/:id');
  });
});
