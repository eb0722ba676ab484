/**
 * One test run from script to exit code: init context, options, setup, the warm-up, the scenarios
 * on a common t = 0, the once-a-second gauges and threshold checks, teardown, the summary outputs.
 */
import { writeFileSync } from 'node:fs';
import { ArrivalRateScenario, type IterationHost, type ScenarioEvents } from '../executors/arrival-rate.ts';
import { ClosedModelScenario } from '../executors/closed-model.ts';
import { segmentShare } from '../executors/segment-share.ts';
import { closeConnections } from '../http/connections.ts';
import { FanOut } from '../metrics/fan-out.ts';
import type { Tags } from '../metrics/sample.ts';
import { SecondsFile } from '../metrics/seconds-file.ts';
import { DEFAULT_TREND_STATS, Summary } from '../metrics/summary.ts';
import { Thresholds } from '../metrics/thresholds.ts';
import { parseOptions, type ScenarioConfig } from '../options/options.ts';
import { engine, runInContext } from './context.ts';
import { EngineError, EXIT_EXTERNAL_ABORT, EXIT_SCRIPT_ABORTED, EXIT_THRESHOLDS_FAILED } from './errors.ts';
import { classify, type IterationOutcome } from './iteration.ts';
import { isSynchronous, runLifecycleOnThread } from './lifecycle-thread.ts';
import { LocalHost } from './local-host.ts';
import { initContextMs, loadScript } from './script.ts';
import { startRemoteWrite } from '../metrics/remote-write-output.ts';
import { warmUp } from './warm-up.ts';
import type { WorkerSetup } from './thread-iterations.ts';
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
  /** --execution-segment / --execution-segment-sequence (undefined: not given). */
  segment: string | undefined;
  sequence: string | undefined;
}

