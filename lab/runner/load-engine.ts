/**
 * Runs a scenario's load script on the chosen engine: the embedded one (load/, on the pinned Node,
 * the default) or a user's own k6 found on PATH (`--engine k6`; the project never builds k6). Both
 * get the same k6 command line. The engine is one of the lab's processes: it has a pid file under
 * the lab dir like every component, so `make down` ends it whatever became of the runner; it runs
 * ahead of the app it loads (prioritizeEngine) and its CPU is watched.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { loadSecondsFile, loadSecondsHeader } from '../load-seconds/read.ts';
import { NODE_BIN, stackContext } from '../stack/context.ts';
import { logFile, readPidFiles, removePidFile, spawnDetached } from '../stack/processes.ts';
import { CpuWatch } from './cpu.ts';
import { MachineLoadWatch } from './machine-load.ts';
import type { K6SummaryMetrics } from './hypotheses.ts';
import { engineResult, type EngineResult } from './load-result.ts';
import { evenSegment, evenSequence } from '../../load/options/execution-segment.ts';

export const ENGINES = ['embedded', 'k6'] as const;
export type EngineName = (typeof ENGINES)[number];

/** The load generator's nice value where it cannot be a real-time task (below 0: ahead of the app). */
const ENGINE_NICE = -5;
/** After SIGINT the engine finishes running iterations (gracefulStop) and writes its summary; then it is killed. */
const STOP_GRACE_MS = 35_000;

export const EMBEDDED_CLI = join(PROJECT_ROOT, 'load', 'cli.ts');
/** k6's default gracefulStop, what the lab's scripts use. */
const DEFAULT_GRACEFUL_STOP_MS = 30_000;
/** Past its t = 0 + duration + gracefulStop, an engine gets this long to write its summary (and run teardown()) before the runner stops it. */
const DEADLINE_MARGIN_MS = 20_000;
/** From spawn to t = 0 (start-up, setup(), warm-up), at most this. */
const START_LIMIT_MS = 120_000;

export interface LoadRun {
  engine: EngineName;
  script: string;
  variant: string;
  scenario: string;
  runId: string;
  profile: string;
  duration: number;
  vars: Record<string, string | number>;
  resultsDir: string;
  /** The lab's environment: its ports and lab dir (where the engine's pid file goes). */
  env: NodeJS.ProcessEnv;
  /** Worker threads of the embedded engine (default 1). */
  workers?: number;
  /** A customer token for the script's order calls (FAULTLINE_TOKEN, in the engine's environment). */
  token?: string;
  /** The script's gracefulStop (default k6's 30 s): part of how long the engine may run before it is stopped. */
  gracefulStopMs?: number;
  /**
   * Push the engine's metrics to Prometheus (default true: the report's panels read them). The
   * soak turns it off: those series grow with every distinct URL a script requests, so over a
   * long run of random product reads they load the engine and Prometheus, not the app.
   */
  remoteWrite?: boolean;
  /**
   * One of N engine processes of the variant (load-processes.ts): it runs k6's execution segment
   * `index` of an even sequence of `of`, tags its series faultline_segment=<index> (N writers of one
   * series would garble it in Prometheus) and writes files of its own.
   */
  part?: { index: number; of: number };
}

export interface RunningLoad {
  readonly pid: number;
  /**
   * The load's t = 0, epoch ms, the engine's own start of load rather than its spawn, so fault times
   * and phases count from the first planned iteration, after start-up, VU init and setup(): the
   * embedded engine's from the first line of its seconds file, k6's when it logs that it starts
   * its executors (K6_START_OF_LOAD).
   */
  readonly started: Promise<number>;
  /** Resolves when the engine exits, with what it measured. */
  readonly done: Promise<EngineResult & { summary: K6SummaryMetrics }>;
  /** Asks the engine to stop early (it still writes its summary), then kills it if it lingers. */
  stop(): void;
}

/** The executable of an engine; a missing one is a LabError naming the fix. */
export function engineCommand(engine: EngineName, env: NodeJS.ProcessEnv = process.env): string {
  if (engine === 'embedded') {
    if (!existsSync(NODE_BIN)) throw new LabError('RUN_ERR_NO_NODE', 'the pinned Node 24 is not installed (node_modules/.bin/node): run make setup');
    return NODE_BIN;
  }
  const found = (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'k6')).find((path) => existsSync(path));
  if (!found) throw new LabError('RUN_ERR_NO_K6', '--engine k6 needs a k6 binary on PATH (install k6 yourself; this project does not build it), or use the default --engine embedded');
  return found;
}

