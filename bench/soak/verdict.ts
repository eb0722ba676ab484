/**
 * The soak's three criteria, judged on its per-minute figures (issue 21, item 11):
 * resident memory growth (PSS, bench/soak/minutes.ts) of every process under 10% after the
 * warm-up; no failed request over the whole soak; p99 drift under 20%. Growth and drift compare
 * the same two windows: the first after the warm-up and the last one of the same length (memory as
 * the mean of the windows' minutes, latency as each window's histograms merged exactly). A single
 * minute is no base: a collection landing in it moved a flat gateway's figure 12% (114 MiB at
 * minute 5 between minutes at 127-132), which read as growth to the end.
 * Memory is judged per process of the shop under test: its services and their stores (PostgreSQL,
 * Redis). The lab's own instruments (LAB_INSTRUMENTS) are shown with their growth beside them, not
 * judged: what they hold is what they are configured to keep (Prometheus's head keeps every sample
 * until its 2-hour block is cut, Jaeger a ring of traces), not what the shop leaks.
 */
import * as hdr from 'hdr-histogram-js';
import { mean } from 'simple-statistics';
import { percentileMs } from '../../lab/load-seconds/window.ts';
import type { Minute } from './minutes.ts';

export const MAX_MEMORY_GROWTH = 0.1;
/** The lab's instruments around the shop: their memory is shown, not judged. */
export const LAB_INSTRUMENTS = ['toxiproxy', 'prometheus', 'jaeger', 'victoria-logs'];
export const MAX_P99_DRIFT = 0.2;
/** Minutes of a drift window (fewer on a short trial run). */
const DRIFT_WINDOW_MINUTES = 5;

export interface Criterion {
  name: string;
  measured: string;
  bound: string;
  pass: boolean;
}

export interface MemoryGrowth {
  process: string;
  /** Mean over the first window after the warm-up (Verdict.drift.firstMinutes). */
  firstMiB: number;
  /** Mean over the last window (Verdict.drift.lastMinutes). */
  lastMiB: number;
  maxMiB: number;
  growth: number;
  /** False for the lab's instruments (shown beside the shop's processes). */
  judged: boolean;
}

export interface Verdict {
  criteria: Criterion[];
  memory: MemoryGrowth[];
  drift: { firstMinutes: [number, number]; lastMinutes: [number, number]; firstP99Ms: number | null; lastP99Ms: number | null; drift: number | null };
  pass: boolean;
}

function mergedP99(histograms: hdr.Histogram[]): number | null {
  const merged = hdr.build({ autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const h of histograms) merged.add(h);
  return percentileMs(merged, 99);
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** `histograms[i]` is minute i+1's merged latency; warmupMinutes are left out of memory growth and drift. */
export function judgeSoak(minutes: Minute[], histograms: hdr.Histogram[], warmupMinutes: number): Verdict {
  const span = Math.max(1, Math.min(DRIFT_WINDOW_MINUTES, Math.floor((minutes.length - warmupMinutes) / 2)));
  const firstMinutes: [number, number] = [warmupMinutes + 1, warmupMinutes + span];
  const lastMinutes: [number, number] = [minutes.length - span + 1, minutes.length];
  const inWindow = ([from, to]: [number, number]) => minutes.slice(from - 1, to);

  const after = minutes.slice(warmupMinutes);
  const windowMean = (window: [number, number], process: string) => mean(inWindow(window).map((m) => m.pssMiB[process] ?? 0));
  const memory: MemoryGrowth[] = Object.keys(minutes[0]!.pssMiB).map((process) => {
    const first = windowMean(firstMinutes, process);
    const last = windowMean(lastMinutes, process);
    return { process, firstMiB: first, lastMiB: last, maxMiB: Math.max(...after.map((m) => m.pssMiB[process] ?? 0)), growth: first > 0 ? last / first - 1 : Infinity, judged: !LAB_INSTRUMENTS.includes(process) };
  });
  const judged = memory.filter((m) => m.judged);
  const worst = judged.reduce((a, b) => (b.growth > a.growth ? b : a));

  const failed = minutes.reduce((sum, m) => sum + m.failed, 0);
  const requests = minutes.reduce((sum, m) => sum + m.requests, 0);
  const dropped = minutes.reduce((sum, m) => sum + m.dropped, 0);

  const firstP99Ms = mergedP99(histograms.slice(firstMinutes[0] - 1, firstMinutes[1]));
  const lastP99Ms = mergedP99(histograms.slice(lastMinutes[0] - 1, lastMinutes[1]));
  const drift = firstP99Ms && lastP99Ms !== null ? lastP99Ms / firstP99Ms - 1 : null;

  const meanLoad = ([from, to]: [number, number]) => mean(minutes.slice(from - 1, to).map((m) => m.loadAverage)).toFixed(1);
  const criteria: Criterion[] = [
    {
      name: `resident memory growth per service and store of the shop, mean of minutes ${firstMinutes.join('-')} vs ${lastMinutes.join('-')}`,
      measured: `worst ${worst.process} ${pct(worst.growth)} (${worst.firstMiB.toFixed(1)} -> ${worst.lastMiB.toFixed(1)} MiB)`,
      bound: `< ${pct(MAX_MEMORY_GROWTH)} each`,
      pass: judged.every((m) => m.growth < MAX_MEMORY_GROWTH),
    },
    { name: 'failed requests, whole soak', measured: `${failed} of ${requests}`, bound: '0', pass: failed === 0 && requests > 0 },
    {
      name: `p99 drift, minutes ${firstMinutes.join('-')} vs ${lastMinutes.join('-')}`,
      // on a shared machine the windows' load average is the first suspect of a drift: shown beside it
      measured: drift === null ? 'n/a (no requests)' : `${firstP99Ms!.toFixed(1)} -> ${lastP99Ms!.toFixed(1)} ms (${pct(drift)}; mean load average ${meanLoad(firstMinutes)} -> ${meanLoad(lastMinutes)})`,
      bound: `within ±${(MAX_P99_DRIFT * 100).toFixed(0)}%`,
      pass: drift !== null && Math.abs(drift) < MAX_P99_DRIFT,
    },
  ];
  // not a criterion of the issue, shown beside them: an engine that could not keep the schedule would hide load
  criteria.push({ name: 'dropped iterations (shown, not judged)', measured: String(dropped), bound: '-', pass: true });
  return { criteria, memory, drift: { firstMinutes, lastMinutes, firstP99Ms, lastP99Ms, drift }, pass: criteria.every((c) => c.pass) };
}

export function verdictTable(v: Verdict): string {
  const rows = v.criteria.map((c) => `| ${c.name} | ${c.measured} | ${c.bound} | ${c.bound === '-' ? '-' : c.pass ? 'pass' : 'FAIL'} |`);
  const memory = v.memory.map((m) => `| ${m.process} | ${m.firstMiB.toFixed(1)} | ${m.lastMiB.toFixed(1)} | ${m.maxMiB.toFixed(1)} | ${pct(m.growth)} | ${!m.judged ? 'shown (the lab\'s instrument)' : m.growth < MAX_MEMORY_GROWTH ? 'pass' : 'FAIL'} |`);
  return (
    '| criterion | measured | bound | verdict |\n|---|---|---|---|\n' +
    rows.join('\n') +
    `\n\n| process | PSS, minutes ${v.drift.firstMinutes.join('-')}, MiB | minutes ${v.drift.lastMinutes.join('-')} | max after warm-up | growth | verdict |\n|---|---|---|---|---|---|\n` +
    memory.join('\n') +
    '\n'
  );
}
