/**
 * What the "behind schedule" guard's bound rests on: the embedded engine's start lag (actual start
 * minus due time, per iteration) at 400 iterations/s against a plain node:http server, side by
 * side in one run: on an otherwise idle machine, and with a CPU hog on every core beside it at
 * normal priority (the engine prioritized as the runner does it: real-time as root, else nice -5).
 * Interleaved rounds.
 *
 *   node_modules/.bin/node bench/start-lag.bench.ts [seconds=10] [rounds=2]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoad } from '../lab/runner/load-engine.ts';
import { MAX_START_LAG_P99_MS } from '../lab/runner/load-result.ts';
import { PROJECT_ROOT } from '../lab/paths.ts';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 2);
const RATE = 400;
const NODE = join(PROJECT_ROOT, 'node_modules/.bin/node');
const work = mkdtempSync(join(tmpdir(), 'faultline-start-lag-'));

function server(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(NODE, ['-e', "const s=require('node:http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout!.once('data', (d: Buffer) => resolve({ child, port: Number(d.toString()) })));
}

function hogs(): ChildProcess[] {
  return cpus().map(() => spawn(NODE, ['-e', 'const end = Date.now() + 600_000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
}

async function engineRun(port: number, name: string): Promise<{ p50: number; p99: number; max: number; dropped: number }> {
  const script = join(work, 'load.js');
  writeFileSync(
    script,
    `import http from 'k6/http';
export const options = { scenarios: { load: { executor: 'constant-arrival-rate', rate: ${RATE}, timeUnit: '1s', duration: '${seconds}s', preAllocatedVUs: 100, maxVUs: 400 } }, summaryTrendStats: ['med', 'max', 'p(99)'] };
export default async function () { await http.asyncRequest('GET', 'http://127.0.0.1:${port}/'); }
`,
  );
  // started as the runner starts it: real-time (as root) from its start of load, else nice -5
  const load = startLoad({ engine: 'embedded', script, variant: name, scenario: 'start-lag', runId: 'start-lag-bench', profile: 'smoke', duration: seconds, vars: {}, resultsDir: work, env: { ...process.env, LAB_DIR: join(work, 'lab') }, remoteWrite: false });
  const m = (await load.done).summary as unknown as Record<string, Record<string, number>>;
  const lag = m.iteration_start_lag!;
  return { p50: lag.med!, p99: lag['p(99)']!, max: lag.max!, dropped: m.dropped_iterations?.count ?? 0 };
}

const { child: target, port } = await server();
const results: Record<'idle' | 'hogged', { p50: number; p99: number; max: number; dropped: number }[]> = { idle: [], hogged: [] };
try {
  for (let round = 1; round <= rounds; round++) {
    for (const mode of round % 2 ? (['idle', 'hogged'] as const) : (['hogged', 'idle'] as const)) {
      process.stdout.write(`round ${round}/${rounds}: ${mode} ...\n`);
      const hogging = mode === 'hogged' ? hogs() : [];
      try {
        results[mode].push(await engineRun(port, `${mode}-${round}`));
      } finally {
        for (const h of hogging) h.kill('SIGKILL');
      }
    }
  }
} finally {
  target.kill();
}
const worst = (rows: { p99: number }[]) => Math.max(...rows.map((r) => r.p99));
process.stdout.write(`\nstart lag at ${RATE}/s, ${seconds} s rounds (ms; worst round shown)\n`);
for (const mode of ['idle', 'hogged'] as const) {
  const rows = results[mode];
  process.stdout.write(`${mode.padEnd(7)} p50 ${Math.max(...rows.map((r) => r.p50)).toFixed(2)}  p99 ${worst(rows).toFixed(2)}  max ${Math.max(...rows.map((r) => r.max)).toFixed(1)}  dropped ${rows.map((r) => r.dropped).join('/')}\n`);
}
process.stdout.write(`hogged/idle p99 ratio ${(worst(results.hogged) / worst(results.idle)).toFixed(2)}; the guard's bound: ${MAX_START_LAG_P99_MS} ms\n`);
