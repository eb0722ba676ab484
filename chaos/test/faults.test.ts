import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { resolvePorts } from '../../lab/ports.ts';
import { startRedis, startToxiproxy, type TestServer } from '../../lab/runner/test/servers.ts';
import { ToxiproxyClient } from '../toxiproxy.ts';
import { FAULTS, faultType, parseAttributes } from '../registry.ts';
import type { FaultContext } from '../fault.ts';
import { LabMetrics } from '../metrics.ts';
import { procState } from '../../lab/proc-stat.ts';

const ports = resolvePorts(process.env);
const PROXY = 'gateway-catalog-1';
let toxiproxy: TestServer;
let redisServer: TestServer;
let upstream: Server;
let client: ToxiproxyClient;
let ctx: FaultContext;

async function timedGet(): Promise<{ ms: number; ok: boolean }> {
  const start = performance.now();
  try {
    const res = await fetch(`http://127.0.0.1:${ports.proxyCatalog}/`, { signal: AbortSignal.timeout(3000) });
    await res.text();
    return { ms: performance.now() - start, ok: res.ok };
  } catch {
    return { ms: performance.now() - start, ok: false };
  }
}

beforeAll(async () => {
  toxiproxy = await startToxiproxy(ports.toxiproxy);
  redisServer = await startRedis(ports.redis);
  upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(ports.catalog, '127.0.0.1', resolve));
  client = new ToxiproxyClient(ports.toxiproxy);
  ctx = { toxiproxy: client, redis: { host: '127.0.0.1', port: ports.redis } };
});

afterAll(async () => {
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  await toxiproxy?.stop();
  await redisServer?.stop();
});

beforeEach(async () => {
  await client.populate([{ name: PROXY, listen: `127.0.0.1:${ports.proxyCatalog}`, upstream: `127.0.0.1:${ports.catalog}` }]);
  await client.reset();
});

describe('toxic faults against a real Toxiproxy', () => {
  it('a latency toxic slows every request by its latency and its revert makes them fast again', async () => {
    const fault = faultType('latency');
    const attributes = parseAttributes('latency', { latency: 300 }, 'test');
    const applied = await fault.apply(ctx, PROXY, attributes as never, 't1');
    const slow = await timedGet();
    expect(slow.ok).toBe(true);
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    await applied.revert();
    expect(await client.toxics(PROXY)).toEqual([]);
    const fast = await timedGet();
    expect(fast.ms).toBeLessThan(200);
  });

  it('every toxic type is accepted by Toxiproxy with its attributes, and revert removes exactly it', async () => {
    const samples: Record<string, Record<string, unknown>> = {
      latency: { latency: 100, jitter: 10, stream: 'upstream', toxicity: 0.5 },
      bandwidth: { rate: 10 },
      slow_close: { delay: 100 },
      timeout: { timeout: 100 },
      reset_peer: { timeout: 10 },
      slicer: { average_size: 64, size_variation: 8, delay: 10 },
      limit_data: { bytes: 1000 },
    };
    for (const [type, raw] of Object.entries(samples)) {
      const applied = await faultType(type).apply(ctx, PROXY, parseAttributes(type, raw, 'test') as never, `m-${type}`);
      const toxics = await client.toxics(PROXY);
      expect(toxics).toHaveLength(1);
      expect(toxics[0]).toMatchObject({ name: `faultline-m-${type}`, type, stream: raw.stream ?? 'downstream', toxicity: raw.toxicity ?? 1 });
      for (const [key, value] of Object.entries(raw)) if (key !== 'stream' && key !== 'toxicity') expect(toxics[0]!.attributes[key]).toBe(value);
      await applied.revert();
      expect(await client.toxics(PROXY)).toEqual([]);
    }
  });

  it('proxy_down refuses connections until reverted', async () => {
    const applied = await faultType('proxy_down').apply(ctx, PROXY, {} as never, 'down');
    expect((await timedGet()).ok).toBe(false);
    await applied.revert();
    expect((await timedGet()).ok).toBe(true);
  });

  it('a toxic on a proxy that does not exist is one clear error naming the proxy', async () => {
    await expect(faultType('latency').apply(ctx, 'no-such-proxy', parseAttributes('latency', { latency: 1 }, 'test') as never, 'x')).rejects.toThrow(/no-such-proxy/);
  });
});

describe('fault attributes are validated before anything is applied', () => {
  it('an unknown fault type names the known ones', () => {
    expect(() => faultType('latencyy')).toThrow(/unknown fault type 'latencyy': use one of latency, bandwidth/);
  });

  it('a bad attribute names the fault and the field', () => {
    expect(() => parseAttributes('latency', { latency: 'slow' }, 'scenarios/x/scenario.ts timeline[0]')).toThrow(
      /scenarios\/x\/scenario.ts timeline\[0\]: fault latency has a bad attribute: field latency: .*expected number/i,
    );
    expect(() => parseAttributes('latency', { latency: 10, jiter: 3 }, 'here')).toThrow(/jiter/);
    expect(() => parseAttributes('latency', { latency: 10, toxicity: 2 }, 'here')).toThrow(/toxicity/);
    expect(() => parseAttributes('cache_expire', {}, 'here')).toThrow(/exactly one of keys or match/);
  });

  it('every fault type has a one-line summary and a target kind', () => {
    for (const fault of FAULTS.values()) {
      expect(fault.summary).not.toMatch(/\n/);
      expect(['proxy', 'instance', 'cache', 'component']).toContain(fault.target);
    }
  });
});

