import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv, serviceEnvSchema, testServiceConfig } from '../src/platform/config.ts';
import { HttpClient, UpstreamError } from '../src/platform/http-client.ts';
import { ServiceMetrics } from '../src/platform/metrics.ts';
import { Retrier } from '../src/platform/resilience/retry.ts';
import { createService } from '../src/platform/service.ts';
import { startTracing, withSpan, type Tracing } from '../src/platform/tracing.ts';

describe('config', () => {
  it('names every bad variable in one error', () => {
    expect(() => parseEnv(serviceEnvSchema, { SERVICE_NAME: 'x', PORT: '70000', TELEMETRY: 'maybe', SWITCHES: '{nope' })).toThrow(ConfigError);
    try {
      parseEnv(serviceEnvSchema, { SERVICE_NAME: 'x', PORT: '70000', TELEMETRY: 'maybe', SWITCHES: '{nope' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT: .*; TELEMETRY: .*; SWITCHES: is not valid JSON/);
    }
  });

  it('refuses initial switches that break the schema, so a bad SWITCHES env stops the start', () => {
    const switches = z.object({ mode: z.enum(['a', 'b']).default('a') });
    expect(() => createService({ config: testServiceConfig('s', { switches: { mode: 'c' } }), switches })).toThrow(/bad initial switches: mode/);
    expect(() => createService({ config: testServiceConfig('s', { switches: { other: 1 } }), switches })).toThrow(/bad initial switches/);
    expect(createService({ config: testServiceConfig('s', { switches: { mode: 'b' } }), switches }).switches.current).toEqual({ mode: 'b' });
  });
});

describe('retries', () => {
  it('backs off with full jitter under an exponential ceiling', () => {
    const retrier = new Retrier('peer', new ServiceMetrics({ runtime: false }), { policy: 'backoff', baseDelayMs: 10, maxDelayMs: 50 });
    for (let retry = 1; retry <= 6; retry++) {
      const ceiling = Math.min(50, 10 * 2 ** (retry - 1));
      const delays = Array.from({ length: 200 }, () => retrier.delayMs(retry));
      expect(Math.max(...delays)).toBeLessThanOrEqual(ceiling);
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.2); // full jitter reaches down to ~0
    }
  });

  it('keeps retries within the budget when everything fails', async () => {
    const retrier = new Retrier('peer', new ServiceMetrics({ runtime: false }), { policy: 'naive', maxAttempts: 3, budgetRatio: 0.1, budgetMinPerSecond: 1 });
    let attempts = 0;
    for (let i = 0; i < 200; i++) {
      await retrier.run({ attempt: async () => { attempts++; throw new Error('down'); }, retryable: () => true }).catch(() => {});
    }
    // 200 requests: the floor (1/s over 10 s) plus 10% of the requests, not 2 retries each
    expect(attempts - 200).toBeLessThanOrEqual(10 + 20);
    expect(attempts - 200).toBeGreaterThanOrEqual(20);
  });

  it('starts no retry after the deadline', async () => {
    const retrier = new Retrier('peer', new ServiceMetrics({ runtime: false }), { policy: 'backoff', maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 1_000, budgetMinPerSecond: 100 });
    let attempts = 0;
    const started = Date.now();
    await expect(retrier.run({ deadline: Date.now() + 50, attempt: async () => { attempts++; throw new Error('down'); }, retryable: () => true })).rejects.toThrow('down');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toBeLessThanOrEqual(2);
  });
});

describe('outbound HTTP client', () => {
  let tracing: Tracing;
  let seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/slow') setTimeout(() => res.end('{}'), 500);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  let origin = '';
  beforeAll(async () => {
    tracing = startTracing({ ...testServiceConfig('client-test'), otlpEndpoint: undefined });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await tracing.shutdown();
  });

  it('passes the W3C trace context and the remaining deadline on', async () => {
    seen = [];
    const client = new HttpClient({ peer: 'peer', metrics: new ServiceMetrics({ runtime: false }) });
    const traceId = await withSpan('parent', {}, async (span) => {
      const result = await client.request({ origin, path: '/fast', deadline: Date.now() + 800 });
      expect(result).toMatchObject({ status: 200, body: { ok: true } });
      return span.spanContext().traceId;
    });
    expect(seen[0]!.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const budget = Number(seen[0]!['x-request-timeout-ms']);
    expect(budget).toBeGreaterThan(700);
    expect(budget).toBeLessThanOrEqual(800);
  });

  it('gives up at the deadline with an UpstreamError of type deadline', async () => {
    const metrics = new ServiceMetrics({ runtime: false });
    const client = new HttpClient({ peer: 'peer', metrics });
    const started = Date.now();
    const error = await client.request({ origin, path: '/slow', deadline: Date.now() + 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).errorType).toBe('deadline');
    expect(Date.now() - started).toBeLessThan(400);
    const text = (await metrics.expose(undefined)).body;
    expect(text).toMatch(/http_client_request_duration_seconds_count\{http_request_method="GET",server_address="peer",http_response_status_code="",error_type="deadline",server_port="\d+"\} 1/);
  });
});
