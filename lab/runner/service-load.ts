/**
 * How hard the system under test worked, read from the services' own process metrics in
 * Prometheus: per phase and service the CPU, the event loop's p99 delay and resident memory (a
 * service saturated where the scenario did not mean it makes the run inconclusive), and over the
 * whole load the cost of resilience: CPU per successful request, requests the services sent each
 * other per client request (retry amplification), peak memory.
 */
import { cpus } from 'node:os';
import { expandPromql, type K6SummaryMetrics } from './hypotheses.ts';
import { length, type PhaseWindows, type Window } from './phases.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import type { PhaseName, Saturation } from './schema.ts';
import type { Check, Cost, ServiceLoad, VariantSummary } from '../run-summary/summary.ts';

const jobs = (services: readonly string[]) => `job=~"${services.join('|')}"`;
const round = (n: number | null, digits = 3) => (n === null ? null : Number(n.toFixed(digits)));

async function byJob(prometheus: PrometheusClient, expr: string, window: Window, what: string): Promise<Map<string, number>> {
  const rows = await prometheus.vector(expandPromql(expr, window, {}), window.end, what).catch(() => []);
  return new Map(rows.map((r) => [r.labels.job ?? '?', r.value]));
}

/**
 * Per phase, per service: CPU cores, event-loop p99 (ms: each second's p99 averaged over the phase,
 * the busiest instance; a saturated service lags for the whole phase, while one stall of a machine
 * shared with other work moves the average little) and peak resident memory (MiB).
 */
export async function measureServices(prometheus: PrometheusClient, services: readonly string[], phases: PhaseWindows): Promise<Record<string, Record<string, ServiceLoad>>> {
  const out: Record<string, Record<string, ServiceLoad>> = {};
  const sel = jobs(services);
  for (const [phase, window] of Object.entries(phases) as [PhaseName, Window][]) {
    if (length(window) <= 0) continue;
    const [cpu, loop, rss] = await Promise.all([
      byJob(prometheus, `sum by (job) (rate(process_cpu_seconds_total{${sel}}[$window]))`, window, 'service CPU'),
      byJob(prometheus, `max by (job) (avg_over_time(nodejs_eventloop_lag_p99_seconds{${sel}}[$window]))`, window, 'event-loop delay'),
      byJob(prometheus, `max by (job) (max_over_time(process_resident_memory_bytes{${sel}}[$window]))`, window, 'resident memory'),
    ]);
    out[phase] = Object.fromEntries(
      services.map((job) => [job, { cpuCores: round(cpu.get(job) ?? null), eventLoopP99Ms: round(loop.has(job) ? loop.get(job)! * 1000 : null, 2), residentMiB: round(rss.has(job) ? rss.get(job)! / 2 ** 20 : null, 1) }]),
    );
  }
  return out;
}

/** The cost of resilience over the variant's whole load. */
export async function measureCost(prometheus: PrometheusClient, services: readonly string[], window: Window, engine: K6SummaryMetrics | undefined): Promise<Cost> {
  const sel = jobs(services);
  const one = (expr: string, what: string) => prometheus.value(expandPromql(expr, window, {}), window.end, what).catch(() => null);
  const [cpu, downstream, memory] = await Promise.all([
    one(`sum(increase(process_cpu_seconds_total{${sel}}[$window]))`, 'app CPU'),
    one(`sum(increase(http_client_request_duration_seconds_count{${sel}}[$window]))`, 'downstream requests'),
    one(`max_over_time(sum(process_resident_memory_bytes{${sel}})[$window:1s])`, 'app memory'),
  ]);
  const requests = engine?.http_reqs?.count ?? 0;
  const successes = requests * (1 - (engine?.http_req_failed?.value ?? engine?.http_req_failed?.rate ?? 0));
  return {
    cpuSecondsPerSuccess: cpu === null || successes <= 0 ? null : round(cpu / successes, 6),
    downstreamPerRequest: downstream === null || requests <= 0 ? null : round(downstream / requests),
    peakMemoryMiB: memory === null ? null : round(memory / 2 ** 20, 1),
  };
}

/** The saturation bounds a run judges: the scenario's own, the rest from the machine. */
export interface SaturationBounds {
  phases: PhaseName[];
  cpuCores: number;
  totalCpuCores: number;
  eventLoopP99Ms: number;
}

/** One service's JavaScript runs on one thread: at 0.9 of a core it is saturated, whatever the machine. */
const SERVICE_CPU_CORES = 0.9;
/** All services together leave a fifth of the machine to the load engine and the datastores. */
const TOTAL_CPU_SHARE = 0.8;
/**
 * A service whose event loop lags 200 ms at p99 through a whole phase is saturated. Not lower: on
 * this 2-core machine under other work (load average 10) an idle Node process's worst second showed
 * 132-273 ms.
 */
const EVENT_LOOP_P99_MS = 200;

export function saturationBounds(declared: Saturation, cores = cpus().length): SaturationBounds {
  return {
    phases: declared.phases,
    cpuCores: declared.cpuCores ?? Math.min(SERVICE_CPU_CORES, TOTAL_CPU_SHARE * cores),
    totalCpuCores: declared.totalCpuCores ?? TOTAL_CPU_SHARE * cores,
    eventLoopP99Ms: declared.eventLoopP99Ms ?? EVENT_LOOP_P99_MS,
  };
}

/**
 * A service, or all of them together, beyond the bounds in a phase the bounds cover trips
 * `sut-saturation`. A service's CPU is summed over its instances (`instances`, default 1 each),
 * so its bound is the per-instance one times their number.
 */
export function saturationChecks(variant: VariantSummary, bounds: SaturationBounds, instances: Record<string, number> = {}): Check[] {
  const checks: Check[] = [];
  for (const phase of bounds.phases) {
    const services = variant.services[phase];
    if (!services) continue;
    const over: string[] = [];
    let total = 0;
    for (const [job, load] of Object.entries(services)) {
      total += load.cpuCores ?? 0;
      const cpuBound = round(bounds.cpuCores * (instances[job] ?? 1), 2);
      if (load.cpuCores !== null && load.cpuCores > cpuBound!) over.push(`${job} used ${load.cpuCores} cores (bound ${cpuBound})`);
      if (load.eventLoopP99Ms !== null && load.eventLoopP99Ms > bounds.eventLoopP99Ms) over.push(`${job}'s event loop lagged ${load.eventLoopP99Ms} ms at p99 on average (bound ${bounds.eventLoopP99Ms} ms)`);
    }
    if (total > bounds.totalCpuCores) over.push(`the services together used ${round(total, 2)} cores (bound ${round(bounds.totalCpuCores, 2)})`);
    checks.push({
      check: 'sut-saturation',
      variant: variant.name,
      ok: over.length === 0,
      detail: over.length ? `the app was saturated in the ${phase} phase where the scenario did not mean it: ${over.join('; ')}` : `no service beyond its bounds in the ${phase} phase`,
    });
  }
  return checks;
}
