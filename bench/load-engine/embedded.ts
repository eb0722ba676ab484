/**
 * The embedded engine's side of a round: `load/cli.ts run` on constant-rate.k6.ts, its figures
 * read from its own summary export and per-second file (HDR histograms, exact in any window, read
 * and merged as the lab reads them).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLoadSeconds } from '../../lab/load-seconds/read.ts';
import { mergedWindow, percentileMs, windowCounts } from '../../lab/load-seconds/window.ts';
import { CpuSampler } from './process-cpu.ts';
import { steadyWindow, type Point, type RoundResult } from './round.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
export const ENGINE_CLI = join(ROOT, 'load', 'cli.ts');
const SCRIPT = join(import.meta.dirname, 'constant-rate.k6.ts');

interface Summary {
  metrics: Record<string, Record<string, number> | undefined>;
}

export async function runEngine(point: Point, outPrefix: string): Promise<RoundResult> {
  const summaryFile = `${outPrefix}.summary.json`;
  const secondsFile = `${outPrefix}.seconds.ndjson`;
  const env = { TARGET_URL: point.url, RATE: String(point.rate), SECONDS: String(point.seconds), LATENCY_MS: String(point.latencyMs) };
  const args = [ENGINE_CLI, 'run', '--quiet', '--no-color', '--summary-export', summaryFile, '--seconds-out', secondsFile];
  for (const [key, value] of Object.entries(env)) args.push('-e', `${key}=${value}`);
  const engine = spawn(NODE, [...args, SCRIPT], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const sampler = new CpuSampler(engine.pid!);
  let stderr = '';
  engine.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(engine, 'exit')) as [number | null];
  sampler.stop();
  if (code !== 0) throw new Error(`the engine exited with ${code}: ${stderr.trim().split('\n').pop()}`);

  const load = readLoadSeconds(secondsFile);
  const { fromS, toS } = steadyWindow(load.startedAt, point.seconds);
  const window = { start: fromS * 1000, end: toS * 1000 };
  const inWindow = windowCounts(load, window).requests;

  const { metrics } = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
  const requests = metrics.http_reqs?.count ?? 0;
  const cpuMs = sampler.cpuAt(toS * 1000) - sampler.cpuAt(fromS * 1000);
  return {
    requests,
    rateHeld: requests / (point.rate * point.seconds),
    cpuUsPerRequest: inWindow > 0 ? (cpuMs * 1000) / inWindow : NaN,
    p50Ms: percentileMs(mergedWindow(load, window), 50) ?? NaN,
    failed: metrics.http_req_failed?.passes ?? 0,
    dropped: metrics.dropped_iterations?.count ?? 0,
  };
}
