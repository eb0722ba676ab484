/**
 * From measurements to a verdict: the checks that make a run inconclusive (the load generator
 * held its schedule, the app was not saturated where the scenario did not mean it, every fault
 * took effect and showed in the data, every hypothesis had data), then held/failed, then the
 * table printed at the end.
 */
import { format, type HypothesisResult } from './hypotheses.ts';
import { STARVED_CORE_SHARE, STARVED_DELAY_MS } from './cpu.ts';
import { OTHER_WORK_CORES } from './machine-load.ts';
import { MAX_DROPPED_RATIO } from './load-result.ts';
import { EXIT_CODES, type Check, type Summary, type VariantSummary, type Verdict } from '../run-summary/summary.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function loadChecks(variant: VariantSummary): Check[] {
  const e = variant.engine;
  if (!e) return [];
  const a = e.arrival;
  const checks: Check[] = [
    {
      check: 'arrival-rate',
      variant: variant.name,
      ok: a.droppedRatio <= MAX_DROPPED_RATIO,
      detail: `the load engine started ${a.achievedIterations} of ${a.plannedIterations} planned iterations (${a.achievedRate.toFixed(1)}/s of ${a.plannedRate.toFixed(1)}/s, dropped ${pct(a.droppedRatio)}, limit ${pct(MAX_DROPPED_RATIO)})`,
    },
    {
      check: 'vu-pool',
      variant: variant.name,
      ok: !e.vus.exhausted,
      detail: e.vus.exhausted ? `the load engine ran out of VUs (all ${e.vus.allocated} busy): raise maxVUs in load.ts` : `the VU pool (${e.vus.allocated}) was never exhausted`,
    },
  ];
  const cpu = e.cpu;
  checks.push({
    check: 'load-cpu',
    variant: variant.name,
    ok: !cpu.starved,
    detail: `the load engine waited ${cpu.schedulingDelayMs.toFixed(3)} ms for a core each time it had work (bound ${STARVED_DELAY_MS} ms) and used ${cpu.averageCores.toFixed(2)} cores on average (bound ${STARVED_CORE_SHARE} of the machine's)${cpu.starved ? ': it was starved of CPU, so its schedule and its timings do not describe the app' : ''}`,
  });
  if (e.machine) {
    const m = e.machine;
    const ok = m.otherCores < OTHER_WORK_CORES;
    const busiest = m.busiestOther.length ? ` (busiest: ${m.busiestOther.map((b) => `${b.command} ${b.cores.toFixed(2)}`).join(', ')})` : '';
    checks.push({
      check: 'machine-load',
      variant: variant.name,
      ok,
      detail: `other work on the machine used ${m.otherCores.toFixed(2)} cores on average while the load ran (bound ${OTHER_WORK_CORES}; the lab ${m.labCores.toFixed(2)}, the machine ${m.machineCores.toFixed(2)})${ok ? '' : `${busiest}: the app's services shared their cores with it, so its latencies do not describe the app alone`}`,
    });
  }
  const lag = e.startLag;
  if (lag && lag.p99Ms !== null) {
    checks.push({
      check: 'load-schedule',
      variant: variant.name,
      ok: lag.p99Ms <= lag.boundMs,
      detail: `iterations started ${lag.p99Ms.toFixed(2)} ms after their due time at p99 (max ${lag.maxMs?.toFixed(1) ?? '-'} ms, bound ${lag.boundMs} ms)${lag.p99Ms > lag.boundMs ? ': the load generator fell behind its schedule' : ''}; it used ${e.cpu.averageCores.toFixed(2)} cores`,
    });
  } else {
    checks.push({ check: 'load-schedule', variant: variant.name, ok: true, detail: `the ${e.engine} engine does not measure start lag: only dropped iterations judge its schedule` });
  }
  return checks;
}

/** A fault without a visibility check is named so in the verdict: applied, not verified. */
export const NOT_VERIFIED = 'applied, not verified';

export function faultChecks(variant: VariantSummary): Check[] {
  const checks: Check[] = [];
  for (const f of variant.faults) {
    const name = `${f.fault} on ${f.target}`;
    if (f.noEffect) checks.push({ check: 'fault-effect', variant: variant.name, ok: false, detail: `${name}: ${f.noEffect}` });
    const v = f.visibility;
    if (f.appliedAt === null) continue;
    if (!v || v.visible === null) {
      checks.push({ check: 'fault-unverified', variant: variant.name, ok: true, detail: `${name}: ${NOT_VERIFIED} (no check can show it in the data)` });
      continue;
    }
    checks.push({
      check: 'fault-visible',
      variant: variant.name,
      ok: v.visible,
      detail: `${name}: ${v.description}: observed ${format(v.observed)}, expected ${v.expected}`,
    });
  }
  return checks;
}

/** The load script's thresholds, judged by the engine, count like hypotheses over the whole run. */
export function thresholdHypotheses(variant: VariantSummary): HypothesisResult[] {
  return (variant.engine?.thresholds ?? []).map((t) => ({
    name: `threshold ${t.metric}: ${t.expression}`,
    variant: variant.name,
    phase: 'run' as const,
    measure: `${variant.engine!.engine} threshold on ${t.metric}`,
    observed: t.observed,
    bound: t.bound,
    expected: t.expression,
    outcome: t.ok ? ('held' as const) : ('failed' as const),
  }));
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
  const load = [['variant', 'planned/s', 'achieved/s', 'dropped', 'start lag p99', 'p95 ms', 'p99 ms', 'errors', 'engine cores', 'app CPU ms/req', 'downstream/req', 'app MiB']];
  for (const v of summary.variants) {
    const e = v.engine;
    const d = e?.metrics.http_req_duration;
    const fixed = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '-' : n.toFixed(digits));
    load.push([
      v.name,
      e ? e.arrival.plannedRate.toFixed(1) : '-',
      e ? e.arrival.achievedRate.toFixed(1) : '-',
      e ? pct(e.arrival.droppedRatio) : '-',
      e?.startLag?.p99Ms == null ? '-' : `${e.startLag.p99Ms.toFixed(2)} ms`,
      fixed(d?.['p(95)']),
      fixed(d?.['p(99)']),
      e?.metrics.http_req_failed ? pct(e.metrics.http_req_failed.value ?? e.metrics.http_req_failed.rate ?? 0) : '-',
      e ? e.cpu.averageCores.toFixed(2) : '-',
      fixed(v.cost.cpuSecondsPerSuccess === null ? null : v.cost.cpuSecondsPerSuccess * 1000, 2),
      fixed(v.cost.downstreamPerRequest, 2),
      fixed(v.cost.peakMemoryMiB, 0),
    ]);
  }
  const faults = summary.checks.filter((c) => c.check.startsWith('fault-')).map((c) => `- ${c.variant}: ${c.detail}${c.ok ? '' : ' [INCONCLUSIVE]'}`);
  const lines = [
    '',
    `${summary.scenario} (${summary.profile}): ${summary.verdict.toUpperCase()} (exit ${summary.exitCode}) in ${summary.wallSeconds.toFixed(1)} s`,
    '',
    table(rows),
    '',
    table(load),
  ];
  if (faults.length) lines.push('', 'faults:', ...faults);
  if (summary.reasons.length) lines.push('', ...summary.reasons.map((r) => `- ${r}`));
  lines.push('', `results: ${resultsDir}`);
  return lines.join('\n');
}
