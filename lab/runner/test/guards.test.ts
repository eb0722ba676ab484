/**
 * The run guards on real load: the embedded engine against a real HTTP server is quiet on an idle
 * run, falls behind its schedule when its script busy-loops past the rate's budget, and drops
 * iterations and exhausts its VU pool when the server is slower than the pool allows. A k6 on PATH
 * (a stand-in that checks the command line a real k6 gets) is read through the same path. Busy
 * processes outside the lab trip machine-load; the lab's own, short-lived ones do not. An engine
 * whose runner was killed is ended by `make down` (stopStack).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { resolvePorts } from '../../ports.ts';
import { isRunning } from '../../stack/processes.ts';
import { stopStack } from '../../stack/index.ts';
import { engineCommand, K6_START_OF_LOAD, prioritizeEngine, startLoad, type EngineName } from '../load-engine.ts';
import { PrometheusClient } from '../../prometheus-client.ts';
import { measureServices, saturationBounds, saturationChecks } from '../service-load.ts';
import { scenarioSchema } from '../schema.ts';
import type { EngineResult } from '../load-result.ts';
import type { VariantSummary } from '../../run-summary/summary.ts';
import { loadChecks } from '../verdict.ts';
import { OTHER_WORK_CORES } from '../machine-load.ts';
import { loadProcesses } from './leftovers.ts';
import { startPrometheus, type TestServer } from './servers.ts';

const work = mkdtempSync(join(tmpdir(), 'faultline-guards-'));
const env: NodeJS.ProcessEnv = { ...process.env, LAB_DIR: join(work, 'lab') };
const ports = resolvePorts(env);
const STAND_IN = join(import.meta.dirname, 'stand-in-k6');

let server: ChildProcess;
let prometheus: TestServer;

/**
 * Answers every request 200 after `?delay=` ms, in a process of its own at the engine's priority,
 * so that what the guards see is the engine's schedule, not a starved test process answering late.
 */
async function startTarget(port: number): Promise<ChildProcess> {
  const code = `require('node:http').createServer((req, res) => {
    const delay = Number(new URL(req.url, 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(() => res.end('ok'), delay);
  }).listen(${port}, '127.0.0.1', () => process.stdout.write('ready\\n'));`;
  const child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/node'), ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    setPriority(child.pid!, -5);
  } catch {
    // not root: normal priority
  }
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

function script(name: string, body: { rate: number; seconds: number; pre: number; max: number; delayMs?: number; busyMs?: number }): string {
  const path = join(work, `${name}.js`);
  writeFileSync(
    path,
    `import http from 'k6/http';
export const options = {
  scenarios: { load: { executor: 'constant-arrival-rate', rate: ${body.rate}, timeUnit: '1s', duration: '${body.seconds}s', preAllocatedVUs: ${body.pre}, maxVUs: ${body.max}, gracefulStop: '2s' } },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};
export default async function () {
  const until = Date.now() + ${body.busyMs ?? 0};
  while (Date.now() < until) { /* the script's own CPU work, on the engine's event loop */ }
  await http.asyncRequest('GET', __ENV.FAULTLINE_BASE_URL + '/?delay=${body.delayMs ?? 0}');
}
`,
  );
  return path;
}

/** The engine's result, with when it was spawned and the t = 0 the runner took from it (epoch ms). */
async function run(name: string, path: string, seconds: number, engine: EngineName = 'embedded', extraEnv: NodeJS.ProcessEnv = {}): Promise<EngineResult & { spawnedAt: number; zero: number; resultsDir: string }> {
  const resultsDir = mkdtempSync(join(work, `results-${name}-`));
  const spawnedAt = Date.now();
  const load = startLoad({ engine, script: path, variant: name, scenario: 'guards', runId: 'guards-test', profile: 'smoke', duration: seconds, vars: {}, resultsDir, env: { ...env, ...extraEnv } });
  const zero = await load.started;
  const { summary: _metrics, ...result } = await load.done;
  return { ...result, spawnedAt, zero, resultsDir };
}