describe('cache_expire against a real Redis', () => {
  it('expires the matching keys, and repeats every N s while on', async () => {
    const redis = new Redis({ port: ports.redis, host: '127.0.0.1' });
    try {
      await redis.mset('product:1', 'a', 'product:2', 'b', 'other:1', 'c');
      const applied = await faultType('cache_expire').apply(ctx, 'catalog', parseAttributes('cache_expire', { match: 'product:*', every: 0.2, mode: 'evict' }, 't') as never, 'c1');
      expect(await redis.exists('product:1', 'product:2')).toBe(0);
      expect(await redis.exists('other:1')).toBe(1);
      await redis.set('product:1', 'again');
      await new Promise((r) => setTimeout(r, 500));
      expect(await redis.exists('product:1')).toBe(0);
      await applied.revert();
      expect(applied.detail.expired).toBe(3);
      expect(applied.noEffect?.()).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });

  it('mode ttl ends the fresh life now and keeps what is left of a stale window; without one the key goes', async () => {
    const redis = new Redis({ port: ports.redis, host: '127.0.0.1' });
    try {
      const now = Date.now();
      const envelope = (freshFor: number) => JSON.stringify({ value: { id: 1 }, storedAt: now, freshUntil: now + freshFor, computeMs: 5 });
      await redis.set('product:1', envelope(60_000), 'PX', 60_000 + 10_000); // protected: 10 s stale window
      await redis.set('product:2', envelope(60_000), 'PX', 60_000); // naive: no stale window
      await redis.set('product:3', 'not an envelope');
      // the keys' TTLs started when Redis ran the SETs, up to this long after freshUntil was reckoned
      const setLag = Date.now() - now;
      const applied = await faultType('cache_expire').apply(ctx, 'catalog', parseAttributes('cache_expire', { keys: ['product:1', 'product:2', 'product:3'] }, 't') as never, 'c3');
      await applied.revert();
      expect(applied.detail.expired).toBe(3);
      const kept = JSON.parse((await redis.get('product:1'))!) as { freshUntil: number; value: unknown };
      expect(kept.value).toEqual({ id: 1 });
      expect(kept.freshUntil).toBeLessThanOrEqual(Date.now());
      expect(kept.freshUntil).toBeGreaterThanOrEqual(now);
      const pttl = await redis.pttl('product:1');
      expect(pttl).toBeGreaterThan(9_000);
      expect(pttl).toBeLessThanOrEqual(10_010 + setLag);
      expect(await redis.exists('product:2', 'product:3')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('says so when there was nothing to expire', async () => {
    const applied = await faultType('cache_expire').apply(ctx, 'catalog', parseAttributes('cache_expire', { keys: ['missing:1'] }, 't') as never, 'c2');
    await applied.revert();
    expect(applied.noEffect?.()).toMatch(/no key matched missing:1/);
  });
});

describe('process faults on a real process', () => {
  it('process_stop freezes the process and revert resumes it', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const processCtx: FaultContext = { ...ctx, processes: { pidOf: () => child.pid, restart: async () => {} } };
      const applied = await faultType('process_stop').apply(processCtx, 'catalog-1', {} as never, 'p1');
      const state = async (want: string) => {
        let now: string | undefined = '';
        // a signal is delivered asynchronously: poll briefly for the state to change
        for (let i = 0; i < 50 && now !== want; i++) {
          now = procState(child.pid!);
          if (now !== want) await new Promise((r) => setTimeout(r, 20));
        }
        return now;
      };
      expect(await state('T')).toBe('T');
      await applied.revert();
      expect(await state('S')).toBe('S');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('component_kill on a component that does not run, or without a stack that restarts components, is one clear error', async () => {
    const none: FaultContext = { ...ctx, processes: { pidOf: () => undefined, restart: async () => {}, restartComponent: async () => {} } };
    await expect(faultType('component_kill').apply(none, 'redis', { discardData: false } as never, 'k1')).rejects.toThrow(/component_kill on redis: it does not run/);
    const appOnly: FaultContext = { ...ctx, processes: { pidOf: () => 1, restart: async () => {} } };
    await expect(faultType('component_kill').apply(appOnly, 'redis', { discardData: false } as never, 'k2')).rejects.toThrow(/no stack handle that restarts components/);
  });

  it('a process fault on an instance that is not running is one clear error', async () => {
    const processCtx: FaultContext = { ...ctx, processes: { pidOf: () => undefined, restart: async () => {} } };
    await expect(faultType('process_kill').apply(processCtx, 'catalog-9', { restart: true } as never, 'p2')).rejects.toThrow(/catalog-9: no such running instance/);
  });
});

describe('the fault metric', () => {
  it('exports faultline_fault_active on the lab metrics port', async () => {
    const metrics = new LabMetrics();
    await metrics.listen(ports.labMetrics);
    try {
      metrics.setFault({ fault: 'latency', target: PROXY, scenario: 's', variant: 'v' }, true);
      const body = await (await fetch(`http://127.0.0.1:${ports.labMetrics}/metrics`)).text();
      expect(body).toContain(`faultline_fault_active{fault="latency",target="${PROXY}",scenario="s",variant="v"} 1`);
    } finally {
      await metrics.close();
    }
  });
});
