/**
 * vegeta v12.13.0 (MIT), the reference open-model load generator: built from the Go module
 * proxy into the user cache the first time the bench needs it, never by `make setup`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { CpuSampler } from './process-cpu.ts';
import { steadyWindow, type Point, type RoundResult } from './round.ts';

export const VEGETA_VERSION = 'v12.13.0';
const BIN_DIR = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'faultline', 'bench-bin');
const VEGETA = join(BIN_DIR, 'vegeta');

/** The vegeta binary, built first if it is not in the cache yet (needs Go and the module proxy, a few minutes). */
export function ensureVegeta(): string {
  if (existsSync(VEGETA)) return VEGETA;
  process.stdout.write(`building vegeta ${VEGETA_VERSION} into ${BIN_DIR} (once)\n`);
  const build = spawnSync('go', ['install', `github.com/tsenart/vegeta/v12@${VEGETA_VERSION}`], {
    env: { ...process.env, GOBIN: BIN_DIR, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.error || build.status !== 0 || !existsSync(VEGETA)) {
    throw new Error(`building vegeta failed (${build.error?.message ?? `exit ${build.status}`}): install Go 1.22+ and let it reach the Go module proxy, or put a vegeta ${VEGETA_VERSION} binary at ${VEGETA}`);
  }
  return VEGETA;
}

interface Hit {
  timestamp: string;
  latency: number;
  code: number;
}

/** One vegeta attack at the point; its results decoded afterwards, outside the measured window. */
export async function runVegeta(bin: string, point: Point, resultsFile: string): Promise<RoundResult> {
  const attack = spawn(
    bin,
    ['attack', `-rate=${point.rate}/1s`, `-duration=${point.seconds}s`, '-timeout=10s', '-laddr=127.0.0.1', `-output=${resultsFile}`],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const sampler = new CpuSampler(attack.pid!);
  let stderr = '';
  attack.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  attack.stdin!.end(`GET ${point.url}\n`);
  const [code] = (await once(attack, 'exit')) as [number | null];
  sampler.stop();
  if (code !== 0) throw new Error(`vegeta attack exited with ${code}: ${stderr.trim().split('\n').pop()}`);

  const encoded = spawnSync(bin, ['encode', '-to', 'json', resultsFile], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (encoded.status !== 0) throw new Error(`vegeta encode failed: ${encoded.stderr.trim()}`);
  const hits = encoded.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Hit);
  const sentMs = hits.map((h) => Date.parse(h.timestamp));
  const { fromS, toS } = steadyWindow(sentMs.reduce((a, b) => Math.min(a, b)), point.seconds);
  const inWindow = hits.filter((h, i) => {
    const endS = (sentMs[i]! + h.latency / 1e6) / 1000;
    return endS >= fromS && endS < toS;
  });
  const cpuMs = sampler.cpuAt(toS * 1000) - sampler.cpuAt(fromS * 1000);
  return {
    requests: hits.length,
    rateHeld: hits.length / (point.rate * point.seconds),
    cpuUsPerRequest: inWindow.length > 0 ? (cpuMs * 1000) / inWindow.length : NaN,
    p50Ms: inWindow.length > 0 ? median(inWindow.map((h) => h.latency / 1e6)) : NaN,
    failed: hits.filter((h) => h.code !== 200).length,
    dropped: 0,
  };
}
