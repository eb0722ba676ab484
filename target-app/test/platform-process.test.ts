import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lab/paths.ts';
import { resolvePorts } from '../../lab/ports.ts';
import { serviceSpecs } from '../src/topology.ts';

/** A service as the stack runs it: main.ts on the pinned Node, configured only by env. */
const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const ports = resolvePorts(process.env);
const pricingSpec = serviceSpecs(ports).find((s) => s.service === 'pricing')!;

function startPricing(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(NODE, [pricingSpec.entry], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never became ready`);
}

describe('service process lifecycle', () => {
  let running: ChildProcess | undefined;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
  });

  it('on SIGTERM drains the request in flight, refuses new ones, then exits 0', async () => {
    // no collector and no log store listen here: the flush at exit must still be bounded
    const { LOGS_PUSH_URL: _logs, ...rest } = pricingSpec.env;
    const env = { ...rest, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', LOG_LEVEL: 'info', SWITCHES: JSON.stringify({ addedLatencyMs: 700 }) };
    const { child, output } = startPricing(env);
    running = child;
    const base = `http://127.0.0.1:${pricingSpec.port}`;
    await waitReady(`${base}/readyz`);
    const inFlight = fetch(`${base}/prices/42`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ productId: 42, currency: 'EUR' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(output()).toContain('"msg":"stopped"');
  });

  it('a bad environment is one clear line and exit code 2', async () => {
    const { child, output } = startPricing({ ...pricingSpec.env, PORT: 'eighty', OTEL_TRACES_SAMPLER: 'sometimes' });
    running = child;
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    const lines = output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pricing: bad service environment: PORT: .*; OTEL_TRACES_SAMPLER: /);
  });
});