/** The k6 command line both engines take, plus the embedded engine's own outputs. */
export function engineArgs(run: LoadRun, files: { summary: string; seconds: string }): string[] {
  const vars = {
    FAULTLINE_BASE_URL: `http://127.0.0.1:${stackContext(run.env).ports.gateway}`,
    FAULTLINE_DURATION: String(run.duration),
    FAULTLINE_PROFILE: run.profile,
    FAULTLINE_VARIANT: run.variant,
    ...Object.fromEntries(Object.entries(run.vars).map(([k, v]) => [k, String(v)])),
  };
  const args = [
    'run',
    '--quiet',
    '--no-color',
    '--summary-export',
    files.summary,
    '--summary-trend-stats',
    // a part's trends carry their sample count, so their merge can weigh each part (load-processes.ts)
    `avg,min,med,max,p(90),p(95),p(99)${run.part ? ',count' : ''}`,
    ...(run.remoteWrite === false ? [] : ['--out', 'experimental-prometheus-rw']),
    '--tag',
    `variant=${run.variant}`,
    '--tag',
    `faultline_run=${run.runId}`,
    ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
  ];
  if (run.part) {
    args.push('--execution-segment', evenSegment(run.part.index, run.part.of), '--execution-segment-sequence', evenSequence(run.part.of));
    args.push('--tag', `faultline_segment=${run.part.index}`);
  }
  if (run.engine === 'embedded') args.push('--seconds-out', files.seconds, '--workers', String(run.workers ?? 1));
  // k6 logs its start of load ("Start all executors...", after VU init and setup()) at debug level only
  else args.push('--verbose');
  return [...args, run.script];
}

function engineEnv(run: LoadRun, dashboard: string): NodeJS.ProcessEnv {
  const ports = stackContext(run.env).ports;
  const env: NodeJS.ProcessEnv = {
    PATH: run.env.PATH,
    HOME: run.env.HOME,
    // a user's own K6_* settings reach either engine; the lab's own below win
    ...Object.fromEntries(Object.entries(run.env).filter(([k]) => k.startsWith('K6_'))),
    K6_NO_USAGE_REPORT: 'true',
    K6_PROMETHEUS_RW_SERVER_URL: `http://127.0.0.1:${ports.prometheus}/api/v1/write`,
    K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
    K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
    K6_PROMETHEUS_RW_STALE_MARKERS: 'true',
    // in the environment, not on the command line that `ps` shows every user: both engines read __ENV from it
    ...(run.token ? { FAULTLINE_TOKEN: run.token } : {}),
  };
  if (run.engine === 'k6') {
    // a real k6 also exports its web dashboard; nothing listens (port -1), nothing keeps it alive
    Object.assign(env, { K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: '-1', K6_WEB_DASHBOARD_PERIOD: '1s', K6_WEB_DASHBOARD_EXPORT: dashboard });
  }
  return env;
}

const execFileAsync = promisify(execFile);

/** How much of each period the kernel lets real-time tasks run; -1 turns that throttling off. */
export const RT_RUNTIME_FILE = '/proc/sys/kernel/sched_rt_runtime_us';
/**
 * RLIMIT_RTTIME of a real-time engine, microseconds of CPU a thread may use without blocking:
 * an engine's event loop blocks in epoll many times a second, a runaway never does; past the soft
 * limit it gets SIGXCPU (on which the embedded engine leaves real-time scheduling), past the
 * hard one SIGKILL.
 */
export const ENGINE_RTTIME_US = { soft: 1_000_000, hard: 2_000_000 };

/** True when the kernel throttles real-time tasks (a share of each period left to the rest). */
function realtimeThrottled(rtRuntimeFile: string): boolean {
  try {
    return Number(readFileSync(rtRuntimeFile, 'utf8').trim()) > 0;
  } catch {
    return false;
  }
}

/**
 * The load generator keeps its schedule ahead of the app it loads. Where the lab may (root, with
 * util-linux's chrt and prlimit), every thread of it is a real-time task at the lowest priority
 * (SCHED_RR 1): measured on this 2-core machine during a compose run of cache-stampede, a timer in
 * a process at nice -15 still woke 20-90 ms late every few seconds, one under SCHED_RR never more
 * than 4.6 ms late. Two bounds keep a runaway engine from taking the machine: RLIMIT_RTTIME, and
 * the kernel's real-time throttling, without which (sched_rt_runtime_us = -1) it is not made a
 * real-time task at all. Elsewhere it runs at nice -5, or as it is when that is not permitted.
 * startLoad calls it at the engine's start of load; an embedded engine that reaches the soft limit
 * while busy but alive leaves real-time scheduling and runs on (load/run/realtime-limit.ts).
 */
