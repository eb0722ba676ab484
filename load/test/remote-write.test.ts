/**
 * The remote-write output against a real Prometheus (Debian's, on the lane's Prometheus port,
 * a data dir of its own): what is pushed is what PromQL reads back. Debian's Prometheus 2.42.0
 * takes native histograms over remote write once started with --enable-feature=native-histograms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePorts } from '../../lab/ports.ts';
import { NativeHistogramBuilder, RemoteWriter, STALE_NAN } from '../output/remote-write.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const port = resolvePorts(process.env).prometheus;
const base = `http://127.0.0.1:${port}`;
const run = `rw${process.pid}`;
let prometheus: ChildProcess | undefined;
let dir: string;

async function waitReady(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (prometheus?.exitCode !== null) throw new Error(`prometheus exited with ${prometheus?.exitCode} before it was ready`);
    const ok = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`prometheus on ${base} not ready after 30 s`);
}

/** An instant query's vector, as [labels, value] pairs. */
async function query(expr: string, timeSec: number): Promise<{ metric: Record<string, string>; value: number }[]> {
  const url = `${base}/api/v1/query?${new URLSearchParams({ query: expr, time: String(timeSec) })}`;
  const body = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

async function single(expr: string, timeSec: number): Promise<number> {
  const result = await query(expr, timeSec);
  expect(result, expr).toHaveLength(1);
  return result[0]!.value;
}

/** The q-quantile of sorted values as Prometheus's buckets see it: the value at rank q·n. */
function trueQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-rw-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--enable-feature=native-histograms',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prometheus.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  await waitReady().catch((err: Error) => {
    throw new Error(`${err.message}; its log ends: ${log.slice(-600)}`);
  });
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('remote write into a real Prometheus', () => {
  const writer = () => new RemoteWriter(`${base}/api/v1/write`);
  const labels = { variant: 'protected', faultline_run: run, method: 'GET', status: '200', empty: '' };

  it('a counter and a gauge read back as the values pushed, labels intact and empty labels left out', async () => {
    const t = Date.now() - 5000;
    await writer().write([
      { name: 'k6_http_reqs_total', labels, timestampMs: t - 2000, value: 5 },
      { name: 'k6_http_reqs_total', labels, timestampMs: t, value: 12 },
      { name: 'k6_vus', labels: { faultline_run: run }, timestampMs: t, value: 7 },
    ]);
    const counter = await query(`k6_http_reqs_total{faultline_run="${run}"}`, t / 1000);
    expect(counter).toEqual([
      { metric: { __name__: 'k6_http_reqs_total', variant: 'protected', faultline_run: run, method: 'GET', status: '200' }, value: 12 },
    ]);
    expect(await single(`k6_vus{faultline_run="${run}"}`, t / 1000)).toBe(7);
  });

  it('a native histogram of known values gives its count, sum and quantiles within one schema-3 bucket', async () => {
    const builder = new NativeHistogramBuilder();
    // durations in seconds: ten zeros (the zero bucket), then 1 ms to 2 s on a skewed spread
    const values = [...Array(10).fill(0), ...Array.from({ length: 2000 }, (_, i) => 0.001 * (i + 1) ** 2 / 2000)];
    const t = Date.now() - 4000;
    const half = values.length / 2;
    values.slice(0, half).forEach((v) => builder.observe(v));
    const first = builder.snapshot();
    values.slice(half).forEach((v) => builder.observe(v));
    await writer().write([
      { name: 'k6_http_req_duration_seconds', labels, timestampMs: t - 1000, histogram: first },
      { name: 'k6_http_req_duration_seconds', labels, timestampMs: t, histogram: builder.snapshot() },
    ]);
    const selector = `k6_http_req_duration_seconds{faultline_run="${run}"}`;
    expect(await single(`histogram_count(${selector})`, t / 1000)).toBe(values.length);
    expect(await single(`histogram_sum(${selector})`, t / 1000)).toBeCloseTo(values.reduce((a, b) => a + b, 0), 9);
    expect(await single(`histogram_count(${selector})`, (t - 1000) / 1000)).toBe(half);

    const sorted = [...values].sort((a, b) => a - b);
    const bucketFactor = 2 ** (1 / 8);
    for (const q of [0.5, 0.99]) {
      const truth = trueQuantile(sorted, q);
      const got = await single(`histogram_quantile(${q}, ${selector})`, t / 1000);
      expect(got, `p${q * 100}: true ${truth}`).toBeGreaterThanOrEqual(truth / bucketFactor);
      expect(got, `p${q * 100}: true ${truth}`).toBeLessThanOrEqual(truth * bucketFactor);
    }
  });

  it('a stale marker ends the series: an instant query after it finds nothing', async () => {
    const t = Date.now() - 3000;
    const gauge = { name: 'k6_vus_max', labels: { faultline_run: run } };
    await writer().write([
      { ...gauge, timestampMs: t - 1000, value: 3 },
      { ...gauge, timestampMs: t, value: STALE_NAN },
    ]);
    expect(await single(`k6_vus_max{faultline_run="${run}"}`, (t - 500) / 1000)).toBe(3);
    expect(await query(`k6_vus_max{faultline_run="${run}"}`, (t + 500) / 1000)).toEqual([]);
  });

  it('a URL that is not http(s) is refused at construction with one line naming the fix', () => {
    expect(() => new RemoteWriter('127.0.0.1:9090/api/v1/write')).toThrow(/^remote write URL "127\.0\.0\.1:9090\/api\/v1\/write" is not an http\(s\) URL: set K6_PROMETHEUS_RW_SERVER_URL/);
  });

  it('a non-2xx answer is one error line with the status and the receiver\'s reason', async () => {
    const sample = [{ name: 'k6_vus', labels: { faultline_run: run }, timestampMs: Date.now(), value: 1 }];
    const err = await new RemoteWriter(`${base}/api/v1/no-such-endpoint`).write(sample).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/no-such-endpoint failed: HTTP 404/);
    expect(err?.message).not.toContain('\n');
  });

  it('a receiver that is not there, or does not answer in time, is one error line naming the cause', async () => {
    const sample = [{ name: 'k6_vus', labels: { faultline_run: run }, timestampMs: Date.now(), value: 1 }];
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const timedOut = await new RemoteWriter(`http://127.0.0.1:${silentPort}/api/v1/write`, { timeoutMs: 300 }).write(sample).then(() => undefined, (e: Error) => e);
      expect(timedOut?.message).toBe(`remote write to http://127.0.0.1:${silentPort}/api/v1/write failed: no answer within 300 ms: is Prometheus running there with --web.enable-remote-write-receiver?`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    const refused = await new RemoteWriter(`http://127.0.0.1:${silentPort}/api/v1/write`).write(sample).then(() => undefined, (e: Error) => e);
    expect(refused?.message).toBe(`remote write to http://127.0.0.1:${silentPort}/api/v1/write failed: ECONNREFUSED: is Prometheus running there with --web.enable-remote-write-receiver?`);
  });
});

