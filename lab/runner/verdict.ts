/**
 * From measurements to a verdict: the checks that make a run inconclusive (the load generator
 * held its schedule and was not starved, every fault took effect and showed in the data, every
 * hypothesis had data), then held/failed, then the table printed at the end.
 */
import { format, type HypothesisResult } from './hypotheses.ts';
import { MAX_DROPPED_RATIO } from './k6.ts';
import { EXIT_CODES, type Check, type Summary, type VariantSummary, type Verdict } from './summary.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function loadChecks(variant: VariantSummary): Check[] {
  const k6 = variant.k6;
  if (!k6) return [];
  const a = k6.arrival;
  return [
    {
      check: 'arrival-rate',
      variant: variant.name,
      ok: a.droppedRatio <= MAX_DROPPED_RATIO,
      detail: `k6 started ${a.achievedIterations} of ${a.plannedIterations} planned iterations (${a.achievedRate.toFixed(1)}/s of ${a.plannedRate.toFixed(1)}/s, dropped ${pct(a.droppedRatio)}, limit ${pct(MAX_DROPPED_RATIO)})`,
    },
    {
      check: 'vu-pool',
      variant: variant.name,
      ok: !k6.vus.exhausted,
      detail: k6.vus.exhausted ? `k6 ran out of VUs (all ${k6.vus.allocated} busy): raise maxVUs in load.ts` : `k6's VU pool (${k6.vus.allocated}) was never exhausted`,
    },
    {
      check: 'load-cpu',
      variant: variant.name,
      ok: !k6.cpu.starved,
      detail: `k6 used ${k6.cpu.averageCores.toFixed(2)} cores on average (peak ${k6.cpu.peakCores.toFixed(2)}) and waited ${k6.cpu.schedulingDelayMs.toFixed(2)} ms on average for a CPU each time it had work (${pct(k6.cpu.runQueueWaitRatio)} of its runnable time)`,
    },
  ];
}

export function faultChecks(variant: VariantSummary): Check[] {
  const checks: Check[] = [];
  for (const f of variant.faults) {
    const name = `${f.fault} on ${f.target}`;
    if (f.noEffect) checks.push({ check: 'fault-effect', variant: variant.name, ok: false, detail: `${name}: ${f.noEffect}` });
    const v = f.visibility;
    if (!v) continue;
    if (v.visible === null) continue;
    checks.push({
      check: 'fault-visible',
      variant: variant.name,
      ok: v.visible,
      detail: `${name}: ${v.description}: observed ${format(v.observed)}, expected ${v.expected}`,
    });
  }
  return checks;
}

export function hypothesisDataChecks(results: readonly HypothesisResult[]): Check[] {
  return results
    .filter((r) => r.outcome === 'no-data')
    .map((r) => ({ check: 'hypothesis-data', variant: r.variant, ok: false, detail: `'${r.name}' had no data in the ${r.phase} phase: ${r.measure}` }));
}

/** Inconclusive beats failed: a run that did not test what it claims proves nothing either way. */
export function decideVerdict(checks: readonly Check[], results: readonly HypothesisResult[]): { verdict: Verdict; exitCode: number; reasons: string[] } {
  const tripped = checks.filter((c) => !c.ok);
  const failed = results.filter((r) => r.outcome === 'failed');
  const reasons = [
    ...tripped.map((c) => `inconclusive: ${c.variant ? `${c.variant}: ` : ''}${c.detail}`),
    ...failed.map((r) => `failed: '${r.name}' in ${r.variant}/${r.phase}: observed ${format(r.observed)}, expected ${r.expected}`),
  ];
  const verdict: Verdict = tripped.length > 0 ? 'inconclusive' : failed.length > 0 ? 'failed' : 'passed';
  return { verdict, exitCode: EXIT_CODES[verdict], reasons };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function verdictTable(summary: Summary, resultsDir: string): string {
  const rows = [['hypothesis', 'variant', 'phase', 'observed', 'expected', 'result']];
  for (const h of summary.hypotheses) rows.push([h.name, h.variant, h.phase, format(h.observed), h.expected, h.outcome.toUpperCase()]);
  const load = [['variant', 'planned/s', 'achieved/s', 'dropped', 'p95 ms', 'p99 ms', 'errors', 'k6 cores', 'faults']];
  for (const v of summary.variants) {
    const k = v.k6;
    const d = k?.metrics.http_req_duration;
    load.push([
      v.name,
      k ? k.arrival.plannedRate.toFixed(1) : '-',
      k ? k.arrival.achievedRate.toFixed(1) : '-',
      k ? pct(k.arrival.droppedRatio) : '-',
      d?.['p(95)'] === undefined ? '-' : d['p(95)'].toFixed(1),
      d?.['p(99)'] === undefined ? '-' : d['p(99)'].toFixed(1),
      k?.metrics.http_req_failed ? pct(k.metrics.http_req_failed.value ?? 0) : '-',
      k ? k.cpu.averageCores.toFixed(2) : '-',
      v.faults.map((f) => `${f.fault}@${f.target}`).join(' ') || '-',
    ]);
  }
  const lines = [
    '',
    `${summary.scenario} (${summary.profile}): ${summary.verdict.toUpperCase()} (exit ${summary.exitCode}) in ${summary.wallSeconds.toFixed(1)} s`,
    '',
    table(rows),
    '',
    table(load),
  ];
  if (summary.reasons.length) lines.push('', ...summary.reasons.map((r) => `- ${r}`));
  lines.push('', `results: ${resultsDir}`);
  return lines.join('\n');
}
