/**
 * What writeReport stores at the end of a run, collected from real components: the app panels
 * from a real Prometheus scraping a prom-client server and evaluating the lab's recording rules, the fault's warning lines from a real
 * VictoriaLogs fed over Loki's push protocol as the app ships them (labels service, instance,
 * level; msg as the message), and a Jaeger that does not answer named in the traces file and on
 * the page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrometheusClient } from '../../prometheus-client.ts';
import { TOOLS_BIN, labDir, toolCacheDir } from '../../paths.ts';
import { resolvePorts } from '../../ports.ts';
import { RULES_DIR } from '../../stack/rules.ts';
import { writeReport } from '../index.ts';
import { logsFile, seriesFile, tracesFile } from '../stored-data.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'cache-stampede');
const WORK = join(labDir(), 'report-collectors-test');
const LOAD_SECONDS = 8;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const children: ChildProcess[] = [];
let app: Server;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function victoriaLogsBinary(): string {
  const linked = join(TOOLS_BIN, 'victoria-logs');
  if (existsSync(linked)) return linked;
  const cache = join(toolCacheDir(), 'tools', 'victoria-logs');
  const built = existsSync(cache) ? readdirSync(cache).map((v) => join(cache, v, 'bin', 'victoria-logs')).find(existsSync) : undefined;
  if (!built) throw new Error('victoria-logs is not built: run tools/build.sh victoria-logs');
  return built;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(200);
  }
  throw new Error(`${url} did not come up`);
}

const ports = resolvePorts({ ...process.env, LAB_PORT_OFFSET: process.env.LAB_PORT_OFFSET ?? '34000' });
let vlPort: number;
let window: { start: number; end: number };

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const registry = new Registry();
  const queries = new Histogram({ name: 'db_client_operation_duration_seconds', help: 'db', labelNames: ['db_collection_name'], registers: [registry] });
  const lookups = new Counter({ name: 'cache_requests_total', help: 'cache', labelNames: ['cache', 'result'], registers: [registry] });
  app = createServer(async (_req, res) => res.end(await registry.metrics()));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as { port: number }).port;

  // the lab's recording rules: the report's panels read the series they record, as the dashboards do
  writeFileSync(join(WORK, 'prometheus.yml'), `global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: ['${RULES_DIR}/*.yml']\nscrape_configs:\n  - job_name: catalog\n    static_configs: [{targets: ['127.0.0.1:${appPort}']}]\n`);
  children.push(spawn('prometheus', [`--config.file=${join(WORK, 'prometheus.yml')}`, `--storage.tsdb.path=${join(WORK, 'tsdb')}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`], { stdio: 'ignore' }));
  vlPort = await freePort();
  children.push(spawn(victoriaLogsBinary(), [`-httpListenAddr=127.0.0.1:${vlPort}`, `-storageDataPath=${join(WORK, 'victoria-logs')}`], { stdio: 'ignore' }));
  await waitFor(`http://127.0.0.1:${ports.prometheus}/-/ready`);
  await waitFor(`http://127.0.0.1:${vlPort}/health`);
  await sleep(1500);

  // a bounded load: ten ticks a second for LOAD_SECONDS, 80% cache hits, two queries a tick
  const start = Date.now();
  for (let tick = 0; tick < LOAD_SECONDS * 10; tick++) {
    lookups.inc({ cache: 'product', result: 'hit' }, 8);
    lookups.inc({ cache: 'product', result: 'miss' }, 2);
    queries.observe({ db_collection_name: 'products' }, 0.02);
    queries.observe({ db_collection_name: 'products' }, 0.03);
    if (tick % 20 === 10) {
      const line = (level: string, msg: string) => ({ stream: { service: 'catalog', instance: 'catalog-1', level }, values: [[String(Date.now() * 1e6), JSON.stringify({ msg, problem: 'dependency_unavailable', reason: 'database pool wait timed out', trace_id: TRACE_ID })]] });
      await fetch(`http://127.0.0.1:${vlPort}/insert/loki/api/v1/push?_msg_field=msg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams: [line('warning', 'request failed'), line('info', 'all is well')] }) });
    }
    await sleep(100);
  }
  window = { start, end: Date.now() };
  await sleep(2500);
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((resolve) => app?.close(resolve));
});

function resultsDir(): string {
  const dir = join(WORK, 'run');
  cpSync(FIXTURE, dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^(series|traces|logs)-|^scenario\.json$/.test(f)) rmSync(join(dir, f));
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { variants: { load: unknown; phases: Record<string, unknown>; faults: { appliedAt: string; revertedAt: string }[] }[] };
  const iso = (ms: number) => new Date(ms).toISOString();
  const w = { start: iso(window.start), end: iso(window.end), seconds: (window.end - window.start) / 1000 };
  for (const v of summary.variants) {
    v.load = w;
    v.phases = { run: w, fault: w };
    v.faults[0]!.appliedAt = w.start;
    v.faults[0]!.revertedAt = w.end;
  }
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return dir;
}

describe('writeReport stores what the live stack knows', () => {
  test('app panels from Prometheus, warning lines from VictoriaLogs, and a silent Jaeger named', async () => {
    const dir = resultsDir();
    const prometheus = new PrometheusClient(ports.prometheus);
    const silentJaeger = `http://127.0.0.1:${await freePort()}`;
    await writeReport(dir, {
      prometheus: prometheus.baseUrl,
      jaeger: silentJaeger,
      logs: { url: `http://127.0.0.1:${vlPort}`, api: 'logsql' },
      scenario: { teaches: 'a lesson', hypotheses: [{ name: 'database queries', measure: { promql: 'sum(increase(db_client_operation_duration_seconds_count[$window]))' } }] },
    });

    const series = JSON.parse(readFileSync(join(dir, seriesFile('unprotected')), 'utf8')) as { panels: { id: string; series: { label: string; points: [number, number | null][] }[] }[] };
    expect(series.panels.map((p) => p.id)).toEqual(['db-queries', 'cache-hit-ratio', 'measure-1']);
    const values = (id: string) => series.panels.find((p) => p.id === id)!.series.flatMap((s) => s.points.map(([, v]) => v)).filter((v): v is number => v !== null);
    expect(Math.max(...values('db-queries'))).toBeGreaterThan(10);
    expect(series.panels.find((p) => p.id === 'db-queries')!.series[0]!.label).toBe('catalog products');
    const ratios = values('cache-hit-ratio');
    expect(ratios.length).toBeGreaterThan(0);
    for (const r of ratios) expect(r).toBeCloseTo(0.8, 5);
    expect(Math.max(...values('measure-1'))).toBeGreaterThan(0);

    const logs = JSON.parse(readFileSync(join(dir, logsFile('unprotected')), 'utf8')) as { error: string | null; lines: { level: string; message: string; traceId: string | null; service: string }[] };
    expect(logs.error).toBeNull();
    expect(logs.lines.length).toBe(LOAD_SECONDS / 2);
    for (const line of logs.lines) expect(line).toMatchObject({ level: 'warning', service: 'catalog', traceId: TRACE_ID, message: 'request failed: dependency_unavailable: database pool wait timed out' });

    const traces = JSON.parse(readFileSync(join(dir, tracesFile('unprotected')), 'utf8')) as { error: string | null; traces: unknown[] };
    expect(traces.traces).toEqual([]);
    expect(traces.error).toMatch(/^Jaeger did not answer/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('No traces found: Jaeger did not answer');
    expect(html).toContain(TRACE_ID);
  });
});
