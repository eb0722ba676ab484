/**
 * LOAD_PROCESSES=2: the runner starts two real embedded engines on segments 0:1/2 and 1/2:1 of one
 * script against a server of the test's own and merges what they wrote into the variant's own
 * files and result, which must say what one engine says of the same script: the same iterations
 * (none twice: the server sees every global iteration number once), requests, checks and VUs, a
 * per-second file whose seconds add up to the summary and whose histograms hold every request, and
 * thresholds judged on the whole: `count>=50` of 60 iterations holds for the test, though each
 * engine, with its 30, fails it on its own.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolvePorts } from '../../ports.ts';
import { stopStack } from '../../stack/index.ts';
import { readLoadSeconds } from '../../load-seconds/read.ts';
import { startLoad, type LoadRun } from '../load-engine.ts';
import { startLoadProcesses } from '../load-processes.ts';

const work = mkdtempSync(join(tmpdir(), 'faultline-processes-'));
const env: NodeJS.ProcessEnv = { ...process.env, LAB_DIR: join(work, 'lab') };
const ports = resolvePorts(env);
const seen: string[] = [];
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const who = new URL(req.url ?? '/', 'http://x').searchParams.get('who') ?? '';
    seen.push(who);
    // every tenth iteration is slow: a tail of 10 %, so p(95) of the whole lies in it and the median does not
    setTimeout(() => res.end('ok'), Number(who.split('-').at(-1)) % 10 === 9 ? 60 : 0);
  });
  await new Promise<void>((resolve) => server.listen(ports.gateway, '127.0.0.1', resolve));
});
afterAll(async () => {
  await stopStack(env);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const SCRIPT = `import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';
export const options = {
  scenarios: { load: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '3s', preAllocatedVUs: 6, maxVUs: 12 } },
  thresholds: { iterations: ['count>=50'], http_req_duration: ['p(95)<10000'], checks: ['rate>0.99'] },
};
export default async function () {
  const res = await http.asyncRequest('GET', __ENV.FAULTLINE_BASE_URL + '/?who=' + __ENV.FAULTLINE_VARIANT + '-' + exec.scenario.iterationInTest);
  check(res, { ok: (r) => r.status === 200 });
}
`;

it('two engine processes merge into what one engine writes', { timeout: 120_000 }, async () => {
  const script = join(work, 'load.js');
  writeFileSync(script, SCRIPT);
  const run = (variant: string): LoadRun => ({ engine: 'embedded', script, variant, scenario: 'processes', runId: 'processes-test', profile: 'smoke', duration: 3, vars: {}, resultsDir: work, env, remoteWrite: false });
  const one = await startLoad(run('one')).done;
  const two = await startLoadProcesses(run('two'), 2).done;

  // the server saw the whole schedule from each, every global iteration once
  const numbers = (variant: string) => seen.filter((w) => w.startsWith(`${variant}-`)).map((w) => Number(w.slice(variant.length + 1))).sort((a, b) => a - b);
  expect(numbers('one')).toEqual([...Array(60).keys()]);
  expect(numbers('two')).toEqual(numbers('one'));

  // each part failed its own share of `count>=50`; judged on the merge, the test holds it
  for (const part of [1, 2]) {
    const own = JSON.parse(readFileSync(join(work, `load-summary-two.part${part}-of-2.json`), 'utf8'));
    expect(own.metrics.iterations.count).toBe(30);
    expect(own.metrics.iterations.thresholds['count>=50']).toBe(true);
  }
  expect(one.exitCode).toBe(0);
  expect(two.exitCode).toBe(0);
  expect(two.thresholds.map((t) => [t.metric, t.expression, t.ok])).toEqual(one.thresholds.map((t) => [t.metric, t.expression, t.ok]));
  expect(two.thresholds.every((t) => t.ok)).toBe(true);

  // the variant's own files, in the one engine's shape and counts
  expect(two.summaryFile).toBe('load-summary-two.json');
  expect(two.secondsFile).toBe('load-seconds-two.ndjson');
  for (const metric of ['iterations', 'iterations_planned', 'http_reqs']) expect(two.summary[metric]!.count, metric).toBe(one.summary[metric]!.count);
  expect(two.summary.checks).toMatchObject({ passes: 60, fails: 0, value: 1 });
  expect(two.summary.vus_max!.value).toBe(one.summary.vus_max!.value);
  expect(Object.keys(two.summary.http_req_duration!).sort()).toEqual(Object.keys(one.summary.http_req_duration!).sort());
  expect(two.arrival).toMatchObject({ plannedIterations: 60, achievedIterations: 60, droppedIterations: 0 });

  const seconds = readLoadSeconds(join(work, 'load-seconds-two.ndjson'));
  const total = (pick: (s: (typeof seconds.seconds)[number]) => number) => seconds.seconds.reduce((n, s) => n + pick(s), 0);
  expect(total((s) => s.started)).toBe(60);
  expect(total((s) => s.requests)).toBe(60);
  expect(total((s) => s.latency.totalCount)).toBe(60);
  // trends: avg weighted by the parts' counts; percentiles from the merged histograms, between the parts' own
  const d = two.summary.http_req_duration!;
  const own = [1, 2].map((part) => JSON.parse(readFileSync(join(work, `load-summary-two.part${part}-of-2.json`), 'utf8')).metrics.http_req_duration as Record<string, number>);
  expect(own.map((o) => o.count)).toEqual([30, 30]);
  expect(d.avg!).toBeCloseTo((own[0]!.avg! * 30 + own[1]!.avg! * 30) / 60, 9);
  expect(d['p(95)']!).toBeGreaterThanOrEqual(55);
  expect(d['p(99)']!).toBeGreaterThanOrEqual(55);
  expect(d.med!).toBeLessThan(30);
  expect(d.min).toBe(Math.min(...own.map((o) => o.min!)));
  expect(d.max).toBe(Math.max(...own.map((o) => o.max!)));
  expect(readFileSync(join(work, 'load-two.log'), 'utf8')).toMatch(/^2 engine processes, execution segments i\/2 of an even sequence; their t = 0 within \d+ ms/);
  expect(existsSync(join(work, 'load-seconds-two.part1-of-2.ndjson'))).toBe(true);
});
