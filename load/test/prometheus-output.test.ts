/**
 * `--out experimental-prometheus-rw` into a real Prometheus (Debian's, on the lane's Prometheus
 * port): the run's built-in metrics are there under k6's names and labels, the latency as a
 * native histogram, and stale markers end the series.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePorts } from '../../lab/ports.ts';
import { runEngine, script, startServer, type TestServer } from './run-engine.ts';

const base = `http://127.0.0.1:${resolvePorts(process.env).prometheus}`;
let prometheus: ChildProcess;
let server: TestServer;

async function vector(expr: string, atSec: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: expr, time: String(atSec) })}`);
  const body = (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result;
}

beforeAll(async () => {
  server = await startServer(5);
  const dir = mkdtempSync(join(tmpdir(), 'faultline-engine-rw-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  prometheus = spawn('/usr/bin/prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${base.slice('http://'.length)}`, '--web.enable-remote-write-receiver', '--enable-feature=native-histograms',
  ], { stdio: 'ignore' });
  for (let i = 0; i < 150 && !(await fetch(`${base}/-/ready`).then((r) => r.ok, () => false)); i++) await sleep(200);
});

afterAll(async () => {
  // wait for its exit, so the next file's Prometheus finds the port free
  const exited = new Promise((resolve) => prometheus.once('exit', resolve));
  prometheus.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (prometheus.exitCode === null && prometheus.signalCode === null) prometheus.kill('SIGKILL');
  await server.close();
});

describe('remote write output', () => {
  it("lands the run's metrics in Prometheus under k6's names, tagged with the test-wide tags", async () => {
    const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 20, duration: '2s', preAllocatedVUs: 40 } } };
    const run = `rw${process.pid}`;
    const result = await runEngine(script(options, `await http.asyncRequest('GET', url + '/', null, { tags: { name: 'root' } });`), [
      '-e', `TARGET=${server.url}`, '--out', 'experimental-prometheus-rw', '--tag', `faultline_run=${run}`, '--tag', 'variant=protected',
    ], { env: { K6_PROMETHEUS_RW_SERVER_URL: `${base}/api/v1/write`, K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s', K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true', K6_PROMETHEUS_RW_STALE_MARKERS: 'true' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const at = Date.now() / 1000;
    // the last value of each series before its stale marker (range selectors skip stale markers)
    const last = (metric: string): string => `sum(last_over_time(${metric}${selector}[1m]))`;
    const selector = `{faultline_run="${run}",variant="protected",scenario="load"}`;
    const sent = result.summary!.metrics.http_reqs!.count;
    const requests = await vector(last('k6_http_reqs_total'), at);
    expect(Number(requests[0]?.value[1])).toBe(sent);
    const byLabels = await vector(`last_over_time(k6_http_reqs_total${selector}[1m])`, at);
    expect(byLabels[0]?.metric).toMatchObject({ method: 'GET', status: '200', name: 'root', expected_response: 'true' });
    // a 1 ms subquery: the final histogram and its stale marker lie 1 ms apart
    expect(Number((await vector(`sum(max_over_time(histogram_count(k6_http_req_duration_seconds${selector})[10s:1ms]))`, at))[0]?.value[1])).toBe(sent);
    expect(Number((await vector(last('k6_iterations_planned_total'), at))[0]?.value[1])).toBe(40);
    expect(Number((await vector(last('k6_http_req_failed_rate'), at))[0]?.value[1])).toBe(0);
    expect(await vector(`k6_http_reqs_total${selector}`, at)).toEqual([]); // stale-marked: no instant value any more
  });
});