function asVariant(name: string, engine: EngineResult | undefined): VariantSummary {
  const window = { start: '', end: '', seconds: 0 };
  return { name, description: name, switches: {}, load: window, phases: {}, faults: [], engine: engine ?? null, services: {}, cost: { cpuSecondsPerSuccess: null, downstreamPerRequest: null, peakMemoryMiB: null }, autoscaler: null };
}

const tripped = (result: EngineResult) => loadChecks(asVariant('v', result)).filter((c) => !c.ok).map((c) => c.check);

/** Stand-in services Prometheus scrapes once they run (`catalog` is pinned busy). */
const SERVICES = { catalog: ports.catalog };
const scrape = Object.entries(SERVICES).map(([job, port]) => `  - job_name: ${job}\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`).join('');

/** A process publishing prom-client's default metrics (the app's process and event-loop series), spinning its event loop for `seconds`. */
function startBusyService(port: number, seconds: number): ChildProcess {
  const code = `const client = require('prom-client'); client.collectDefaultMetrics();
  require('node:http').createServer(async (req, res) => res.end(await client.register.metrics())).listen(${port}, '127.0.0.1');
  setTimeout(() => process.exit(0), ${seconds * 1000});
  const spin = () => { const until = Date.now() + 350; while (Date.now() < until) {} setImmediate(spin); };
  spin();`;
  return spawn(join(PROJECT_ROOT, 'node_modules/.bin/node'), ['-e', code], { stdio: 'ignore', cwd: PROJECT_ROOT });
}

beforeAll(async () => {
  prometheus = await startPrometheus(ports.prometheus, undefined, scrape);
  server = await startTarget(ports.gateway);
});

afterAll(async () => {
  await stopStack(env);
  server?.kill();
  await prometheus?.stop();
});

