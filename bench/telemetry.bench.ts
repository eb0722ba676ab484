/**
 * What telemetry costs: cached GET /products/:id through the gateway (gateway -> catalog ->
 * Redis, every edge through Toxiproxy) with k6 at fixed arrival rates, telemetry fully on
 * (traces to Jaeger over OTLP, RED metrics with exemplars) against the same build with
 * TELEMETRY=off, rounds interleaved on/off/on/off so machine noise falls on both sides.
 * Per round: throughput at an arrival rate above capacity (achieved req/s), then p50/p99 at a
 * fixed moderate rate. Goal: telemetry costs under 15% of throughput.
 *
 *   node_modules/.bin/node bench/telemetry.bench.ts [rounds-per-side]
 *   env: BENCH_OVERLOAD_RATE (default 4000/s), BENCH_LATENCY_RATE (500/s), BENCH_SECONDS (10)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir, TOOLS_BIN } from '../lab/paths.ts';
import { startStack, stopStack } from '../lab/stack/index.ts';

const GOAL_COST = 0.15;
const roundsPerSide = Number(process.argv[2] ?? 2);
const overloadRate = Number(process.env.BENCH_OVERLOAD_RATE ?? 4000);
const latencyRate = Number(process.env.BENCH_LATENCY_RATE ?? 500);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const HOT_KEYS = 200;
const env: NodeJS.ProcessEnv = { ...process.env };
const outDir = join(labDir(env), 'bench-telemetry');
mkdirSync(outDir, { recursive: true });

interface Phase {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  dropped: number;
}
interface Round {
  telemetry: 'on' | 'off';
  overload: Phase;
  steady: Phase;
  /** CPU milliseconds per 1000 requests in the steady phase, by process: where the cost goes. */
  cpuPerKiloRequest: Record<string, number>;
}

