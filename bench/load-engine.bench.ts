/**
 * The embedded load engine against vegeta v12.13.0, side by side in one run, on a plain
 * node:http server at 400, 2,000 and 5,000 requests/s with 0 ms and 50 ms of server latency.
 * Rounds interleave the two generators (the order alternates) so machine noise falls on both.
 * Per round, inside its steady window (start-up and the last partial second left out):
 * the share of the planned rate held, the generator process's CPU per request (/proc), and the
 * p50 latency from the actual send. Goals (issue 8): rate within 0.5% of plan, CPU per request
 * at or below vegeta's, p50 within 0.1 ms or 5% (the larger) of vegeta's.
 *
 *   node_modules/.bin/node bench/load-engine.bench.ts [round-seconds=10] [rounds=2] [rates=400,2000,5000]
 *
 * Naming fewer rates buys more rounds of one point in the same time, where its noise needs them.
 *
 * vegeta is built into ~/.cache/faultline/bench-bin on first use (Go and the module proxy).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median } from 'simple-statistics';
import { labDir } from '../lab/paths.ts';
import { ENGINE_CLI, runEngine } from './load-engine/embedded.ts';
import type { Point, RoundResult } from './load-engine/round.ts';
import { ensureVegeta, runVegeta, VEGETA_VERSION } from './load-engine/vegeta.ts';

const ALL_RATES = [400, 2000, 5000];
const LATENCIES_MS = [0, 50];
const GOAL_RATE_HELD = 0.005;
const GOAL_P50_ABS_MS = 0.1;
const GOAL_P50_REL = 0.05;

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 2);
const RATES = process.argv[4] === undefined ? ALL_RATES : process.argv[4].split(',').map(Number);
if (!Number.isInteger(seconds) || seconds < 7 || !Number.isInteger(rounds) || rounds < 1 || !RATES.every((rate) => ALL_RATES.includes(rate))) {
  process.stderr.write(`usage: bench/load-engine.bench.ts [round-seconds >= 7] [rounds >= 1] [rates, some of ${ALL_RATES.join(',')}] (got ${process.argv.slice(2).join(' ')})\n`);
  process.exit(2);
}
const NODE = join(import.meta.dirname, '..', 'node_modules', '.bin', 'node');
const outDir = join(labDir(process.env), 'bench-load-engine');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/** The 1-minute load average: figures taken on a busy machine say so. */
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const loadBefore = loadAverage();
const startedMs = Date.now();

const vegeta = ensureVegeta();
const engineReady = existsSync(ENGINE_CLI);
if (!engineReady) process.stdout.write(`the embedded engine (${ENGINE_CLI}) is not there: measuring vegeta alone\n`);

const server = spawn(NODE, [join(import.meta.dirname, 'load-engine', 'plain-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const [firstLine] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
const port = Number(firstLine.split(' ')[1]);

/** A figure, or n/a where no request completed inside the window to measure it by. */
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

type Generator = 'vegeta' | 'engine';
const results: { point: Point; generator: Generator; result: RoundResult }[] = [];

async function measure(point: Point, generator: Generator, tag: string): Promise<RoundResult> {
  return generator === 'vegeta' ? runVegeta(vegeta, point, join(outDir, `${tag}.vegeta.bin`)) : runEngine(point, join(outDir, `${tag}.engine`));
}

try {
  // warm the server's JIT and the loopback path so the first measured round is not the odd one out
  await runVegeta(vegeta, { rate: 2000, latencyMs: 0, url: `http://127.0.0.1:${port}/0`, seconds: 7 }, join(outDir, 'warm-up.vegeta.bin'));
  for (const rate of RATES) {
    for (const latencyMs of LATENCIES_MS) {
      const point: Point = { rate, latencyMs, url: `http://127.0.0.1:${port}/${latencyMs}`, seconds };
      for (let round = 0; round < rounds; round++) {
        const order: Generator[] = !engineReady ? ['vegeta'] : round % 2 === 0 ? ['vegeta', 'engine'] : ['engine', 'vegeta'];
        for (const generator of order) {
          const result = await measure(point, generator, `${rate}-${latencyMs}-${round}`);
          results.push({ point, generator, result });
          process.stdout.write(
            `${rate}/s ${latencyMs} ms round ${round + 1} ${generator.padEnd(6)}: held ${(result.rateHeld * 100).toFixed(3)}%, ` +
              `${fixed(result.cpuUsPerRequest, 1)} µs CPU/req, p50 ${fixed(result.p50Ms, 3)} ms, failed ${result.failed}, dropped ${result.dropped}\n`,
          );
        }
      }
    }
  }
} finally {
  server.kill('SIGTERM');
}

const of = (rate: number, latencyMs: number, generator: Generator) =>
  results.filter((r) => r.point.rate === rate && r.point.latencyMs === latencyMs && r.generator === generator).map((r) => r.result);
const med = (rs: RoundResult[], pick: (r: RoundResult) => number) => (rs.length ? median(rs.map(pick)) : NaN);
const pct = (held: number) => `${((held - 1) * 100).toFixed(3)}%`;

process.stdout.write(`\nload generators side by side: ${rounds} interleaved ${seconds} s rounds per point (medians), vegeta ${VEGETA_VERSION}, Node ${process.version}, load average ${loadBefore} before and ${loadAverage()} after, ${((Date.now() - startedMs) / 60_000).toFixed(1)} min\n`);
process.stdout.write(
  '| rate/s | server ms | rate vs plan: vegeta | engine | CPU µs/req: vegeta | engine | engine/vegeta | p50 ms: vegeta | engine | diff | failed+dropped v/e | goals |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|\n',
);
for (const rate of RATES) {
  for (const latencyMs of LATENCIES_MS) {
    const v = of(rate, latencyMs, 'vegeta');
    const e = of(rate, latencyMs, 'engine');
    const heldV = med(v, (r) => r.rateHeld);
    const heldE = med(e, (r) => r.rateHeld);
    const cpuV = med(v, (r) => r.cpuUsPerRequest);
    const cpuE = med(e, (r) => r.cpuUsPerRequest);
    const p50V = med(v, (r) => r.p50Ms);
    const p50E = med(e, (r) => r.p50Ms);
    const lost = (rs: RoundResult[]) => rs.reduce((sum, r) => sum + r.failed + r.dropped, 0);
    const goals = e.length === 0
      ? 'engine not measured'
      : [
          Math.abs(heldE - 1) <= GOAL_RATE_HELD ? 'rate ok' : 'RATE MISSED',
          cpuE <= cpuV ? 'cpu ok' : 'CPU ABOVE',
          Math.abs(p50E - p50V) <= Math.max(GOAL_P50_ABS_MS, GOAL_P50_REL * p50V) ? 'p50 ok' : 'P50 OFF',
        ].join(', ');
    const cells = [rate, latencyMs, pct(heldV), pct(heldE), fixed(cpuV, 1), fixed(cpuE, 1), fixed(cpuE / cpuV, 2), fixed(p50V, 3), fixed(p50E, 3), fixed(p50E - p50V, 3), `${lost(v)}/${lost(e)}`, goals];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
}
