/**
 * What telemetry costs: cached GET /products/:id through the gateway (gateway -> catalog ->
 * Redis, every edge through Toxiproxy) with the embedded load engine (a k6 script) at fixed arrival rates. Variants: telemetry off
 * (TELEMETRY=off), on with every trace sampled, and on at the lab's sampling ratio (traces to
 * Jaeger over OTLP, RED metrics with exemplars either way), rounds interleaved so that machine
 * noise falls on every side. The stack runs the infrastructure (Jaeger included); the bench
 * starts gateway, catalog-1 and pricing from topology.ts itself, with each variant's env.
 * Per round: throughput at an arrival rate above capacity (achieved req/s), p50/p99 at a fixed
 * moderate rate, and the CPU each process spent per request (robust to a busy machine).
 * Goal: telemetry costs under 15% of throughput.
 *
 *   node_modules/.bin/node bench/telemetry.bench.ts [rounds-per-variant]
 *   env: BENCH_OVERLOAD_RATE (default 3000/s), BENCH_LATENCY_RATE (400/s), BENCH_SECONDS (10)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { ToxiproxyClient } from '../chaos/toxiproxy.ts';
import { labDir, PROJECT_ROOT } from '../lab/paths.ts';
import { startStack, type StackHandle } from '../lab/stack/index.ts';
import { proxySpecs, serviceSpecs } from '../target-app/src/topology.ts';
import { procCpuSeconds } from '../lab/proc-stat.ts';

const GOAL_COST = 0.15;
const roundsPerVariant = Number(process.argv[2] ?? 2);
const overloadRate = Number(process.env.BENCH_OVERLOAD_RATE ?? 3000);
const latencyRate = Number(process.env.BENCH_LATENCY_RATE ?? 400);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const HOT_KEYS = 200;
const NODE = join(import.meta.dirname, '..', 'node_modules', '.bin', 'node');
const env: NodeJS.ProcessEnv = { ...process.env };
const outDir = join(labDir(env), 'bench-telemetry');
mkdirSync(outDir, { recursive: true });

interface Variant {
  name: string;
  env: Record<string, string>;
}
const VARIANTS: Variant[] = [
  { name: 'off', env: { TELEMETRY: 'off' } },
  { name: 'on, 10% sampled', env: { TELEMETRY: 'on', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } },
  { name: 'on, all sampled', env: { TELEMETRY: 'on', OTEL_TRACES_SAMPLER: 'parentbased_always_on' } },
];
const APP = ['pricing', 'catalog-1', 'gateway'];
const INFRA = ['redis', 'toxiproxy', 'jaeger'];

interface Phase {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}
interface Round {
  variant: string;
  overload: Phase;
  steady: Phase;
  /** CPU milliseconds per 1000 requests in the steady phase, by process: where the cost goes. */
  cpuPerKiloRequest: Record<string, number>;
}

/** utime + stime of a process, in ms (Linux /proc). */
function cpuMs(pid: number | undefined): number {
  return pid ? (procCpuSeconds(pid) ?? 0) * 1000 : 0;
}

function runLoad(baseUrl: string, rate: number, vus: number, name: string): Phase {
  const summaryFile = join(outDir, `${name}.json`);
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'load', 'cli.ts'), 'run', '--quiet', '--no-color', join(import.meta.dirname, 'telemetry.k6.js')], {
    env: {
      ...process.env,
      BASE_URL: baseUrl,
      RATE: String(rate),
      VUS: String(vus),
      DURATION: `${seconds}s`,
      HOT_KEYS: String(HOT_KEYS),
      SUMMARY_FILE: summaryFile,
    },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the load engine failed (${run.status}): ${run.stderr.slice(-500)}`);
  const { metrics } = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
  const duration = metrics.http_req_duration!.values;
  return { rps: metrics.http_reqs!.values.count! / seconds, p50: duration.med!, p99: duration['p(99)']!, failed: metrics.http_req_failed?.values.rate ?? 0 };
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fetch(url).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} not ready in 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** gateway, catalog-1 and pricing as the stack would run them, with the variant's env on top. */
async function startApp(stack: StackHandle, variant: Variant): Promise<ChildProcess[]> {
  const specs = serviceSpecs(stack.ports, { logLevel: 'warn', secrets: stack.secrets, appConfig: { catalog: { cacheTtlMs: 3_600_000 } } }).filter((s) => APP.includes(s.instance));
  const children: ChildProcess[] = [];
  for (const spec of specs) {
    const child = spawn(NODE, [spec.entry], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...spec.env, ...variant.env }, stdio: 'ignore' });
    children.push(child);
    await waitReady(`http://127.0.0.1:${spec.port}/readyz`);
  }
  return children;
}

async function stopApp(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
}

