/**
 * A small product service for recording the report's fixture: a real node:http server on
 * 127.0.0.1 with a cache in front of a slow "database" of bounded concurrency, prom-client
 * metrics under the app's names, and a log line per failure with its trace id. Run as its own
 * process so its CPU, event loop and memory are measured apart from the load:
 *   node fixture-shop.ts <naive|protected>   prints {"port":N} when listening.
 * POST /expire empties the cache (the fault); GET /stats gives CPU seconds, event-loop p99, RSS,
 * and the spans and log lines recorded so far.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Histogram, Registry } from 'prom-client';

const strategy = process.argv[2] === 'protected' ? 'protected' : 'naive';
const QUERY_MS = 60;
const POOL = 4;
const QUEUE_TIMEOUT_MS = 250;

const registry = new Registry();
const dbQueries = new Histogram({ name: 'db_client_operation_duration_seconds', help: 'db', labelNames: ['db_collection_name'], registers: [registry] });
const cacheRequests = new Counter({ name: 'cache_requests_total', help: 'cache', labelNames: ['cache', 'result'], registers: [registry] });

interface Span { spanId: string; parentId: string | null; service: string; operation: string; offsetMs: number; durationMs: number; error: boolean }
const traces: { traceId: string; start: number; durationMs: number; status: number; spans: Span[] }[] = [];
const logs: { time: string; service: string; level: string; message: string; traceId: string | null }[] = [];
let lastLog = 0;

const cache = new Map<number, { value: string; fresh: boolean }>();
const loading = new Map<number, Promise<string>>();
let inPool = 0;
const waiters: (() => void)[] = [];

async function query(id: number, spans: Span[], t0: number, parentId: string): Promise<string> {
  const queued = performance.now();
  if (inPool >= POOL) {
    const admitted = await Promise.race([new Promise<boolean>((resolve) => waiters.push(() => resolve(true))), sleep(QUEUE_TIMEOUT_MS, false)]);
    if (!admitted) throw new Error('database pool wait timed out');
  }
  inPool++;
  const start = performance.now();
  await sleep(QUERY_MS);
  inPool--;
  waiters.shift()?.();
  dbQueries.observe({ db_collection_name: 'products' }, (performance.now() - start) / 1000);
  spans.push({ spanId: randomBytes(8).toString('hex'), parentId, service: 'postgres', operation: 'SELECT products', offsetMs: queued - t0, durationMs: performance.now() - queued, error: false });
  return `product ${id}`;
}

async function product(id: number, spans: Span[], t0: number, parentId: string): Promise<string> {
  const cached = cache.get(id);
  if (cached?.fresh) {
    cacheRequests.inc({ cache: 'product', result: 'hit' });
    return cached.value;
  }
  if (strategy === 'protected') {
    let load = loading.get(id);
    if (!load) {
      load = query(id, spans, t0, parentId).finally(() => loading.delete(id));
      loading.set(id, load);
      void load.then((value) => cache.set(id, { value, fresh: true }), () => {});
    }
    if (cached) {
      cacheRequests.inc({ cache: 'product', result: 'stale' });
      return cached.value;
    }
    cacheRequests.inc({ cache: 'product', result: 'coalesced' });
    return load;
  }
  cacheRequests.inc({ cache: 'product', result: 'miss' });
  const value = await query(id, spans, t0, parentId);
  cache.set(id, { value, fresh: true });
  return value;
}

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/metrics') {
    res.setHeader('content-type', registry.contentType);
    return res.end(await registry.metrics());
  }
  if (url.pathname === '/expire') {
    for (const [id, entry] of cache) cache.set(id, { ...entry, fresh: false });
    return res.end('expired');
  }
  if (url.pathname === '/stats') {
    const cpu = process.cpuUsage();
    const body = { cpuSeconds: (cpu.user + cpu.system) / 1e6, eventLoopP99Ms: delay.percentile(99) / 1e6, residentMiB: process.memoryUsage().rss / 2 ** 20, traces: traces.splice(0), logs: logs.splice(0) };
    delay.reset();
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(body));
  }
  const traceId = randomBytes(16).toString('hex');
  const rootId = randomBytes(8).toString('hex');
  const t0 = performance.now();
  const spans: Span[] = [];
  let status = 200;
  try {
    res.end(await product(Number(url.pathname.split('/').pop()) || 1, spans, t0, rootId));
  } catch (error) {
    status = 503;
    res.statusCode = 503;
    res.end('database pool exhausted');
    if (Date.now() - lastLog >= 1000) {
      lastLog = Date.now();
      logs.push({ time: new Date().toISOString(), service: 'catalog', level: 'warn', message: `request failed: dependency_unavailable: ${(error as Error).message}`, traceId });
    }
  }
  const durationMs = performance.now() - t0;
  spans.unshift({ spanId: rootId, parentId: null, service: 'catalog', operation: 'GET /products/:id', offsetMs: 0, durationMs, error: status >= 500 });
  traces.push({ traceId, start: Date.now() - durationMs, durationMs, status, spans });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
