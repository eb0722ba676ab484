/**
 * The slowest traces of a phase, searched in a real Jaeger (the lab's build and config) after
 * spans of two services arrive over OTLP/HTTP: slowest first, their span tree and errors kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jaeger as jaegerComponent } from '../../stack/components/jaeger.ts';
import { stackContext } from '../../stack/context.ts';
import { resolvePorts } from '../../ports.ts';
import type { StoredVariant } from '../../run-summary/summary.ts';
import { collectSlowestTraces } from '../traces.ts';

// a lane of its own below the ephemeral port range (32768+), where a busy machine's outgoing sockets would take ports
const laneEnv = { ...process.env, LAB_PORT_OFFSET: String(Number(process.env.LAB_PORT_OFFSET ?? 0) + 700) };
const ports = resolvePorts(laneEnv);
let jaeger: ChildProcess | undefined;


const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
const nanos = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);

/** One request: the gateway's server span and, below it, the catalog's span that took `catalogMs`. */
function request(start: number, totalMs: number, catalogMs: number, failed: boolean) {
  const traceId = randomBytes(16).toString('hex');
  const root = randomBytes(8).toString('hex');
  const span = (service: string, name: string, spanId: string, parentSpanId: string, from: number, ms: number, error: boolean) => ({
    resource: { attributes: [attr('service.name', service)] },
    scopeSpans: [{ scope: { name: 'report-test' }, spans: [{ traceId, spanId, parentSpanId, name, kind: 2, startTimeUnixNano: nanos(from), endTimeUnixNano: nanos(from + ms), status: { code: error ? 2 : 1 } }] }],
  });
  return { traceId, resourceSpans: [span('gateway', 'GET /products/:id', root, '', start, totalMs, failed), span('catalog', 'GET /products/:id', randomBytes(8).toString('hex'), root, start + 2, catalogMs, failed)] };
}

beforeAll(async () => {
  // the lab's own Jaeger launch (command, config, env), in this test's lane
  const launch = await jaegerComponent.prepare(stackContext(laneEnv));
  jaeger = spawn(launch.command, launch.args, { stdio: 'ignore', env: launch.env });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${ports.jaegerQuery}/api/services`).then((r) => r.ok, () => false)) return;
    await sleep(200);
  }
  throw new Error('jaeger did not come up');
}, 60_000);

afterAll(() => {
  jaeger?.kill('SIGTERM');
});

describe('slowest traces from Jaeger', () => {
  test('the three slowest of the phase, slowest first, with their spans, parents and errors', async () => {
    const start = Date.now() - 60_000;
    const requests = [
      request(start + 1_000, 40, 30, false),
      request(start + 2_000, 900, 850, true),
      request(start + 3_000, 15, 10, false),
      request(start + 4_000, 300, 280, false),
      request(start + 5_000, 120, 100, false),
    ];
    for (const r of requests) {
      const response = await fetch(`http://127.0.0.1:${ports.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: r.resourceSpans }) });
      expect(response.ok).toBe(true);
    }
    await sleep(1500);
    const iso = (ms: number) => new Date(ms).toISOString();
    const variant = { name: 'protected', phases: { fault: { start: iso(start), end: iso(start + 10_000), seconds: 10 } } } as unknown as StoredVariant;

    const stored = await collectSlowestTraces(`http://127.0.0.1:${ports.jaegerQuery}`, variant);
    expect(stored.error).toBeNull();
    expect(stored.traces.map((t) => [t.traceId, Math.round(t.durationMs)])).toEqual([
      [requests[1]!.traceId, 900],
      [requests[3]!.traceId, 300],
      [requests[4]!.traceId, 120],
    ]);
    const slowest = stored.traces[0]!;
    expect(slowest).toMatchObject({ phase: 'fault', service: 'gateway', operation: 'GET /products/:id' });
    const [root, child] = slowest.spans;
    expect(root).toMatchObject({ service: 'gateway', parentId: null, offsetMs: 0, error: true });
    expect(child).toMatchObject({ service: 'catalog', parentId: root!.spanId, offsetMs: 2, durationMs: 850, error: true });
  });
});
