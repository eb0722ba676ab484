/**
 * A latency quantile "during the faults" over the seconds a fault was on, from the load engine's
 * real native histograms (remote write into a real Prometheus): a server slow in two 2 s stretches
 * 8 s apart, and the calm seconds between them left out of the fault phase's median.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { PrometheusClient } from '../../prometheus-client.ts';
import { resolvePorts } from '../../ports.ts';
import { stopStack } from '../../stack/index.ts';
import { judgeHypotheses } from '../hypotheses.ts';
import { startLoad } from '../load-engine.ts';
import { quantileOverJudged } from '../promql.ts';
import { scenarioSchema } from '../schema.ts';
import { startPrometheus, type TestServer } from './servers.ts';

const work = mkdtempSync(join(tmpdir(), 'faultline-quantile-'));
const env: NodeJS.ProcessEnv = { ...process.env, LAB_DIR: join(work, 'lab') };
const ports = resolvePorts(env);
/** The server is slow (100 ms) in the first 2 s of every 8 s of the clock, fast (1 ms) otherwise. */
const slowAt = (second: number) => second % 8 < 2;

let prometheus: TestServer;
let server: ChildProcess;

beforeAll(async () => {
  prometheus = await startPrometheus(ports.prometheus);
  const code = `require('node:http').createServer((req, res) => setTimeout(() => res.end('ok'), Math.floor(Date.now() / 1000) % 8 < 2 ? 100 : 1)).listen(${ports.gateway}, '127.0.0.1');`;
  server = spawn(join(PROJECT_ROOT, 'node_modules/.bin/node'), ['-e', code], { stdio: 'ignore' });
  await sleep(500);
});
afterAll(async () => {
  await stopStack(env);
  server?.kill();
  await prometheus?.stop();
});

it('the fault phase median of two slow stretches is slow; over the envelope with its calm gap it is not', { timeout: 60_000 }, async () => {
  const script = join(work, 'load.js');
  writeFileSync(
    script,
    `import http from 'k6/http';
export const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 30, timeUnit: '1s', duration: '20s', preAllocatedVUs: 10, maxVUs: 20 } } };
export default async function () { await http.asyncRequest('GET', __ENV.FAULTLINE_BASE_URL + '/'); }
`,
  );
  const load = startLoad({ engine: 'embedded', script, variant: 'q', scenario: 'quantile', runId: 'quantile-test', profile: 'smoke', duration: 20, vars: {}, resultsDir: work, env });
  const zero = (await load.started) / 1000;
  await load.done;
  await sleep(2500); // the last remote writes
  // the two slow stretches inside the load: the "faults"
  const first = Math.ceil(zero) + [...Array(8).keys()].find((k) => slowAt(Math.ceil(zero) + k) && !slowAt(Math.ceil(zero) + k - 1))!;
  const faults = [{ start: first, end: first + 2 }, { start: first + 8, end: first + 10 }];
  const phases = { run: { start: zero, end: zero + 20 }, fault: { start: first, end: first + 10 } };
  const hypothesis = scenarioSchema.parse({
    title: 't', teaches: 't', variants: { q: { description: 'q' } }, profiles: { smoke: { duration: 20 }, full: { duration: 20 } },
    hypotheses: [{ name: 'median during the faults', measure: { promql: quantileOverJudged(0.5, 'k6_http_req_duration_seconds{variant="$variant"}') }, phase: 'fault', expect: { op: '>=', value: 0.05 } }],
  }).hypotheses;
  const ctx = { prometheus: new PrometheusClient(ports.prometheus), scenario: 'quantile' };
  const [active] = await judgeHypotheses(hypothesis, [{ variant: 'q', phases, faultIntervals: faults }], ctx);
  const [envelope] = await judgeHypotheses(hypothesis, [{ variant: 'q', phases }], ctx);
  expect(active!.observed!).toBeGreaterThanOrEqual(0.05);
  expect(active!.outcome).toBe('held');
  expect(envelope!.observed!).toBeLessThan(0.05);
});
