/**
 * Records the results directory the report's tests render: a real open-model load (bounded:
 * RATE/s for DURATION s per variant) against fixture-shop.ts, one process per variant, scraped by
 * a real Prometheus; the per-second file written as the load engine writes it (HDR histograms of
 * the measured latencies), hypotheses judged by the runner's own judge against that Prometheus,
 * panels stored by the report's own collector. Regenerate after a summary schema change:
 *   LAB_PORT_OFFSET=34000 node_modules/.bin/node lab/report/test/record-fixture.ts lab/report/test/fixtures/cache-stampede
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { format, judgeHypotheses } from '../../runner/hypotheses.ts';
import { PrometheusClient } from '../../prometheus-client.ts';
import type { Hypothesis } from '../../runner/schema.ts';
import { labDir } from '../../paths.ts';
import { resolvePorts } from '../../ports.ts';
import { RULES_DIR } from '../../stack/rules.ts';
import { writeReport } from '../index.ts';
import { loadSecondsFile } from '../../load-seconds/read.ts';
import { logsFile, tracesFile, writeStored } from '../stored-data.ts';
import { recordLoad, type LoadRecord } from './fixture-load.ts';
import { engineFigures, loadSecondsNdjson } from './fixture-seconds.ts';

const RATE = 100;
const HOT_KEYS = 5;
const DURATION = 18;
const FAULT_AT = 6;
const FAULT_FOR = 6;
const EXPIRE_EVERY = 2;
const WARMUP = 3;
const SETTLE = 2;
const VARIANTS = { unprotected: { strategy: 'naive', description: 'naive cache-aside: every concurrent miss queries the database' }, protected: { strategy: 'protected', description: 'single flight with stale-while-revalidate' } } as const;

const DB_QUERIES = 'sum(increase(db_client_operation_duration_seconds_count{job="catalog",db_collection_name="products"}[$window])) or vector(0)';
const HYPOTHESES: Hypothesis[] = [
  { name: 'protected: at most 1.5 database queries per hot key per expiry', measure: { promql: DB_QUERIES }, phase: 'fault', variants: ['protected'], expect: { op: '<=', value: 1.5 * HOT_KEYS * 3 } },
  { name: 'unprotected: the expiries fan out to at least 2 queries per hot key per expiry', measure: { promql: DB_QUERIES }, phase: 'fault', variants: ['unprotected'], expect: { op: '>=', value: 2 * HOT_KEYS * 3 } },
  { name: 'protected sends at most a third of the database queries unprotected sends', measure: { promql: DB_QUERIES }, phase: 'fault', variants: ['protected'], expect: { op: '<=', factor: 1 / 3, of: { variant: 'unprotected' }, plus: 0 } },
  { name: 'after the expiries the cache serves again (at most 5 queries)', measure: { promql: DB_QUERIES }, phase: 'recovery', expect: { op: '<=', value: 5 } },
  { name: 'protected: no failed requests', measure: { k6: 'http_req_failed', stat: 'value' }, phase: 'run', variants: ['protected'], expect: { op: '==', value: 0 } },
];

function startChild(command: string, args: string[], ready: (line: string) => boolean): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const errors = createInterface({ input: child.stderr! });
    const check = (line: string) => ready(line) && resolveReady({ child, line });
    lines.on('line', check);
    errors.on('line', check);
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready`)));
  });
}

const stats = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { cpuSeconds: number; eventLoopP99Ms: number; residentMiB: number; traces: LoadRecord['traces']; logs: LoadRecord['logs'] };

async function main(out: string): Promise<void> {
  const ports = resolvePorts(process.env);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const work = join(labDir(), 'report-fixture');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const node = process.execPath;
  const shops: Record<string, { child: ChildProcess; port: number }> = {};
  const children: ChildProcess[] = [];
  try {
    for (const [name, v] of Object.entries(VARIANTS)) {
      const { child, line } = await startChild(node, [join(import.meta.dirname, 'fixture-shop.ts'), v.strategy], (l) => l.startsWith('{"port"'));
      children.push(child);
      shops[name] = { child, port: (JSON.parse(line) as { port: number }).port };
    }
    const config = join(work, 'prometheus.yml');
    writeFileSync(config, `global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: ['${RULES_DIR}/*.yml']\nscrape_configs:\n  - job_name: catalog\n    static_configs: [{targets: [${Object.values(shops).map((s) => `'127.0.0.1:${s.port}'`).join(', ')}]}]\n`);
    const prom = await startChild('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`], (l) => l.includes('Server is ready to receive web requests'));
    children.push(prom.child);
    const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
    await sleep(2000);

    const variants = [];
    const windows = [];
    for (const [name, v] of Object.entries(VARIANTS)) {
      const shop = shops[name]!;
      const record = await recordLoad({ port: shop.port, rate: RATE, duration: DURATION, fault: { at: FAULT_AT, for: FAULT_FOR, every: EXPIRE_EVERY }, stats: () => stats(shop.port), phases: { warmup: WARMUP, settle: SETTLE } });
      await sleep(2500);
      writeFileSync(join(out, loadSecondsFile(name)), loadSecondsNdjson(record, { variant: name, faultline_run: 'fixture' }));
      const figures = engineFigures(record, RATE);
      figures.engine.secondsFile = loadSecondsFile(name);
      writeStored(out, tracesFile(name), { schema: 'faultline.report-traces/v1', variant: name, source: 'fixture-shop spans (recorded)', error: null, traces: record.slowestTraces });
      writeStored(out, logsFile(name), { schema: 'faultline.report-logs/v1', variant: name, source: 'fixture-shop log lines (recorded)', error: null, lines: record.faultLogs });
      windows.push({ variant: name, phases: record.phaseWindows, k6: figures.engine.metrics });
      variants.push({ name, description: v.description, record, figures });
    }
    const prometheus = new PrometheusClient(ports.prometheus);
    const results = await judgeHypotheses(HYPOTHESES, windows, { prometheus, scenario: 'cache-stampede' });
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const win = (w: { start: number; end: number }) => ({ start: iso(w.start), end: iso(w.end), seconds: Math.round((w.end - w.start) * 10) / 10 });
    const checks = variants.flatMap((v) => [
      { check: 'arrival-rate', variant: v.name, ok: v.figures.engine.arrival.achievedRate >= 0.95 * RATE, detail: `achieved ${v.figures.engine.arrival.achievedRate.toFixed(1)}/s of ${RATE}/s planned` },
      { check: 'load-schedule', variant: v.name, ok: (v.figures.engine.startLag.p99Ms ?? 0) <= v.figures.engine.startLag.boundMs, detail: `start lag p99 ${v.figures.engine.startLag.p99Ms?.toFixed(1)} ms (bound ${v.figures.engine.startLag.boundMs} ms)` },
    ]);
    const failed = results.some((r) => r.outcome === 'failed');
    const inconclusive = checks.some((c) => !c.ok);
    const verdict = inconclusive ? 'inconclusive' : failed ? 'failed' : 'passed';
    const buildInfo = (await (await fetch(`${prometheusUrl}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
    const summary = {
      schema: 'faultline.summary/v2',
      scenario: 'cache-stampede',
      title: 'a hot set expires under load: naive cache-aside stampedes the database, the protected cache refreshes once',
      profile: 'smoke',
      startedAt: variants[0]!.record.startedAt,
      finishedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - Date.parse(variants[0]!.record.startedAt)) / 1000,
      verdict,
      exitCode: { passed: 0, failed: 1, inconclusive: 3 }[verdict],
      reasons: [...results.filter((r) => r.outcome === 'failed').map((r) => `${r.variant}: ${r.name}: observed ${format(r.observed)}, expected ${r.expected}`), ...checks.filter((c) => !c.ok).map((c) => `${c.check} (${c.variant}): ${c.detail}`)],
      variants: variants.map((v) => ({
        name: v.name,
        description: v.description,
        switches: { catalog: { cacheStrategy: VARIANTS[v.name as keyof typeof VARIANTS].strategy } },
        load: win(v.record.phaseWindows.run!),
        phases: Object.fromEntries(Object.entries(v.record.phaseWindows).map(([p, w]) => [p, win(w)])),
        faults: [{ id: '1-cache_expire', fault: 'cache_expire', target: 'catalog', attributes: { every: EXPIRE_EVERY }, plannedAt: FAULT_AT, plannedDuration: FAULT_FOR, state: 'reverted', appliedAt: iso(v.record.fault.start), revertedAt: iso(v.record.fault.end), detail: { expiries: v.record.fault.expiries }, error: null, noEffect: null, visibility: null }],
        engine: v.figures.engine,
        services: v.record.services,
        cost: v.figures.cost,
      })),
      hypotheses: results,
      checks,
      environment: {
        gitCommit: null,
        gitDirty: null,
        versions: { node: process.versions.node, prometheus: buildInfo.data.version, 'hdr-histogram-js': '3.0.1' },
        host: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
        ports: { offset: Number(process.env.LAB_PORT_OFFSET ?? 0), prometheus: ports.prometheus, gateway: ports.gateway },
        engine: 'embedded',
        profile: 'smoke',
      },
      files: { junit: 'junit.xml', report: 'report.html', dashboards: [] },
    };
    writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeReport(out, { prometheus: prometheusUrl, scenario: { teaches: 'When many readers share a few hot keys, the moment their TTL runs out every concurrent reader misses and queries the database at once. Single flight with stale-while-revalidate serves the old value for a moment and refreshes each key once.', hypotheses: HYPOTHESES } });
    rmSync(join(out, 'report.html'));
    process.stdout.write(`recorded ${out}: ${verdict}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
  }
}

await main(resolve(process.argv[2] ?? 'lab/report/test/fixtures/cache-stampede'));
