import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../src/platform/tracing.ts';
import { testServiceConfig } from '../src/platform/config.ts';
import { startGatewayLab, type GatewayLab } from './gateway-lab.ts';

/** promtool's linter, the real one: exit 0 and nothing printed means no findings. */
function promtoolCheck(exposition: string): { status: number | null; findings: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { status: run.status, findings: `${run.stdout}${run.stderr}`.trim() };
}

describe('/metrics of every service', () => {
  let lab: GatewayLab;
  let tracing: Tracing;
  beforeAll(async () => {
    // a sampled trace per request (no exporter): exemplars carry its ids
    tracing = startTracing({ ...testServiceConfig('metrics-test'), otlpEndpoint: undefined });
    lab = await startGatewayLab({ catalogReplicas: 1 });
    for (const path of ['/products/1', '/products/2', '/products/1', '/products/99999999', '/products/abc', '/products?page=2&size=5', '/products/3/price', '/nope']) {
      await (await fetch(`${lab.url}${path}`)).arrayBuffer();
    }
  });
  afterAll(async () => {
    await lab?.stop();
    await tracing?.shutdown();
  });

  it('passes promtool check metrics with no findings (gateway, catalog, pricing)', async () => {
    for (const service of [lab.gateway, lab.catalogs[0]!, lab.pricing]) {
      const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
      expect(text).toContain('http_server_request_duration_seconds_bucket');
      const { status, findings } = promtoolCheck(text);
      expect(findings, `${service.config.instance}: ${findings}`).toBe('');
      expect(status).toBe(0);
    }
  });

  it('has the RED metrics of contract 3 with bounded labels (route templates, never ids)', async () => {
    const text = await (await fetch(`${lab.url}/metrics`)).text();
    expect(text).toMatch(/http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/products\/:id",http_response_status_code="200"\} [1-9]/);
    expect(text).toMatch(/http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/products\/:id",http_response_status_code="400"\} 1/);
    expect(text).toMatch(/http_client_request_duration_seconds_count\{http_request_method="GET",server_address="catalog",http_response_status_code="200",error_type="",server_port="\d+"\} [1-9]/);
    expect(text).toMatch(/http_client_request_duration_seconds_count\{http_request_method="GET",server_address="catalog",http_response_status_code="404",error_type="404",server_port="\d+"\} 1/);
    expect(text).not.toMatch(/http_route="\/products\/\d/);
    for (const runtime of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_utilization_ratio', '# TYPE nodejs_gc_duration_seconds histogram', 'nodejs_heap_size_used_bytes', 'process_resident_memory_bytes', 'nodejs_active_handles']) {
      expect(text).toContain(runtime);
    }
    const catalog = await (await fetch(`http://127.0.0.1:${lab.catalogs[0]!.port}/metrics`)).text();
    expect(catalog).toMatch(/^db_client_connections\{state="idle"\} \d+$/m);
    expect(catalog).toMatch(/^db_client_connection_pending_requests 0$/m);
    expect(catalog).toMatch(/db_client_operation_duration_seconds_count\{db_system_name="postgresql",db_operation_name="SELECT",db_collection_name="products"\} [1-9]/);
  });

  it('speaks OpenMetrics with trace exemplars when the scraper asks for it', async () => {
    const res = await fetch(`${lab.url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
    expect(res.headers.get('content-type')).toContain('application/openmetrics-text');
    const text = await res.text();
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toContain('# TYPE process_cpu_seconds counter');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/http_server_request_duration_seconds_bucket\{le="[^"]+",http_request_method="GET",http_route="\/products\/:id",http_response_status_code="200"\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\} [0-9.e-]+ [0-9.]+$/m);
  });
});
