/**
 * Judges hypotheses: each measure is taken in a variant's phase window (PromQL at the window's
 * end over `$window`, a k6 summary metric, or read-only SQL on the lab's PostgreSQL), compared
 * with a constant or with the same measure in another variant or phase. A measure with no data
 * is neither held nor failed: `no-data`.
 */
import type { Op } from '../../chaos/fault.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import { length, type PhaseWindows, type Window } from './phases.ts';
import type { Hypothesis, Measure, PhaseName } from './schema.ts';
import { observeSql, type Datastores } from './sql-measure.ts';

export type K6SummaryMetrics = Record<string, Record<string, number>>;

export interface VariantWindows {
  variant: string;
  phases: PhaseWindows;
  /** The seconds some fault was on (merged); the fault phase's `$active` lets only these through. */
  faultIntervals?: Window[];
  /** k6's end-of-test summary metrics for this variant, when it has one. */
  k6?: K6SummaryMetrics;
}

export type Outcome = 'held' | 'failed' | 'no-data';

export interface HypothesisResult {
  name: string;
  variant: string;
  phase: PhaseName;
  /** The measure as evaluated (PromQL with $window expanded, or `k6 metric stat`). */
  measure: string;
  observed: number | null;
  /** The bound the observed value was compared with, and how it was reached. */
  bound: number | null;
  expected: string;
  outcome: Outcome;
}

export interface Observation {
  value: number | null;
  text: string;
}

export interface MeasureContext {
  prometheus: PrometheusClient;
  scenario: string;
  /** The lab's PostgreSQL and Redis, for SQL measures. */
  datastores?: Datastores;
}

/** Prometheus scrapes every second: one more second of lookback anchors a counter on its last sample before the window. */
const LOOKBACK_SECONDS = 1;

/**
 * `$active` as PromQL: a filter that passes at the evaluation times inside `intervals` (each
 * extended by one scrape interval, the time a counter takes to show what happened), or without
 * intervals at every time of the window (from one scrape interval before it, as `$window` reaches).
 */
export function activeFilter(window: Window, intervals?: readonly Window[]): string {
  const at = (t: number) => String(Math.round(t * 1000) / 1000);
  if (!intervals || intervals.length === 0) return `(vector(time()) > ${at(window.start - LOOKBACK_SECONDS)})`;
  return `(${intervals.map((w) => `(vector(time()) > ${at(w.start)} < ${at(w.end + LOOKBACK_SECONDS)})`).join(' or ')})`;
}

/**
 * `$merged(<selector>)` as PromQL: the histograms' increase over the judged seconds, summed, for a
 * quantile over them. A histogram cannot be summed over a subquery here (Prometheus 2.42 has no
 * sum_over_time for native histograms), so each stretch of active seconds is its own range, at
 * its own end (`@`), and the stretches are added.
 */
function mergedIncrease(selector: string, window: Window, intervals: readonly Window[] | undefined): string {
  if (!intervals || intervals.length === 0) return `sum(increase(${selector}[${Math.max(1, Math.round(length(window))) + LOOKBACK_SECONDS}s]))`;
  // from a scrape interval before the stretch (whole seconds) to one after it, as `$window` and `$active` reach
  const stretch = (w: Window) => {
    const start = Math.floor(w.start) - LOOKBACK_SECONDS;
    const end = Math.ceil(w.end) + LOOKBACK_SECONDS;
    return `sum(increase(${selector}[${end - start}s] @ ${end}))`;
  };
  return `(${intervals.map(stretch).join(' + ')})`;
}

/**
 * `$window` -> the window's whole seconds (plus one scrape interval), `$active` -> the seconds
 * judged inside it (activeFilter), `$merged(<histogram selector>)` -> its increase over those
 * seconds (mergedIncrease), `$variant`, `$scenario` -> their names, `$target_port` -> the
 * port of the faulted edge's proxy (fault checks only).
 */
export function expandPromql(expr: string, window: Window, vars: Record<string, string>, active?: readonly Window[]): string {
  const seconds = Math.max(1, Math.round(length(window))) + LOOKBACK_SECONDS;
  return expr
    .replace(/\$merged\(([^()]*)\)/g, (_m, selector: string) => mergedIncrease(selector, window, active))
    .replaceAll('$window', `${seconds}s`)
    .replaceAll('$active', activeFilter(window, active))
    .replace(/\$(variant|scenario|target_port)\b/g, (_m, name: string) => vars[name] ?? '');
}

