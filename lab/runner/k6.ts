/**
 * Runs k6 on a scenario's load script: open-model load into the app, metrics by remote write
 * into the lab's Prometheus (tagged with the variant), the end-of-test summary and the web
 * dashboard exported into the results, and k6's own CPU watched while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT, TOOLS_BIN } from '../paths.ts';
import type { PortMap } from '../ports.ts';
import { CpuWatch, type CpuReport } from './cpu.ts';
import type { K6SummaryMetrics } from './hypotheses.ts';
import type { K6Result } from './summary.ts';

/** k6's scheduling priority (below 0: ahead of the app it loads). */
const K6_NICE = -5;

/** Dropped iterations above this share of the planned ones make the run inconclusive. */
export const MAX_DROPPED_RATIO = 0.01;

export interface K6Run {
  script: string;
  variant: string;
  scenario: string;
  runId: string;
  profile: string;
  duration: number;
  vars: Record<string, string | number>;
  resultsDir: string;
  ports: PortMap;
}

export interface RunningK6 {
  readonly pid: number;
  /** Resolves when k6 exits, with what it measured. */
  readonly done: Promise<K6Result & { summary: K6SummaryMetrics }>;
  /** Asks k6 to stop early (graceful), then kills it if it lingers. */
  stop(): void;
}

export function k6Binary(): string {
  const bin = join(TOOLS_BIN, 'k6');
  if (!existsSync(bin)) throw new LabError('RUN_ERR_NO_K6', `k6 is not built (${relative(PROJECT_ROOT, bin)} is missing): run make setup`);
  return bin;
}

/** Every k6 we started, killed if the runner itself exits without stopping it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startK6(run: K6Run): RunningK6 {
  const bin = k6Binary();
  const summaryFile = join(run.resultsDir, `k6-summary-${run.variant}.json`);
  const dashboard = join(run.resultsDir, `k6-dashboard-${run.variant}.html`);
  const logPath = join(run.resultsDir, `k6-${run.variant}.log`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    K6_AUTO_EXTENSION_RESOLUTION: 'false',
    K6_NO_USAGE_REPORT: 'true',
    K6_PROMETHEUS_RW_SERVER_URL: `http://127.0.0.1:${run.ports.prometheus}/api/v1/write`,
    K6_FEATURES: 'native-histograms', // trends as native histograms in Prometheus
    K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
    K6_PROMETHEUS_RW_STALE_MARKERS: 'true',
    K6_WEB_DASHBOARD: 'true',
    K6_WEB_DASHBOARD_HOST: '127.0.0.1',
    K6_WEB_DASHBOARD_PORT: '-1', // export only: nothing listens, nothing keeps k6 alive
    K6_WEB_DASHBOARD_PERIOD: '1s',
    K6_WEB_DASHBOARD_EXPORT: dashboard,
  };
  const vars = {
    FAULTLINE_BASE_URL: `http://127.0.0.1:${run.ports.gateway}`,
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
    summaryFile,
    '--summary-trend-stats',
    'avg,min,med,max,p(90),p(95),p(99)',
    '--out',
    'experimental-prometheus-rw',
    '--tag',
    `variant=${run.variant}`,
    '--tag',
    `faultline_run=${run.runId}`,
    ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    run.script,
  ];
  const log = openSync(logPath, 'w');
  let child: ChildProcess;
  try {
    // own process group: Ctrl-C reaches the runner, which stops k6 itself in order. On one machine
    // the load generator must keep its schedule, so it runs ahead of the app (nice -5; GNU nice
    // runs it at normal priority where raising it is not permitted).
    child = spawn('nice', ['-n', String(K6_NICE), bin, ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', log, log], detached: true });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) throw new LabError('RUN_ERR_K6_START', `k6 could not be started (${bin})`);
  running.add(child);
  const cpu = new CpuWatch(child.pid);
  const startedAt = Date.now();
  let stopTimer: NodeJS.Timeout | undefined;

  const done = new Promise<K6Result & { summary: K6SummaryMetrics }>((resolve, reject) => {
    child.once('error', (error) => reject(new LabError('RUN_ERR_K6_START', `k6 could not be started: ${error.message}`)));
    child.once('exit', (code, signal) => {
      running.delete(child);
      clearTimeout(stopTimer);
      const cpuReport = cpu.stop();
      const logText = readFileSync(logPath, 'utf8');
      if (!existsSync(summaryFile)) {
        const cause = k6Error(logText) ?? `exit ${code ?? signal}`;
        reject(new LabError('RUN_ERR_K6', `k6 failed on ${relative(PROJECT_ROOT, run.script)} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${cause} (log: ${relative(PROJECT_ROOT, logPath)})`));
        return;
      }
      const summary = numericMetrics((JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, Record<string, unknown>> }).metrics);
      resolve({ ...k6Result(summary, code, cpuReport, logText, run.duration), summary, dashboard: existsSync(dashboard) ? relative(run.resultsDir, dashboard) : null, summaryFile: relative(run.resultsDir, summaryFile) });
    });
  });
  done.catch(() => {});

  return {
    pid: child.pid,
    done,
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // k6 stops its scenarios and still writes its summary
      stopTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    },
  };
}

function k6Result(m: K6SummaryMetrics, exitCode: number | null, cpu: CpuReport, log: string, duration: number): Omit<K6Result, 'dashboard' | 'summaryFile'> {
  const achieved = m.iterations?.count ?? 0;
  const dropped = m.dropped_iterations?.count ?? 0;
  const planned = achieved + dropped;
  const allocated = m.vus_max?.max ?? m.vus_max?.value ?? 0;
  return {
    exitCode,
    metrics: m,
    arrival: {
      plannedIterations: planned,
      achievedIterations: achieved,
      droppedIterations: dropped,
      droppedRatio: planned > 0 ? dropped / planned : 0,
      plannedRate: planned / duration,
      // over the planned duration, as plannedRate is (k6's own rate also counts the graceful stop)
      achievedRate: achieved / duration,
    },
    vus: { peak: m.vus?.max ?? 0, allocated, exhausted: /Insufficient VUs/.test(log) },
    cpu,
  };
}

/** The summary's numbers only (its per-metric `thresholds` objects are left out). */
function numericMetrics(raw: Record<string, Record<string, unknown>>): K6SummaryMetrics {
  const out: K6SummaryMetrics = {};
  for (const [metric, stats] of Object.entries(raw)) {
    out[metric] = Object.fromEntries(Object.entries(stats).filter((e): e is [string, number] => typeof e[1] === 'number'));
  }
  return out;
}

/** k6's own error line from its log (`level=error msg="..."`), for the one-line report. */
export function k6Error(log: string): string | undefined {
  const line = log.split('\n').find((l) => /level=error/.test(l) || /^ERRO/.test(l));
  if (!line) return log.trim().split('\n').at(-1) || undefined;
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\"/g, '"') ?? line;
  return msg.split(/\\n|\n/)[0]!.slice(0, 300);
}
