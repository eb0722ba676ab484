/**
 * Jaeger's in-memory store is a ring (max_traces in observability/jaeger/jaeger.yml): a variant's
 * traces can be gone by the time the last variant has run. A real Jaeger, run with the lab's own
 * config and a ring of 400 traces (more than the report's search depth, which Jaeger requires): the first variant's traces are kept as it ends
 * (keepVariantTraces), the second variant's traffic then pushes them out of the ring, and the report
 * written at the end still shows them, while a fresh read from Jaeger would find none.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOOLS_BIN, labDir } from '../../paths.ts';
import { JAEGER_CONFIG } from '../../stack/components/jaeger.ts';
import { keepVariantTraces, writeReport } from '../index.ts';
import { tracesFile } from '../stored-data.ts';
import { collectSlowestTraces } from '../traces.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'cache-stampede');
const WORK = join(labDir(), 'trace-keeping-test');
const RING = 400;
let jaeger: ChildProcess | undefined;
let queryUrl = '';
let otlpUrl = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Variant {
  name: string;
  phases: Record<string, { start: string; end: string; seconds: number }>;
}
const variants = (JSON.parse(readFileSync(join(FIXTURE, 'summary.json'), 'utf8')) as { variants: Variant[] }).variants;

/** Gateway traces of one span each, `ms[i]` long, the i-th starting i × 10 ms into the phase. */
async function pushTraces(phaseStart: string, firstId: number, ms: readonly number[]): Promise<void> {
  const spans = ms.map((length, i) => {
    const startNs = BigInt(Date.parse(phaseStart) + i * 10) * 1_000_000n;
    const id = firstId + i;
    return { traceId: id.toString(16).padStart(32, '0'), spanId: id.toString(16).padStart(16, '0'), name: 'GET /products/:id', kind: 2, startTimeUnixNano: String(startNs), endTimeUnixNano: String(startNs + BigInt(length) * 1_000_000n) };
  });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] }, scopeSpans: [{ spans }] }] };
  const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.ok).toBe(true);
}

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  // the lab's config, its ring made small enough to overflow in a test
  const config = join(WORK, 'jaeger.yml');
  writeFileSync(config, readFileSync(JAEGER_CONFIG, 'utf8').replace(/max_traces: \d+/, `max_traces: ${RING}`));
  const [query, grpc, health, metrics, otlpGrpc, otlpHttp] = await Promise.all(Array.from({ length: 6 }, freePort));
  jaeger = spawn(join(TOOLS_BIN, 'jaeger'), ['--config', config], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH, JAEGER_LISTEN_HOST: '127.0.0.1', JAEGER_QUERY_PORT: String(query), JAEGER_QUERY_GRPC_PORT: String(grpc), JAEGER_HEALTH_PORT: String(health), JAEGER_METRICS_PORT: String(metrics), OTLP_GRPC_PORT: String(otlpGrpc), OTLP_HTTP_PORT: String(otlpHttp) },
  });
  queryUrl = `http://127.0.0.1:${query}`;
  otlpUrl = `http://127.0.0.1:${otlpHttp}`;
  for (let i = 0; i < 150 && !(await fetch(`${queryUrl}/api/services`).then((r) => r.ok, () => false)); i++) await sleep(200);
}, 60_000);

afterAll(() => {
  jaeger?.kill('SIGTERM');
});

it('a variant kept as it ended keeps its traces after the ring has moved on', { timeout: 60_000 }, async () => {
  const dir = join(WORK, 'run');
  cpSync(FIXTURE, dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^traces-/.test(f)) rmSync(join(dir, f));
  const [first, second] = variants as [Variant, Variant];

  // the first variant's slow requests, then its traces kept as it ends
  await pushTraces(first.phases.fault!.start, 1, [901, 902, 903]);
  await sleep(1500);
  await keepVariantTraces(dir, queryUrl, first);
  // the second variant's traffic fills the ring
  await pushTraces(second.phases.steady!.start, 100, Array.from({ length: 2 * RING }, () => 5));
  await sleep(1500);

  // read now, the first variant's traces are gone from Jaeger ...
  expect((await collectSlowestTraces(queryUrl, first)).traces).toEqual([]);
  // ... and the report, written once every variant has run, still has them
  await writeReport(dir, { jaeger: queryUrl });
  const kept = JSON.parse(readFileSync(join(dir, tracesFile(first.name)), 'utf8')) as { error: string | null; traces: { phase: string; durationMs: number }[] };
  expect(kept.error).toBeNull();
  expect(kept.traces.filter((t) => t.phase === 'fault').map((t) => Math.round(t.durationMs))).toEqual([903, 902, 901]);
  expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('GET /products/:id');
});