export async function observe(measure: Measure, run: VariantWindows, phase: PhaseName, ctx: MeasureContext, what: string): Promise<Observation> {
  if ('k6' in measure) {
    const value = run.k6?.[measure.k6]?.[measure.stat];
    return { value: value === undefined || Number.isNaN(value) ? null : value, text: `k6 ${measure.k6} ${measure.stat}` };
  }
  const window = run.phases[phase];
  if ('sql' in measure) {
    if (!window) return { value: null, text: `sql (no ${phase} phase)` };
    return await observeSql(measure, { variant: run.variant, scenario: ctx.scenario, window, ...(run.k6 ? { k6: run.k6 } : {}) }, ctx.datastores, what);
  }
  if (!window) return { value: null, text: `${measure.promql} (no ${phase} phase)` };
  const vars = { variant: run.variant, scenario: ctx.scenario };
  const active = phase === 'fault' ? run.faultIntervals : undefined;
  const text = expandPromql(measure.promql, window, vars, active);
  const value = await ctx.prometheus.value(text, window.end, what);
  if (value !== null || !measure.absentMeansZero) return { value, text };
  // the scenario says absence means 0, but only while its witness shows the data could have been there
  const witness = await ctx.prometheus.value(expandPromql(measure.absentMeansZero.witness, window, vars, active), window.end, `${what} (its witness)`);
  return witness === null ? { value: null, text: `${text} (no series, and its witness had no data either)` } : { value: 0, text: `${text} (no series: 0, its witness had data)` };
}

export function compare(op: Op, left: number, right: number): boolean {
  switch (op) {
    case '<': return left < right;
    case '<=': return left <= right;
    case '>': return left > right;
    case '>=': return left >= right;
    case '==': return left === right;
    case '!=': return left !== right;
  }
}

export async function judgeHypotheses(hypotheses: readonly Hypothesis[], runs: readonly VariantWindows[], ctx: MeasureContext): Promise<HypothesisResult[]> {
  const cache = new Map<string, Promise<Observation>>();
  const byVariant = new Map(runs.map((r) => [r.variant, r]));
  const measureIn = (h: Hypothesis, variant: string, phase: PhaseName) => {
    const key = JSON.stringify([h.measure, variant, phase]);
    let found = cache.get(key);
    if (!found) {
      const run = byVariant.get(variant);
      found = run ? observe(h.measure, run, phase, ctx, `hypothesis '${h.name}'`) : Promise.resolve({ value: null, text: `(variant ${variant} did not run)` });
      cache.set(key, found);
    }
    return found;
  };

  const results: HypothesisResult[] = [];
  for (const h of hypotheses) {
    const variants = h.variants ?? runs.map((r) => r.variant);
    for (const variant of variants) {
      if (!byVariant.has(variant)) continue; // --variant ran a subset
      const observed = await measureIn(h, variant, h.phase);
      let bound: number | null;
      let expected: string;
      if ('value' in h.expect) {
        bound = h.expect.value;
        expected = `${h.expect.op} ${h.expect.value}`;
      } else {
        const refVariant = h.expect.of.variant ?? variant;
        const refPhase = h.expect.of.phase ?? h.phase;
        if (!byVariant.has(refVariant)) continue;
        const reference = await measureIn(h, refVariant, refPhase);
        bound = reference.value === null ? null : h.expect.factor * reference.value + h.expect.plus;
        const plus = h.expect.plus ? ` + ${h.expect.plus}` : '';
        expected = `${h.expect.op} ${format(h.expect.factor)} × ${refVariant}/${refPhase} (${format(reference.value)})${plus}`;
      }
      const outcome: Outcome = observed.value === null || bound === null ? 'no-data' : compare(h.expect.op, observed.value, bound) ? 'held' : 'failed';
      results.push({ name: h.name, variant, phase: h.phase, measure: observed.text, observed: observed.value, bound, expected, outcome });
    }
  }
  return results;
}

export function format(value: number | null): string {
  if (value === null) return 'no data';
  if (value === 0 || Math.abs(value) >= 100) return String(Math.round(value * 10) / 10);
  return String(Number(value.toPrecision(3)));
}
