/**
 * The native stack comes up, every component answers its real API, and down leaves nothing:
 * no process it started and no listening port of the map.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { httpOk, httpRequest } from '../stack/http.ts';
import { servicesUrl } from '../stack/components/postgres-roles.ts';
import { isRunning } from '../stack/processes.ts';
import { startStack, stopStack, type StackHandle } from '../stack/index.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { faultType, parseAttributes } from '../../chaos/registry.ts';
import { eventually, infraPorts, listening, processesUsing, testEnv } from './lab-env.ts';

const env = testEnv('stack');
let stack: StackHandle;
const pids: number[] = [];

beforeAll(async () => {
  stack = await startStack({ env, withApp: false });
  for (const row of await stack.status()) if (row.pid) pids.push(row.pid);
});

afterAll(async () => {
  await stopStack(env);
});

describe('the native stack, infrastructure only', () => {
  it('reports every component healthy with its version', async () => {
    const rows = await stack.status();
    expect(rows.map((r) => r.name).sort()).toEqual(['jaeger', 'postgres', 'prometheus', 'redis', 'toxiproxy', 'victoria-logs']);
    for (const row of rows) {
      expect(row, row.name).toMatchObject({ health: 'healthy' });
      expect(row.version, row.name).toMatch(/\d+\.\d+/);
      expect(row.pid, row.name).toBeGreaterThan(1);
    }
  });

  it('PostgreSQL answers SELECT 1 in the faultline database', async () => {
    const client = new pg.Client({ connectionString: servicesUrl({ port: stack.ports.postgres, secrets: stack.secrets }) });
    await client.connect();
    try {
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('Redis answers PING, keeps an append-only file synced every second, and evicts only keys with a TTL', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis, lazyConnect: true });
    await redis.connect();
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'save')).toEqual(['save', '']);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'volatile-lru']);
      expect(Number((await redis.config('GET', 'maxmemory'))[1])).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('under memory pressure Redis evicts cache keys (they have a TTL) and never the stream', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis, lazyConnect: true });
    await redis.connect();
    const [, configured] = (await redis.config('GET', 'maxmemory')) as [string, string];
    try {
      await redis.del('pressure:stream');
      for (let i = 0; i < 200; i++) await redis.xadd('pressure:stream', '*', 'n', String(i));
      const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
      const evictedBefore = Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1]);
      // room for about 2 MB more: 8 MB of page-cache entries must push each other out
      await redis.config('SET', 'maxmemory', String(used + 2_000_000));
      const page = 'x'.repeat(8_000);
      for (let i = 0; i < 1_000; i++) await redis.set(`catalog:pressure:${i}`, page, 'PX', 60_000);
      expect(Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1])).toBeGreaterThan(evictedBefore);
      expect(await redis.xlen('pressure:stream')).toBe(200);
    } finally {
      await redis.config('SET', 'maxmemory', configured);
      await redis.eval("for _, key in ipairs(redis.call('KEYS', 'catalog:pressure:*')) do redis.call('DEL', key) end return 0", 0);
      await redis.del('pressure:stream');
      redis.disconnect();
    }
  });

  it('component_kill on Redis: after SIGKILL it comes back with every write it acknowledged; with discardData, empty', async () => {
    const crash = async (attributes: Record<string, unknown>) => {
      const applied = await faultType('component_kill').apply({ toxiproxy: new ToxiproxyClient(stack.ports.toxiproxy), processes: stack }, 'redis', parseAttributes('component_kill', attributes, 't') as never, 'k');
      await applied.revert();
      expect(stack.pidOf('redis')).not.toBe(applied.detail.pid);
    };
    const read = async () => {
      const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis, lazyConnect: true });
      await redis.connect();
      try {
        return { length: await redis.xlen('crash:stream'), group: ((await redis.xinfo('GROUPS', 'crash:stream').catch(() => [])) as unknown[]).length };
      } finally {
        redis.disconnect();
      }
    };
    const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis, lazyConnect: true });
    await redis.connect();
    try {
      await redis.del('crash:stream');
      await redis.xgroup('CREATE', 'crash:stream', 'g', '0', 'MKSTREAM');
      for (let i = 0; i < 3; i++) await redis.xadd('crash:stream', '*', 'n', String(i));
    } finally {
      redis.disconnect();
    }
    // everysec: a write reaches the file within a second, two when an fsync is slow (Redis postpones the write, not the answer)
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await crash({});
    expect(await read()).toEqual({ length: 3, group: 1 });
    await crash({ discardData: true });
    expect(await read()).toEqual({ length: 0, group: 0 });
  });

  it('Prometheus is ready and answers PromQL about its own scrape', async () => {
    await httpOk(`http://127.0.0.1:${stack.ports.prometheus}/-/ready`);
    const url = `http://127.0.0.1:${stack.ports.prometheus}/api/v1/query?query=${encodeURIComponent('up{job="prometheus",instance="prometheus"}')}`;
    const value = await eventually(
      async () => (JSON.parse(await httpOk(url)) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1],
      10_000,
      'Prometheus never scraped itself',
    );
    expect(value).toBe('1');
  });

  it('a latency toxic on a Toxiproxy proxy in front of Redis slows a PING through it', async () => {
    const version = JSON.parse(await httpOk(`http://127.0.0.1:${stack.ports.toxiproxy}/version`)) as { version: string };
    expect(version.version).toMatch(/^2\./);
    const listen = `127.0.0.1:${stack.ports.proxyWorkerRedis}`;
    await new ToxiproxyClient(stack.ports.toxiproxy).populate([{ name: 'lab-test-redis', listen, upstream: `127.0.0.1:${stack.ports.redis}` }]);
    const redis = new Redis({ host: '127.0.0.1', port: stack.ports.proxyWorkerRedis, lazyConnect: true });
    await redis.connect();
    try {
      await redis.set('lab-test', 'through-the-proxy');
      expect(await redis.get('lab-test')).toBe('through-the-proxy');
      const toxic = await httpRequest('POST', `http://127.0.0.1:${stack.ports.toxiproxy}/proxies/lab-test-redis/toxics`, { type: 'latency', stream: 'downstream', attributes: { latency: 300 } });
      expect(toxic.status).toBe(200);
      const started = Date.now();
      expect(await redis.ping()).toBe('PONG');
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    } finally {
      redis.disconnect();
      await new ToxiproxyClient(stack.ports.toxiproxy).reset();
    }
  });

  it('Jaeger stores a span sent over OTLP and lists its service', async () => {
    const services = JSON.parse(await httpOk(`http://127.0.0.1:${stack.ports.jaegerQuery}/api/services`)) as { data: string[] | null };
    expect(services).toHaveProperty('data');
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lab-test' } }] },
          scopeSpans: [
            { spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'probe', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] },
          ],
        },
      ],
    };
    const sent = await httpRequest('POST', `http://127.0.0.1:${stack.ports.otlpHttp}/v1/traces`, span);
    expect(sent.status).toBe(200);
    await eventually(
      async () => ((JSON.parse(await httpOk(`http://127.0.0.1:${stack.ports.jaegerQuery}/api/services`)) as { data: string[] | null }).data ?? []).includes('lab-test') || undefined,
      10_000,
      'Jaeger never listed the lab-test service',
    );
  });

  it('VictoriaLogs is healthy, takes a line over Loki\'s push protocol and finds it again with LogsQL', async () => {
    const base = `http://127.0.0.1:${stack.ports.victoriaLogs}`;
    expect(await httpOk(`${base}/health`)).toBe('OK');
    const line = `lab test line ${Date.now()}`;
    const push = { streams: [{ stream: { service: 'lab-test' }, values: [[String(BigInt(Date.now()) * 1_000_000n), line]] }] };
    const pushed = await httpRequest('POST', `${base}/insert/loki/api/v1/push`, push);
    expect(pushed.status).toBe(204);
    const query = `${base}/select/logsql/query?query=${encodeURIComponent('_stream:{service="lab-test"} _time:5m')}&limit=10`;
    const found = await eventually(
      async () => {
        // one JSON object a line, one line per log entry
        const entries = (await httpOk(query)).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { _msg: string; service: string });
        return entries.find((e) => e._msg === line);
      },
      10_000,
      'VictoriaLogs never returned the pushed line',
    );
    expect(found).toMatchObject({ _msg: line, service: 'lab-test' });
  });

  it('down stops every process and frees every port of the map', async () => {
    expect(pids.length).toBe(6);
    const report = await stopStack(env);
    expect(report.stopped.sort()).toEqual(['jaeger', 'postgres', 'prometheus', 'redis', 'toxiproxy', 'victoria-logs']);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(listening(infraPorts(stack.ports))).toEqual([]);
    expect(processesUsing(stack.labDir)).toEqual([]);
    expect((await stack.status()).every((r) => r.health === 'stopped' && r.pid === null)).toBe(true);
  });
});