export async function prioritizeEngine(pid: number, rtRuntimeFile = RT_RUNTIME_FILE): Promise<'realtime' | 'nice' | 'as-is'> {
  // asynchronous: at the start of load the runner's own timers must not wait for a slow chrt
  const succeeds = (command: string, args: string[]) => execFileAsync(command, args).then(() => true, () => false);
  const bound = `--rttime=${ENGINE_RTTIME_US.soft}:${ENGINE_RTTIME_US.hard}`;
  if (realtimeThrottled(rtRuntimeFile) && (await succeeds('prlimit', ['--pid', String(pid), bound])) && (await succeeds('chrt', ['--rr', '--all-tasks', '--pid', '1', String(pid)]))) return 'realtime';
  try {
    setPriority(pid, ENGINE_NICE);
    return 'nice';
  } catch {
    return 'as-is'; // not permitted (not root), or the engine is gone: it runs at normal priority
  }
}

/** `.part2-of-3` for the second of three engine processes; nothing for a variant's only engine. */
const partSuffix = (part: LoadRun['part']): string => (part ? `.part${part.index + 1}-of-${part.of}` : '');

/** Where an engine's outputs go in the results directory: the variant's own names, or a part's. */
export function engineFiles(resultsDir: string, variant: string, part?: LoadRun['part']): { summary: string; seconds: string; dashboard: string; log: string } {
  const suffix = partSuffix(part);
  return {
    summary: join(resultsDir, `load-summary-${variant}${suffix}.json`),
    seconds: join(resultsDir, loadSecondsFile(variant).replace(/\.ndjson$/, `${suffix}.ndjson`)),
    dashboard: join(resultsDir, `k6-dashboard-${variant}${suffix}.html`),
    log: join(resultsDir, `load-${variant}${suffix}.log`),
  };
}

export function startLoad(run: LoadRun): RunningLoad {
  const command = engineCommand(run.engine, run.env);
  if (run.engine === 'embedded' && !existsSync(EMBEDDED_CLI)) throw new LabError('RUN_ERR_NO_ENGINE', `the embedded load engine is missing (${relative(PROJECT_ROOT, EMBEDDED_CLI)}): check out the whole repository`);
  const ctx = stackContext(run.env);
  const name = `load-${run.variant}${partSuffix(run.part)}`;
  const files = engineFiles(run.resultsDir, run.variant, run.part);
  const args = engineArgs(run, files);
  // before the spawn: an engine header older than this is one left by an earlier run
  const spawnedAt = Date.now();
  const { child, record } = spawnDetached(ctx, {
    name,
    kind: 'load',
    command,
    args: run.engine === 'embedded' ? ['--max-semi-space-size=64', EMBEDDED_CLI, ...args] : args,
    port: 0,
    env: engineEnv(run, files.dashboard),
    cwd: PROJECT_ROOT,
    stopSignal: 'SIGINT',
  });
  child.ref(); // the runner waits for its engine
  const cpu = new CpuWatch(record.pid);
  const machine = new MachineLoadWatch(() => readPidFiles(ctx).records.map((r) => r.pid));
  const startedAt = Date.now();
  let stopTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT'); // the engine stops its scenarios and still writes its summary
    stopTimer ??= setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  };
  // a hung or runaway engine must not hold the run (and the machine) for ever
  const runMs = run.duration * 1000 + (run.gracefulStopMs ?? DEFAULT_GRACEFUL_STOP_MS) + DEADLINE_MARGIN_MS;
  let overran = false;
  const overrun = (): void => {
    overran = true;
    stop();
  };
  let deadline = setTimeout(overrun, START_LIMIT_MS + runMs);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const done = new Promise<EngineResult & { summary: K6SummaryMetrics }>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      clearTimeout(stopTimer);
      clearTimeout(deadline);
      removePidFile(ctx, name);
      const cpuReport = cpu.stop();
      const machineReport = machine.stop();
      try {
        copyFileSync(logFile(ctx, name), files.log);
      } catch {
        // no log written: the failure below names the exit instead
      }
      const logText = existsSync(files.log) ? readFileSync(files.log, 'utf8') : '';
      if (overran) {
        reject(new LabError('RUN_ERR_LOAD', `the ${run.engine} load engine was still running past its end (duration ${run.duration} s + gracefulStop + ${DEADLINE_MARGIN_MS / 1000} s) and was stopped (log: ${relative(PROJECT_ROOT, files.log)})`));
        return;
      }
      if (!existsSync(files.summary)) {
        const cause = engineError(logText) ?? `exit ${code ?? signal}`;
        reject(new LabError('RUN_ERR_LOAD', `the ${run.engine} load engine failed on ${relative(PROJECT_ROOT, run.script)} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${cause} (log: ${relative(PROJECT_ROOT, files.log)})`));
        return;
      }
      const raw = JSON.parse(readFileSync(files.summary, 'utf8')) as { metrics: Record<string, Record<string, unknown>> };
      resolve(
        engineResult(run.engine, raw.metrics, {
          exitCode: code,
          cpu: cpuReport,
          machine: machineReport,
          log: logText,
          duration: run.duration,
          files: {
            summaryFile: relative(run.resultsDir, files.summary),
            secondsFile: existsSync(files.seconds) ? relative(run.resultsDir, files.seconds) : null,
            dashboard: existsSync(files.dashboard) ? relative(run.resultsDir, files.dashboard) : null,
            log: relative(run.resultsDir, files.log),
          },
        }),
      );
    });
  });
  done.catch(() => {});

  const started = engineZero(run.engine === 'embedded' ? embeddedZero(files.seconds, spawnedAt) : k6Zero(logFile(ctx, name)), spawnedAt, done);
  started.then(
    (zero) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // real-time from the start of load only: start-up, VU init and the embedded engine's warm-up
      // (thousands of requests to its own server, a loop with always something ready) are CPU
      // bursts that need not keep a schedule and may not block for a second
      void prioritizeEngine(record.pid);
      clearTimeout(deadline);
      deadline = setTimeout(overrun, Math.max(0, zero + runMs - Date.now()));
    },
    () => {},
  );
  return { pid: record.pid, started, done, stop };
}

