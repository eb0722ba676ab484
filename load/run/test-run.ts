/**
 * One test run from script to exit code: init context, options, setup, the warm-up, the scenarios
 * on a common t = 0, the once-a-second gauges and threshold checks, teardown, the summary outputs.
 */
import { writeFileSync } from 'node:fs';
import { ArrivalRateScenario, type IterationHost } from '../executors/arrival-rate.ts';
import { closeConnections } from '../http/connections.ts';
import { FanOut } from '../metrics/fan-out.ts';
import type { Tags } from '../metrics/sample.ts';
import { SecondsFile } from '../metrics/seconds-file.ts';
import { DEFAULT_TREND_STATS, Summary } from '../metrics/summary.ts';
import { Thresholds } from '../metrics/thresholds.ts';
import { parseOptions } from '../options/options.ts';
import { engine, runInContext } from './context.ts';
import { EngineError, EXIT_THRESHOLDS_FAILED } from './errors.ts';
import { classify, type IterationOutcome } from './iteration.ts';
import { LocalHost } from './local-host.ts';
import { loadScript } from './script.ts';
import { startRemoteWrite } from '../metrics/remote-write-output.ts';
import { warmUp } from './warm-up.ts';
import { WorkerHost } from './worker-host.ts';

export interface RunConfig {
  script: string;
  summaryExport: string | undefined;
  trendStats: string[] | undefined;
  cliTags: Tags;
  cliEnv: Record<string, string>;
  secondsOut: string | undefined;
  remoteWrite: boolean;
  workers: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const stderr = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runTest(config: RunConfig): Promise<number> {
  engine.env = { ...(process.env as Record<string, string>), ...config.cliEnv };
  const script = await loadScript(config.script);
  const options = parseOptions(script.options);
  for (const scenario of options.scenarios) {
    if (typeof script[scenario.exec] !== 'function') throw new EngineError('options', `scenario "${scenario.name}" runs exec "${scenario.exec}", which the script does not export as a function`);
  }
  engine.discardResponseBodies = options.discardResponseBodies;
  engine.testTags = { ...options.tags, ...config.cliTags };
  const trendStats = config.trendStats ?? options.summaryTrendStats ?? DEFAULT_TREND_STATS;
  const thresholds = new Thresholds(options.thresholds);
  const summary = new Summary();
  const outputs = new FanOut();
  outputs.attach(summary);
  outputs.attach(thresholds);
  engine.sink = outputs;
  const remoteWrite = config.remoteWrite ? startRemoteWrite(process.env, stderr) : undefined;
  if (remoteWrite) outputs.attach(remoteWrite);

  const lifecycle = { iteration: undefined, groupPath: '' };
  const setup = script.setup as (() => unknown) | undefined;
  let data: unknown;
  try {
    data = setup ? await withTimeout(runInContext(lifecycle, setup), options.setupTimeoutMs, 'setup()') : undefined;
  } catch (error) {
    throw new EngineError(classify(error).fatal ? 'options' : 'script', `setup() failed: ${(error as Error).message}`);
  }
  if (data !== undefined) data = JSON.parse(JSON.stringify(data)); // k6 hands each VU a copy

  const host: IterationHost & { close(): Promise<void> } = config.workers > 1
    ? await WorkerHost.start(config.workers, config.script, engine.env, data, outputs, options.discardResponseBodies, engine.testTags)
    : new LocalHost(script, data);
  await warmUp(options.thresholds);
  const zeroMs = now() + 20;
  const seconds = config.secondsOut ? new SecondsFile(config.secondsOut, zeroMs, engine.testTags) : undefined;
  if (seconds) outputs.attach(seconds);

  let fatal: IterationOutcome['fatal'];
  let abortedBy: string | undefined;
  const errorCounts = new Map<string, number>();
  const scenarios = options.scenarios.map((scenario) => new ArrivalRateScenario(scenario, engine.testTags, host, {
    emit: (metric, tags, value, time) => outputs.add({ metric, tags, value, time }),
    warn: (message) => stderr(`WARN ${message}`),
    outcome: (outcome) => {
      if (outcome.fatal && fatal === undefined) {
        fatal = outcome.fatal;
        for (const s of scenarios) s.stop();
      }
      if (outcome.error !== undefined) {
        const seen = errorCounts.get(outcome.error) ?? 0;
        if (seen === 0) stderr(`ERROR iteration: ${outcome.error}`);
        errorCounts.set(outcome.error, seen + 1);
      }
    },
  }));

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      stderr(`${signal} again: stopping at once without a summary`);
      process.exit(105);
    }
    stderr(`${signal}: starting no more iterations; running ones get their gracefulStop`);
    for (const scenario of scenarios) scenario.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let tick = 0;
  const everySecond = setInterval(() => {
    const at = now();
    outputs.add({ metric: 'vus', tags: engine.testTags, value: scenarios.reduce((n, s) => n + s.pool.active, 0), time: at });
    outputs.add({ metric: 'vus_max', tags: engine.testTags, value: scenarios.reduce((n, s) => n + s.pool.size, 0), time: at });
    seconds?.flush(at);
    tick += 1;
    if (tick % 2 === 0 && thresholds.size > 0 && abortedBy === undefined) {
      const judged = thresholds.evaluate(at - zeroMs);
      if (judged.abort !== undefined) {
        abortedBy = judged.abort;
        stderr(`threshold ${judged.abort} failed with abortOnFail: stopping the test`);
        for (const scenario of scenarios) scenario.stop();
      }
    }
  }, 1000);