describe('native histogram bucketing as Prometheus defines it', () => {
  it('schema 3 puts a value on a bucket boundary in the bucket whose upper bound it is', () => {
    const h = new NativeHistogramBuilder();
    expect([0.5, 1, 2, 1.0001, 2 ** (1 / 8) * 1.0000001, 0.75].map((v) => h.bucketKey(v))).toEqual([-8, 0, 8, 1, 2, -3]);
    expect([1, 3, 4, 0.3].map((v) => new NativeHistogramBuilder(0).bucketKey(v))).toEqual([0, 2, 2, -1]);
    expect(new NativeHistogramBuilder(-1).bucketKey(5)).toBe(2);
  });

  it('spans cover runs of buckets, bridging gaps of up to two empty ones, and counts are delta-encoded', () => {
    const h = new NativeHistogramBuilder();
    for (const v of [0, 0.75, 1, 1.05, 1.09, 1.1, 2, 5, 5.2]) h.observe(v);
    expect(h.snapshot()).toEqual({
      schema: 3,
      zeroThreshold: 2 ** -128,
      zeroCount: 1,
      count: 9,
      sum: 0.75 + 1 + 1.05 + 1.09 + 1.1 + 2 + 5 + 5.2,
      // keys -3, 0, 1 (x2), 2 | 8 | 19, 20
      positiveSpans: [{ offset: -3, length: 6 }, { offset: 5, length: 1 }, { offset: 10, length: 2 }],
      positiveDeltas: [1, -1, 0, 1, 1, -1, 0, 0, 0],
    });
  });

  it('refuses what the positive buckets cannot hold, and schemas Prometheus does not know', () => {
    const h = new NativeHistogramBuilder();
    expect(() => h.observe(-0.001)).toThrow(/not a finite value >= 0/);
    expect(() => h.observe(NaN)).toThrow(/not a finite value >= 0/);
    expect(() => new NativeHistogramBuilder(9)).toThrow(/from -4 to 8/);
  });
});