async function round(stack: StackHandle, variant: Variant, index: number): Promise<Round> {
  const children = await startApp(stack, variant);
  try {
    const baseUrl = `http://127.0.0.1:${stack.ports.gateway}`;
    for (let id = 1; id <= HOT_KEYS; id++) {
      const res = await fetch(`${baseUrl}/products/${id}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warm-up: GET /products/${id} answered ${res.status}`);
    }
    const tag = `${variant.name.replace(/\W+/g, '-')}-${index}`;
    runLoad(baseUrl, 200, 50, `warmup-${tag}`);
    const overload = runLoad(baseUrl, overloadRate, 300, `overload-${tag}`);
    const pids: Record<string, number | undefined> = Object.fromEntries([...APP.map((name, i) => [name, children[i]!.pid]), ...INFRA.map((name) => [name, stack.pidOf(name)])]);
    const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
    const steady = runLoad(baseUrl, latencyRate, 100, `steady-${tag}`);
    const requests = steady.rps * seconds;
    const cpuPerKiloRequest = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, ((cpuMs(pid) - before[name]!) * 1000) / requests]));
    return { variant: variant.name, overload, steady, cpuPerKiloRequest };
  } finally {
    await stopApp(children);
  }
}

const stack = await startStack({ env, withApp: false, seed: { products: 10_000 } });
const rounds: Round[] = [];
try {
  await new ToxiproxyClient(stack.ports.toxiproxy).populate(proxySpecs(stack.ports, 1));
  for (let i = 0; i < roundsPerVariant; i++) {
    for (const variant of VARIANTS) {
      const r = await round(stack, variant, i);
      rounds.push(r);
      process.stdout.write(
        `round ${i + 1} ${variant.name.padEnd(16)}: ${r.overload.rps.toFixed(0)} req/s at ${overloadRate}/s offered; ` +
          `at ${latencyRate}/s p50 ${r.steady.p50.toFixed(2)} ms p99 ${r.steady.p99.toFixed(2)} ms (failed ${(r.steady.failed * 100).toFixed(2)}%)\n`,
      );
    }
  }
} finally {
  await stack.stop();
}

const of = (v: string) => rounds.filter((r) => r.variant === v);
const processes = [...APP, ...INFRA];
const cpu = (v: string, name: string) => median(of(v).map((r) => r.cpuPerKiloRequest[name] ?? 0));
const totalCpu = (v: string) => processes.reduce((sum, name) => sum + cpu(v, name), 0);
const k6Version = 'the embedded load engine';
const off = VARIANTS[0]!.name;
process.stdout.write(`\ntelemetry cost, ${roundsPerVariant} rounds per variant (medians), Node ${process.version}, ${k6Version}\n`);
process.stdout.write(`| telemetry | throughput (req/s) | vs off | p50 at ${latencyRate}/s (ms) | p99 at ${latencyRate}/s (ms) | CPU ms per 1000 req (all processes) | vs off |\n|---|---|---|---|---|---|---|\n`);
for (const v of VARIANTS) {
  const rps = median(of(v.name).map((r) => r.overload.rps));
  const rpsOff = median(of(off).map((r) => r.overload.rps));
  const line = [v.name, rps.toFixed(0), (rps / rpsOff).toFixed(3), median(of(v.name).map((r) => r.steady.p50)).toFixed(2), median(of(v.name).map((r) => r.steady.p99)).toFixed(2), totalCpu(v.name).toFixed(0), (totalCpu(v.name) / totalCpu(off)).toFixed(3)];
  process.stdout.write(`| ${line.join(' | ')} |\n`);
}
process.stdout.write(`\nCPU ms per 1000 requests at ${latencyRate}/s, by process (where the cost goes)\n| process | ${VARIANTS.map((v) => v.name).join(' | ')} |\n|---|${VARIANTS.map(() => '---').join('|')}|\n`);
for (const name of processes) process.stdout.write(`| ${name} | ${VARIANTS.map((v) => cpu(v.name, name).toFixed(0)).join(' | ')} |\n`);
for (const v of VARIANTS.slice(1)) {
  // On a CPU-bound box capacity goes as 1 / CPU per request: the CPU ratio is the steadier estimate.
  const byThroughput = 1 - median(of(v.name).map((r) => r.overload.rps)) / median(of(off).map((r) => r.overload.rps));
  const byCpu = 1 - totalCpu(off) / totalCpu(v.name);
  const verdict = byCpu < GOAL_COST ? 'met' : 'NOT met';
  process.stdout.write(`${v.name}: throughput cost ${(byThroughput * 100).toFixed(1)}% measured, ${(byCpu * 100).toFixed(1)}% from CPU per request (goal under ${GOAL_COST * 100}%): ${verdict}\n`);
}
