/** Scenario folders written for a test, the CLI run on them the way a person runs it, and a scenario's smoke run through make. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { summarySchema, type Summary } from '../../run-summary/summary.ts';

const SKELETON = join(PROJECT_ROOT, 'scenarios', 'k6', 'lab.ts');

/** A load script that reads one product at a low constant rate. */
export const GENTLE_LOAD = `import http from 'k6/http';
import { constantArrival, lab, openModel } from '${SKELETON}';
export const options = openModel(constantArrival({ rate: 20, preAllocatedVUs: 5, maxVUs: 50 }));
export default async function () { await http.asyncRequest('GET', lab.baseUrl + '/products/1'); }
`;

/** A valid scenario as plain data; tests spread their change over it. */
export function baseScenario(): Record<string, unknown> {
  return {
    title: 'a fixture',
    teaches: 'Nothing. It exists for a test.',
    variants: { only: { description: 'the only variant' } },
    profiles: { smoke: { duration: 8, warmup: 1, settle: 1 }, full: { duration: 8, warmup: 1, settle: 1 } },
    timeline: [],
    hypotheses: [{ name: 'some requests', measure: { k6: 'http_reqs', stat: 'count' }, expect: { op: '>', value: 0 } }],
  };
}

/** Writes scenarios/<name>/{scenario.ts, load.ts} into a fresh folder and returns it. */
export function scenarioFolder(scenarios: Record<string, { scenario: unknown; load?: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-scenarios-'));
  for (const [name, files] of Object.entries(scenarios)) {
    mkdirSync(join(dir, name));
    const body = typeof files.scenario === 'string' ? files.scenario : `export default ${JSON.stringify(files.scenario, null, 2)};\n`;
    writeFileSync(join(dir, name, 'scenario.ts'), body);
    writeFileSync(join(dir, name, 'load.ts'), files.load ?? GENTLE_LOAD);
  }
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (bounded by timeoutMs), collecting its output. */
export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000, onOutput?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    // own process group, as a shell job has: a signal to -pid reaches make and its children, as Ctrl-C does
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    const kill = (signal: NodeJS.Signals) => process.kill(-child.pid!, signal);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onOutput?.(stdout, kill);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface SmokeRun {
  result: CliResult;
  /** The run's folder: results/<name>/<timestamp>/. */
  dir: string;
  summary: Summary;
}

/**
 * `make scenario NAME=<name> PROFILE=smoke` as a person runs it, into a fresh results folder,
 * held to what every smoke run must show: verdict passed, exit 0 and the PASSED line, and in
 * every variant a load engine that kept its schedule (at most 1% dropped, start lag p99 within
 * its bound).
 */
export async function runScenarioSmoke(name: string, opts: { timeoutMs?: number } = {}): Promise<SmokeRun> {
  const results = mkdtempSync(join(tmpdir(), 'faultline-results-'));
  const result = await runCommand('make', ['--no-print-directory', 'scenario', `NAME=${name}`, 'PROFILE=smoke'], { ...process.env, FAULTLINE_RESULTS_DIR: results }, opts.timeoutMs ?? 170_000);
  // run folders are named by their start time, so the last in order is the newest
  const run = readdirSync(join(results, name)).sort().at(-1);
  const dir = join(results, name, run!);
  const summary = summarySchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
  // the reasons say why, when it did not pass
  expect({ verdict: summary.verdict, reasons: summary.reasons }).toEqual({ verdict: 'passed', reasons: [] });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`${name} \\(smoke\\): PASSED \\(exit 0\\)`));
  for (const v of summary.variants) {
    expect(v.engine?.arrival.droppedRatio).toBeLessThanOrEqual(0.01);
    expect(v.engine?.startLag?.p99Ms).toBeLessThanOrEqual(v.engine!.startLag!.boundMs);
  }
  return { result, dir, summary };
}

/** The observed figure of the hypothesis of `variant` whose name matches `name`. */
export function observedOf(summary: Summary, variant: string, name: RegExp): number {
  return summary.hypotheses.find((h) => h.variant === variant && name.test(h.name))!.observed!;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<CliResult> {
  return runCommand(join(PROJECT_ROOT, 'node_modules', '.bin', 'node'), [join(PROJECT_ROOT, 'lab', 'cli.ts'), ...args], env, timeoutMs);
}
