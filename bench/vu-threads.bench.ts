/**
 * The two ways the engine runs a k6 VU, side by side in one run: VU threads (a synchronous exec
 * function: each VU a worker thread blocking in http.get and sleep, as a k6 VU does) against the
 * async path (an async exec function: every VU on the main event loop, awaiting). Per way:
 *   - memory per VU: the engine's peak resident memory (VmRSS sampled every 50 ms) at N VUs each looping a
 *     request and sleep(1) for 5 s, minus the same at 1 VU, over N - 1, for N = 100 and 1,000 (k6
 *     documents roughly 1-5 MB per VU for simple scripts);
 *   - start-up for 1,000 VUs: from spawn to the run's t = 0 (the seconds file's startedAt);
 *   - CPU per request at 400 requests/s: 40 VUs each a request then sleep(0.1) for 10 s, the
 *     engine's user+system CPU from t = 0 (start-up excluded) over its requests.
 * Prints the figures and the ratios (threads / async). Not a timed test: run it on a machine doing nothing else.
 *
 *   node_modules/.bin/node bench/vu-threads.bench.ts [--vus 100,1000]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const CLI = join(import.meta.dirname, '..', 'load', 'cli.ts');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const dir = mkdtempSync(join(tmpdir(), 'faultline-vu-bench-'));

type Way = 'threads' | 'async';

function script(way: Way, options: object, body: string[]): string {
  const fn = way === 'threads' ? `export default function () {\n  ${body.join('\n  ')}\n}` : `export default async function () {\n  ${body.map((line) => `await ${line}`).join('\n  ')}\n}`;
  return `import http from 'k6/http';\nimport { sleep } from 'k6';\nexport const options = ${JSON.stringify(options)};\n${fn}\n`;
}

interface Measured { peakKiB: number; cpuSeconds: number; startupMs: number; requests: number }

/** Runs the engine on `source`; samples its peak memory and CPU from /proc just before it exits. */
async function measure(name: string, source: string, target: string): Promise<Measured> {
  const file = join(dir, `${name}.js`);
  writeFileSync(file, source);
  const summary = join(dir, `${name}.json`);
  const seconds = join(dir, `${name}.ndjson`);
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [CLI, 'run', '--summary-export', summary, '--seconds-out', seconds, '-e', `BASE=${target}`, file], { stdio: ['ignore', 'ignore', 'inherit'] });
  let last = { peakKiB: 0, cpuTicks: 0 };
  let ticksAtZero: number | undefined;
  const sample = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name
      last = { peakKiB: Math.max(last.peakKiB, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)), cpuTicks: Number(stat[11]) + Number(stat[12]) };
      // the seconds file appears at t = 0: CPU from then on is the run's, not the start-up's
      if (ticksAtZero === undefined && existsSync(seconds)) ticksAtZero = last.cpuTicks;
    } catch {
      // the process has just ended: the last sample stands
    }
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sample);
  if (code !== 0) throw new Error(`${name}: the engine exited ${code}`);
  const startedAt = (JSON.parse(readFileSync(seconds, 'utf8').split('\n')[0]!) as { startedAt: number }).startedAt;
  const metrics = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { count?: number }> }).metrics;
  return { peakKiB: last.peakKiB, cpuSeconds: (last.cpuTicks - (ticksAtZero ?? 0)) / TICKS_PER_SECOND, startupMs: startedAt - spawnedAt, requests: metrics.http_reqs?.count ?? 0 };
}

const { values } = parseArgs({ options: { vus: { type: 'string', default: '100,1000' } } });
const counts = values.vus.split(',').map(Number);
const server = createServer((_req, res) => res.end('ok'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const row = (label: string, threads: number, async: number, unit: string, digits = 2): void => {
  console.log(`${label.padEnd(34)} threads ${threads.toFixed(digits).padStart(9)} ${unit}   async ${async.toFixed(digits).padStart(9)} ${unit}   ratio ${(threads / async).toFixed(2)}`);
};

try {
  // a simple script as k6's per-VU figure means it: a request, then a second's sleep
  const idle = (way: Way, vus: number): string => script(way, { vus, duration: '5s' }, [way === 'threads' ? 'http.get(__ENV.BASE);' : "http.asyncRequest('GET', __ENV.BASE);", 'sleep(1);']);
  const base: Record<Way, Measured> = { threads: await measure('threads-1', idle('threads', 1), target), async: await measure('async-1', idle('async', 1), target) };
  for (const vus of counts) {
    const threads = await measure(`threads-${vus}`, idle('threads', vus), target);
    const async = await measure(`async-${vus}`, idle('async', vus), target);
    const perVu = (m: Measured, way: Way): number => (m.peakKiB - base[way].peakKiB) / 1024 / (vus - 1);
    row(`memory per VU at ${vus} VUs`, perVu(threads, 'threads'), perVu(async, 'async'), 'MB', 3);
    row(`start-up at ${vus} VUs`, threads.startupMs / 1000, async.startupMs / 1000, 's');
  }
  const load = (way: Way): string => script(way, { vus: 40, duration: '10s' }, ['http.get(__ENV.BASE);', 'sleep(0.1);'].map((line) => (way === 'async' ? line.replace('http.get(__ENV.BASE)', "http.asyncRequest('GET', __ENV.BASE)") : line)));
  const threads = await measure('threads-load', load('threads'), target);
  const async = await measure('async-load', load('async'), target);
  console.log(`requests in 10 s at 40 VUs             threads ${threads.requests}   async ${async.requests}`);
  row('CPU per request at ~400/s', (threads.cpuSeconds / threads.requests) * 1e6, (async.cpuSeconds / async.requests) * 1e6, 'µs', 0);
} finally {
  server.close();
}