const ZERO_POLL_MS = 10;

/**
 * What k6 logs at debug level when its scheduler starts the executors, after VUs are initialised
 * and setup() ran (execution/scheduler.go, Scheduler.Run): its own start of load, matched in any of
 * k6's log formats (text, or a user's K6_LOG_FORMAT=json). The log's timestamps are whole seconds,
 * so the moment the line appears is taken instead.
 */
export const K6_START_OF_LOAD = 'Start all executors...';

/** The embedded engine's t = 0 from its seconds file's header, once written (undefined until then). */
function embeddedZero(secondsFile: string, spawnedAt: number): () => number | undefined {
  return () => {
    if (!existsSync(secondsFile)) return undefined;
    const text = readFileSync(secondsFile, 'utf8');
    const newline = text.indexOf('\n');
    if (newline < 0) return undefined;
    const head = loadSecondsHeader(text.slice(0, newline));
    // not the engine's header (its exit settles it), or one left by an earlier run
    return head === undefined || head.startedAt < spawnedAt ? undefined : head.startedAt;
  };
}

/** k6's t = 0: the moment its log shows K6_START_OF_LOAD (undefined until then). */
function k6Zero(log: string): () => number | undefined {
  return () => (existsSync(log) && readFileSync(log, 'utf8').includes(K6_START_OF_LOAD) ? Date.now() : undefined);
}

/**
 * Polls `zero` for the engine's t = 0. An engine that fails before it rejects with the engine's
 * failure (no fault is applied against it); one that ends without it gives its spawn time.
 */
function engineZero(zeroOf: () => number | undefined, spawnedAt: number, exited: Promise<unknown>): Promise<number> {
  const zero = new Promise<number>((resolve, reject) => {
    let ended = false;
    const end = () => {
      ended = true;
      clearInterval(poll);
    };
    const poll = setInterval(() => {
      if (ended) return;
      const t = zeroOf();
      if (t === undefined) return;
      end();
      resolve(t);
    }, ZERO_POLL_MS);
    exited.then(
      () => { end(); resolve(spawnedAt); },
      (error: unknown) => { end(); reject(error); },
    );
  });
  zero.catch(() => {}); // the failure is also `done`'s, which every caller awaits
  return zero;
}

/** The engine's own error line: k6's `level=error msg="..."`, else the embedded engine's last line. */
export function engineError(log: string): string | undefined {
  const line = log.split('\n').find((l) => /level=error/.test(l) || /^ERRO/.test(l));
  if (!line) return log.trim().split('\n').at(-1) || undefined;
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\"/g, '"') ?? line;
  return msg.split(/\\n|\n/)[0]!.slice(0, 300);
}