const PROCESSES = ['gateway', 'catalog-1', 'redis', 'toxiproxy', 'jaeger', 'prometheus', 'loki'];
const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in ms (Linux /proc). */
function cpuMs(pid: number | undefined): number {
  if (!pid || !existsSync(`/proc/${pid}/stat`)) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function runK6(baseUrl: string, rate: number, vus: number, name: string): Phase {
  const summaryFile = join(outDir, `${name}.json`);
  const run = spawnSync(join(TOOLS_BIN, 'k6'), ['run', '--quiet', '--no-color', join(import.meta.dirname, 'telemetry.k6.js')], {
    env: {
      ...process.env,
      K6_AUTO_EXTENSION_RESOLUTION: 'false',
      K6_NO_USAGE_REPORT: 'true',
      BASE_URL: baseUrl,
      RATE: String(rate),
      VUS: String(vus),
      DURATION: `${seconds}s`,
      HOT_KEYS: String(HOT_KEYS),
      SUMMARY_FILE: summaryFile,
    },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`k6 failed (${run.status}): ${run.stderr.slice(-500)}`);
  const { metrics } = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
  const duration = metrics.http_req_duration!.values;
  return {
    rps: metrics.http_reqs!.values.count! / seconds,
    p50: duration.med!,
    p99: duration['p(99)']!,
    failed: metrics.http_req_failed?.values.rate ?? 0,
    dropped: metrics.dropped_iterations?.values.count ?? 0,
  };
}

async function warm(baseUrl: string): Promise<void> {
  for (let id = 1; id <= HOT_KEYS; id++) {
    const res = await fetch(`${baseUrl}/products/${id}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`warm-up: GET /products/${id} answered ${res.status}`);
  }
}

async function round(telemetry: 'on' | 'off', index: number): Promise<Round> {
  const stack = await startStack({
    env,
    withApp: true,
    telemetry: telemetry === 'on',
    logLevel: 'warn',
    seed: { products: 10_000 },
    appConfig: { catalog: { cacheStrategy: 'protected', cacheTtlMs: 3_600_000 } },
  });
  try {
    const baseUrl = `http://127.0.0.1:${stack.ports.gateway}`;
    await warm(baseUrl);
    runK6(baseUrl, 200, 50, `warmup-${index}`);
    const overload = runK6(baseUrl, overloadRate, 300, `overload-${telemetry}-${index}`);
    const pids = Object.fromEntries(PROCESSES.map((name) => [name, stack.pidOf(name)]));
    const before = Object.fromEntries(PROCESSES.map((name) => [name, cpuMs(pids[name])]));
    const steady = runK6(baseUrl, latencyRate, 100, `steady-${telemetry}-${index}`);
    const requests = steady.rps * seconds;
    const cpuPerKiloRequest = Object.fromEntries(PROCESSES.filter((name) => pids[name]).map((name) => [name, ((cpuMs(pids[name]) - before[name]!) * 1000) / requests]));
    return { telemetry, overload, steady, cpuPerKiloRequest };
  } finally {
    await stack.stop();
  }
}

const rounds: Round[] = [];
await stopStack(env);
for (let i = 0; i < roundsPerSide; i++) {
  for (const telemetry of ['on', 'off'] as const) {
    const r = await round(telemetry, i);
    rounds.push(r);
    process.stdout.write(
      `round ${i + 1} telemetry ${telemetry.padEnd(3)}: ${r.overload.rps.toFixed(0)} req/s at ${overloadRate}/s offered; ` +
        `at ${latencyRate}/s p50 ${r.steady.p50.toFixed(2)} ms p99 ${r.steady.p99.toFixed(2)} ms (failed ${(r.steady.failed * 100).toFixed(2)}%)\n`,
    );
  }
}

const side = (t: 'on' | 'off') => rounds.filter((r) => r.telemetry === t);
const summary = (t: 'on' | 'off') => ({
  rps: median(side(t).map((r) => r.overload.rps)),
  p50: median(side(t).map((r) => r.steady.p50)),
  p99: median(side(t).map((r) => r.steady.p99)),
});
const on = summary('on');
const off = summary('off');
const cost = 1 - on.rps / off.rps;
const k6Version = spawnSync(join(TOOLS_BIN, 'k6'), ['version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
process.stdout.write(`\ntelemetry cost, ${roundsPerSide} rounds per side (medians), Node ${process.version}, ${k6Version}\n`);
process.stdout.write(`| telemetry | throughput (req/s) | p50 at ${latencyRate}/s (ms) | p99 at ${latencyRate}/s (ms) |\n|---|---|---|---|\n`);
process.stdout.write(`| off | ${off.rps.toFixed(0)} | ${off.p50.toFixed(2)} | ${off.p99.toFixed(2)} |\n| on | ${on.rps.toFixed(0)} | ${on.p50.toFixed(2)} | ${on.p99.toFixed(2)} |\n`);
process.stdout.write(`throughput ratio on/off ${(on.rps / off.rps).toFixed(3)}: telemetry costs ${(cost * 100).toFixed(1)}% (goal under ${GOAL_COST * 100}%): ${cost < GOAL_COST ? 'met' : 'NOT met'}\n`);
const cpu = (t: 'on' | 'off', name: string) => median(side(t).map((r) => r.cpuPerKiloRequest[name] ?? 0));
process.stdout.write(`\nCPU ms per 1000 requests at ${latencyRate}/s (where the cost goes)\n| process | off | on | on - off |\n|---|---|---|---|\n`);
for (const name of PROCESSES.filter((n) => rounds.some((r) => n in r.cpuPerKiloRequest))) {
  const a = cpu('off', name);
  const b = cpu('on', name);
  process.stdout.write(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b - a).toFixed(0)} |\n`);
}
process.stdout.write(`p50 ratio on/off ${(on.p50 / off.p50).toFixed(2)}, p99 ratio on/off ${(on.p99 / off.p99).toFixed(2)}\n`);