  await Promise.all(scenarios.map((scenario) => scenario.run(zeroMs)));
  clearInterval(everySecond);
  const endMs = now();
  outputs.add({ metric: 'vus', tags: engine.testTags, value: 0, time: endMs });
  outputs.add({ metric: 'vus_max', tags: engine.testTags, value: scenarios.reduce((n, s) => n + s.pool.size, 0), time: endMs });
  await host.close();
  if (fatal) {
    stderr(fatal.message);
    await closeConnections();
    return fatal.exitCode;
  }
  for (const [message, count] of errorCounts) if (count > 1) stderr(`ERROR iteration: ${message} (${count} times)`);

  const teardown = script.teardown as ((data: unknown) => unknown) | undefined;
  if (teardown) {
    try {
      await withTimeout(runInContext(lifecycle, () => teardown(data)), options.teardownTimeoutMs, 'teardown()');
    } catch (error) {
      stderr(`ERROR teardown(): ${(error as Error).message}`);
    }
  }
  await closeConnections();

  const elapsedMs = endMs - zeroMs;
  const judged = thresholds.evaluate(elapsedMs);
  seconds?.flush(now(), true);
  await remoteWrite?.stop();
  if (config.summaryExport) writeFileSync(config.summaryExport, `${JSON.stringify(summary.exportJson(trendStats, elapsedMs, thresholds, judged), null, 2)}\n`);
  const handleSummary = script.handleSummary as ((data: unknown) => unknown) | undefined;
  if (handleSummary) await writeHandledSummary(await handleSummary(summary.handleSummaryData(trendStats, elapsedMs, thresholds, judged)));
  for (const [key, results] of judged.byMetric) for (const [expression, failed] of Object.entries(results)) if (failed) stderr(`threshold failed: ${key} ${expression}`);
  return judged.anyFailed ? EXIT_THRESHOLDS_FAILED : 0;
}

async function writeHandledSummary(result: unknown): Promise<void> {
  if (result === null || typeof result !== 'object') throw new EngineError('script', 'handleSummary() must return an object of {path | "stdout" | "stderr": string}');
  for (const [target, content] of Object.entries(result as Record<string, unknown>)) {
    const text = typeof content === 'string' ? content : content instanceof ArrayBuffer ? Buffer.from(content) : JSON.stringify(content);
    if (target === 'stdout') process.stdout.write(text);
    else if (target === 'stderr') process.stderr.write(text);
    else writeFileSync(target, text);
  }
}

async function withTimeout<T>(work: T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} ran longer than its ${timeoutMs / 1000}s timeout`)), timeoutMs); });
  try {
    return await Promise.race([Promise.resolve(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