describe('the embedded engine keeps its schedule or the run says it did not', () => {
  it('an idle run at 200/s trips no guard: nothing dropped, start lag p99 under the bound', async () => {
    const result = await run('idle', script('idle', { rate: 200, seconds: 4, pre: 100, max: 200 }), 4);
    expect(result.exitCode).toBe(0);
    expect(result.arrival.plannedIterations).toBeGreaterThanOrEqual(795);
    expect(result.arrival.droppedIterations).toBe(0);
    expect(result.startLag!.p99Ms).toBeLessThanOrEqual(result.startLag!.boundMs);
    expect(tripped(result)).toEqual([]);
    expect(result.secondsFile).toBe('load-seconds-idle.ndjson');
    // the runner counts faults and phases from the engine's own t = 0, after its start-up and warm-up
    const header = JSON.parse(readFileSync(join(result.resultsDir, result.secondsFile!), 'utf8').split('\n')[0]!) as { startedAt: number };
    expect(result.zero).toBe(header.startedAt);
    expect(result.zero).toBeGreaterThan(result.spawnedAt);
  });

  it('t = 0 is the engine\'s own even when making it real-time is slow (a chrt taking 3 s, which must not hold the runner)', async () => {
    const slowChrt = mkdtempSync(join(work, 'chrt-'));
    writeFileSync(join(slowChrt, 'chrt'), '#!/bin/sh\nsleep 3\nexit 1\n', { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${slowChrt}:${path}`;
    try {
      const result = await run('slow-chrt', script('slow-chrt', { rate: 50, seconds: 5, pre: 10, max: 20 }), 5);
      const header = JSON.parse(readFileSync(join(result.resultsDir, result.secondsFile!), 'utf8').split('\n')[0]!) as { startedAt: number };
      expect(result.zero).toBe(header.startedAt);
    } finally {
      process.env.PATH = path;
    }
  });

  it('a script that busy-loops 8 ms per iteration at 200/s falls behind: load-schedule trips', async () => {
    const result = await run('busy', script('busy', { rate: 200, seconds: 3, pre: 20, max: 50, busyMs: 8 }), 3);
    expect(result.startLag!.p99Ms).toBeGreaterThan(result.startLag!.boundMs);
    expect(tripped(result)).toContain('load-schedule');
  });

  it('a server slower than the VU pool allows: iterations are dropped and the pool is exhausted', async () => {
    const result = await run('slow', script('slow', { rate: 20, seconds: 3, pre: 2, max: 3, delayMs: 1000 }), 3);
    expect(result.arrival.droppedIterations).toBeGreaterThan(result.arrival.plannedIterations / 2);
    expect(result.vus.exhausted).toBe(true);
    expect(tripped(result)).toEqual(expect.arrayContaining(['arrival-rate', 'vu-pool']));
  });
});

describe('the saturation guards trip for real', () => {
  it('a CPU hog beside the engine, on its core at its priority, starves it: load-cpu trips', async () => {
    const resultsDir = mkdtempSync(join(work, 'results-hog-'));
    const load = startLoad({ engine: 'embedded', script: script('hog', { rate: 100, seconds: 4, pre: 20, max: 50 }), variant: 'hog', scenario: 'guards', runId: 'guards-test', profile: 'smoke', duration: 4, vars: {}, resultsDir, env });
    const hog = spawn('taskset', ['-c', '0', join(PROJECT_ROOT, 'node_modules/.bin/node'), '-e', 'const until = Date.now() + 6000; while (Date.now() < until) {}'], { stdio: 'ignore' });
    try {
      // one core for both, and from the start of load the hog gets whatever priority the engine
      // gets then (real-time where the lab may)
      execFileSync('taskset', ['-a', '-p', '-c', '0', String(load.pid)], { stdio: 'ignore' });
      await load.started;
      await prioritizeEngine(hog.pid!);
      const { summary: _metrics, ...result } = await load.done;
      expect(result.cpu.starved).toBe(true);
      expect(tripped(result)).toContain('load-cpu');
    } finally {
      hog.kill('SIGKILL');
    }
  });

  it('other work beside the run, outside the lab, trips machine-load and names it; the lab\'s own short-lived processes do not', async () => {
    // two busy loops on the machine's cores, started through a shell that exits at once: they
    // belong to init, not to this test (whose process tree is the lab's, as the runner's is)
    const hog = `process.title = 'faultline-hog'; const until = Date.now() + 9000; while (Date.now() < until) {}`;
    const hogs = execFileSync('sh', ['-c', `for i in 1 2; do '${join(PROJECT_ROOT, 'node_modules/.bin/node')}' -e "${hog}" >/dev/null 2>&1 & echo $!; done`], { encoding: 'utf8' }).trim().split('\n').map(Number);
    try {
      const result = await run('other-work', script('other-work', { rate: 100, seconds: 4, pre: 20, max: 50 }), 4);
      expect(result.machine!.otherCores).toBeGreaterThan(1);
      expect(result.machine!.busiestOther[0]!.command).toBe('faultline-hog');
      expect(tripped(result)).toContain('machine-load');
    } finally {
      for (const pid of hogs) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    // busy processes of a quarter second one after another, children of the test's own shell, are
    // the lab's work (as a compose stack's health checks are): counted to the shell that reaped them
    const short = `const until = Date.now() + 250; while (Date.now() < until) {}`;
    const own = spawn('sh', ['-c', `end=$(($(date +%s) + 9)); while [ $(date +%s) -lt $end ]; do '${join(PROJECT_ROOT, 'node_modules/.bin/node')}' -e "${short}"; done`], { stdio: 'ignore', detached: true });
    try {
      const result = await run('own-work', script('own-work', { rate: 100, seconds: 4, pre: 20, max: 50 }), 4);
      expect(result.machine!.otherCores, JSON.stringify(result.machine)).toBeLessThan(OTHER_WORK_CORES);
      expect(result.machine!.labCores).toBeGreaterThan(0.8);
      expect(tripped(result)).not.toContain('machine-load');
    } finally {
      process.kill(-own.pid!, 'SIGKILL');
    }
  });

  it('a service pinned busy trips sut-saturation with the bounds every scenario gets by default', async () => {
    const busy = startBusyService(SERVICES.catalog, 12);
    try {
      await sleep(9000);
      const end = Date.now() / 1000;
      const services = await measureServices(new PrometheusClient(ports.prometheus), ['catalog'], { steady: { start: end - 6, end } });
      const variant = { ...asVariant('v', undefined), services };
      const bounds = saturationBounds(scenarioSchema.parse({ title: 't', teaches: 't', variants: { v: { description: 'v' } }, profiles: { smoke: { duration: 9 }, full: { duration: 9 } }, hypotheses: [{ name: 'h', measure: { k6: 'http_reqs', stat: 'count' }, expect: { op: '>', value: 0 } }] }).saturation);
      const [check] = saturationChecks(variant, bounds);
      expect(check).toMatchObject({ check: 'sut-saturation', ok: false });
      expect(check!.detail, JSON.stringify(services)).toMatch(/catalog's event loop lagged/);
      expect(services.steady!.catalog!.eventLoopP99Ms!).toBeGreaterThan(bounds.eventLoopP99Ms);
    } finally {
      busy.kill('SIGKILL');
    }
  });
});

describe('--engine k6 runs a k6 found on PATH with the same command line', () => {
  it('the stand-in k6 gets a k6 command line and its recorded summary is read like the embedded one', async () => {
    const record = join(work, 'k6-args.txt');
    const path = script('k6', { rate: 120, seconds: 20, pre: 10, max: 50 });
    const result = await run('k6', path, 20, 'k6', { PATH: `${STAND_IN}:${process.env.PATH}`, K6_STAND_IN_RECORD: record });
    const given = readFileSync(record, 'utf8');
    expect(given).toContain(`script=${path}`);
    expect(given).toMatch(/^tag=variant=k6$/m);
    expect(given).toMatch(/^tag=faultline_run=guards-test$/m);
    expect(given).toContain(`env=FAULTLINE_BASE_URL=http://127.0.0.1:${ports.gateway}`);
    expect(given).toContain(`rw=http://127.0.0.1:${ports.prometheus}/api/v1/write`);
    expect(given).toMatch(/^dashboard=.*k6-dashboard-k6\.html$/m);
    // t = 0 is k6's own start of load (its scheduler's debug line after VU init), not its spawn
    expect(given).toMatch(/^verbose=1$/m);
    expect(result.zero - result.spawnedAt).toBeGreaterThanOrEqual(1000);
    expect(readFileSync(join(result.resultsDir, result.log!), 'utf8')).toContain(K6_START_OF_LOAD);
    expect(result.engine).toBe('k6');
    expect(result.arrival).toMatchObject({ plannedIterations: 2400, achievedIterations: 2397, droppedIterations: 3 });
    expect(result.startLag).toBeNull();
    expect(result.thresholds).toEqual([
      { metric: 'http_req_duration', expression: 'p(99)<500', ok: true, observed: 8.71, bound: 500 },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: true, observed: 0, bound: 0.01 },
    ]);
    expect(loadChecks(asVariant('k6', result)).find((c) => c.check === 'load-schedule')?.detail).toMatch(/does not measure start lag/);
  });

  it('without a k6 on PATH, --engine k6 is one line naming the fix', () => {
    expect(() => engineCommand('k6', { PATH: join(work, 'nowhere') })).toThrow(/^--engine k6 needs a k6 binary on PATH .*use the default --engine embedded$/);
  });
});

describe('the engine is one of the lab\'s processes', () => {
  it('an engine whose runner was SIGKILLed is ended by make down (stopStack)', async () => {
    const path = script('orphan', { rate: 20, seconds: 60, pre: 5, max: 10 });
    const starter = join(work, 'starter.ts');
    writeFileSync(
      starter,
      `import { startLoad } from ${JSON.stringify(join(PROJECT_ROOT, 'lab/runner/load-engine.ts'))};
const load = startLoad({ engine: 'embedded', script: ${JSON.stringify(path)}, variant: 'orphan', scenario: 'guards', runId: 'guards-test', profile: 'smoke', duration: 60, vars: {}, resultsDir: ${JSON.stringify(work)}, env: process.env });
process.stdout.write(load.pid + '\\n');
await load.done;
`,
    );
    const runner = spawn(join(PROJECT_ROOT, 'node_modules/.bin/node'), [starter], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => runner.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    await sleep(1000);
    runner.kill('SIGKILL');
    await sleep(500);
    expect(isRunning(pid)).toBe(true); // orphaned, still loading
    const report = await stopStack(env);
    expect(report.stopped).toContain('load-orphan');
    expect(isRunning(pid)).toBe(false);
    expect(loadProcesses(env)).toEqual([]);
    const runDir = join(env.LAB_DIR!, 'run');
    expect(existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.pid')) : []).toEqual([]);
  });
});