const now = (): number => performance.timeOrigin + performance.now();
const stderr = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runTest(config: RunConfig): Promise<number> {
  engine.env = { ...(process.env as Record<string, string>), ...config.cliEnv };
  const script = await loadScript(config.script);
  const options = parseOptions(script.options, { segment: config.segment, sequence: config.sequence });
  const shares = new Map(options.scenarios.map((scenario) => [scenario, segmentShare(scenario, options.segment)]));
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

  // k6 runs setup() and teardown() as groups of their own [js/runner.go runPart]; synchronous ones
  // (which may block in k6/http) on a VU thread of their own
  const threadSetup = (data: unknown): WorkerSetup => ({ script: config.script, env: engine.env, data, discardResponseBodies: options.discardResponseBodies, testTags: engine.testTags });
  const setup = script.setup as (() => unknown) | undefined;
  let data: unknown;
  try {
    if (setup === undefined) data = undefined;
    else if (isSynchronous(setup)) data = await runLifecycleOnThread('setup', threadSetup(undefined), undefined, outputs, options.setupTimeoutMs);
    else data = await withTimeout(runInContext({ iteration: undefined, groupPath: '::setup' }, setup), options.setupTimeoutMs, 'setup()');
  } catch (error) {
    throw new EngineError(classify(error).fatal ? 'options' : 'script', `setup() failed: ${(error as Error).message}`);
  }
  if (data !== undefined) data = JSON.parse(JSON.stringify(data)); // k6 hands each VU a copy

  const host: IterationHost & { close(): Promise<void> } = config.workers > 1
    ? await WorkerHost.start(config.workers, config.script, engine.env, data, outputs, options.discardResponseBodies, engine.testTags)
    : new LocalHost(script, data);
  // a synchronous exec function blocks in k6/http and sleep as a k6 VU does: each of its VUs a thread
  const blocking = options.scenarios.filter((scenario) => (script[scenario.exec] as () => unknown).constructor.name !== 'AsyncFunction');
  const vuThreadCount = blocking.reduce((n, scenario) => n + shares.get(scenario)!.maxVUs, 0);
  const vuThreads = vuThreadCount === 0 ? undefined
    : await WorkerHost.start(vuThreadCount, config.script, engine.env, data, outputs, options.discardResponseBodies, engine.testTags, true);
  const hostOf = (scenario: ScenarioConfig): IterationHost => (vuThreads !== undefined && blocking.includes(scenario) ? vuThreads : host);
  await warmUp(options.thresholds);
  const zeroMs = now() + 20;
  const seconds = config.secondsOut ? new SecondsFile(config.secondsOut, zeroMs, engine.testTags) : undefined;
  if (seconds) outputs.attach(seconds);

  let fatal: IterationOutcome['fatal'];
  /** Why the run was aborted (k6's runAbort): its exit code and the line k6 prints for it. */
  let aborted: { exitCode: number; message: string } | undefined;
  const abort = (exitCode: number, message: string): void => {
    aborted ??= { exitCode, message };
    for (const scenario of scenarios) scenario.stop(false);
  };
  const fatalOutcome = (outcome: NonNullable<IterationOutcome['fatal']>): void => {
    if (fatal !== undefined) return;
    fatal = outcome;
    for (const s of scenarios) s.stop(false);
  };
  const errorCounts = new Map<string, number>();
  // FAULTLINE_VU_INIT=instant: the engine's earlier VU growth, kept to compare drops with k6's pacing
  const growth = process.env.FAULTLINE_VU_INIT === 'instant' ? 'instant' as const : { pacedMs: initContextMs };
  const events: ScenarioEvents = {
    emit: (metric, tags, value, time) => outputs.add({ metric, tags, value, time }),
    warn: (message) => stderr(`WARN ${message}`),
    outcome: (outcome) => {
      if (outcome.fatal?.exitCode === EXIT_SCRIPT_ABORTED) abort(EXIT_SCRIPT_ABORTED, outcome.fatal.message);
      else if (outcome.fatal) fatalOutcome(outcome.fatal);
      if (outcome.error !== undefined) {
        const seen = errorCounts.get(outcome.error) ?? 0;
        if (seen === 0) stderr(`ERROR iteration: ${outcome.error}`);
        errorCounts.set(outcome.error, seen + 1);
      }
    },
  };
  const scenarios = options.scenarios.map((scenario) => ('preAllocatedVUs' in scenario
    ? new ArrivalRateScenario(scenario, shares.get(scenario)!, engine.testTags, hostOf(scenario), events, growth)
    : new ClosedModelScenario(scenario, shares.get(scenario)!, engine.testTags, hostOf(scenario), events)));

  engine.stopRun = (message) => fatalOutcome({ message, exitCode: 104 });
  // k6 [internal/cmd/run.go]: the first SIGINT/SIGTERM aborts the run at once (running iterations
  // are interrupted), teardown and the summary still run, and the exit code is 105; a second one
  // exits at once
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      stderr(`${signal} again: stopping at once without a summary`);
      process.exit(EXIT_EXTERNAL_ABORT);
    }
    abort(EXIT_EXTERNAL_ABORT, `test run was aborted because k6 received a '${signal === 'SIGINT' ? 'interrupt' : 'terminated'}' signal`);
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
    if (tick % 2 === 0 && thresholds.size > 0 && aborted === undefined) {
      const judged = thresholds.evaluate(at - zeroMs, false);
      if (judged.abort) abort(EXIT_THRESHOLDS_FAILED, `thresholds on metrics '${judged.crossed.join(', ')}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`);
    }
  }, 1000);

  await Promise.all(scenarios.map((scenario) => scenario.run(zeroMs)));
  clearInterval(everySecond);
  const endMs = now();
  outputs.add({ metric: 'vus', tags: engine.testTags, value: 0, time: endMs });
  outputs.add({ metric: 'vus_max', tags: engine.testTags, value: scenarios.reduce((n, s) => n + s.pool.size, 0), time: endMs });
  await Promise.all([host.close(), vuThreads?.close()]);
  if (fatal) {
    stderr(fatal.message);
    await closeConnections();
    return fatal.exitCode;
  }
  for (const [message, count] of errorCounts) if (count > 1) stderr(`ERROR iteration: ${message} (${count} times)`);

  const teardown = script.teardown as ((data: unknown) => unknown) | undefined;
  if (teardown) {
    try {
      if (isSynchronous(teardown)) await runLifecycleOnThread('teardown', threadSetup(undefined), data, outputs, options.teardownTimeoutMs);
      else await withTimeout(runInContext({ iteration: undefined, groupPath: '::teardown' }, () => teardown(data)), options.teardownTimeoutMs, 'teardown()');
    } catch (error) {
      stderr(`ERROR teardown(): ${(error as Error).message}`);
    }
  }
  await closeConnections();

  const elapsedMs = endMs - zeroMs;
  const judged = thresholds.evaluate(elapsedMs, true);
  for (const line of judged.errors) stderr(`ERROR ${line}`);
  seconds?.flush(now(), true);
  await remoteWrite?.stop();
  if (config.summaryExport) writeFileSync(config.summaryExport, `${JSON.stringify(summary.exportJson(trendStats, elapsedMs, thresholds, judged), null, 2)}\n`);
  const handleSummary = script.handleSummary as ((data: unknown) => unknown) | undefined;
  if (handleSummary) await writeHandledSummary(await handleSummary(summary.handleSummaryData(trendStats, elapsedMs, thresholds, judged)));
  for (const key of judged.crossed) for (const [expression, failed] of Object.entries(judged.byMetric.get(key)!)) if (failed) stderr(`threshold failed: ${key} ${expression}`);
  if (aborted) {
    stderr(`ERROR ${aborted.message}`);
    return aborted.exitCode;
  }
  if (judged.anyFailed) stderr(`ERROR thresholds on metrics '${judged.crossed.join(', ')}' have been crossed`);
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
