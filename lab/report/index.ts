/**
 * The run report's entry points. A run calls writeReport once, after summary.json is written
 * (the scenario command hands it to the runner, which does not import the report): it stores
 * what only the live stack knows (Prometheus panels, slowest traces, error log lines, the
 * scenario's lesson) in the results directory, then renders report.html from that directory
 * alone, as `faultline report` does later. `faultline compare` renders two runs side by side.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartData, type RunColumn } from './chart-data.ts';
import { collectErrorLogs, type LogStoreApi } from './error-logs.ts';
import { reportPage } from './page.ts';
import { queryPanels } from './prometheus-panels.ts';
import { loadResultsDir, readResultsSummary, type ResultsRun } from './results-dir.ts';
import { SCENARIO_FILE, logsFile, readStored, seriesFile, storedScenarioSchema, tracesFile, writeStored, type StoredScenario } from './stored-data.ts';
import type { StoredVariant } from '../run-summary/summary.ts';
import { collectSlowestTraces } from './traces.ts';

export const REPORT_FILE = 'report.html';

/** What the runner knows at the end of a run; every source is optional (the report says what is missing). */
export interface ReportSources {
  /** Base URLs, e.g. http://127.0.0.1:9090. */
  prometheus?: string;
  jaeger?: string;
  logs?: { url: string; api: LogStoreApi };
  /** The scenario as defined: its lesson, and its PromQL measures drawn over time. */
  scenario?: { teaches: string; hypotheses: readonly { name: string; measure: { promql: string } | { k6: string } | { sql: string } }[] };
}

function storedScenario(scenario: NonNullable<ReportSources['scenario']>): StoredScenario {
  const measures = new Map<string, string>();
  for (const h of scenario.hypotheses) if ('promql' in h.measure && !measures.has(h.measure.promql)) measures.set(h.measure.promql, h.name);
  return { schema: 'faultline.report-scenario/v1', teaches: scenario.teaches, measures: [...measures].map(([promql, title]) => ({ title, promql })) };
}

/** Re-queries the app panels of every variant; keeps the stored ones when Prometheus has nothing for the run's windows. */
export async function refreshPanels(dir: string, prometheusUrl: string): Promise<boolean> {
  const summary = readResultsSummary(dir);
  const scenario = readStored(dir, SCENARIO_FILE, storedScenarioSchema);
  let refreshed = false;
  for (const variant of summary.variants) {
    const live = await queryPanels(prometheusUrl, variant, summary.scenario, scenario);
    if (live && live.panels.length > 0) {
      writeStored(dir, seriesFile(variant.name), live);
      refreshed = true;
    }
  }
  return refreshed;
}

/** A variant's slowest traces, read from Jaeger right after the variant ran and kept beside its results. */
export async function keepVariantTraces(dir: string, jaegerUrl: string, variant: Pick<StoredVariant, 'name' | 'phases'>): Promise<void> {
  writeStored(dir, tracesFile(variant.name), await collectSlowestTraces(jaegerUrl, variant));
}

export async function writeReport(dir: string, sources: ReportSources = {}): Promise<string> {
  const summary = readResultsSummary(dir);
  if (sources.scenario) writeStored(dir, SCENARIO_FILE, storedScenario(sources.scenario));
  if (sources.prometheus) await refreshPanels(dir, sources.prometheus);
  for (const variant of summary.variants) {
    // kept as the variant ended (keepVariantTraces) when the runner could: the store may have moved on since
    if (sources.jaeger && !existsSync(join(dir, tracesFile(variant.name)))) writeStored(dir, tracesFile(variant.name), await collectSlowestTraces(sources.jaeger, variant));
    if (sources.logs) writeStored(dir, logsFile(variant.name), await collectErrorLogs(sources.logs, variant));
  }
  const path = join(dir, REPORT_FILE);
  writeFileSync(path, renderReport(dir));
  return path;
}

function columnsOf(runs: { run: ResultsRun; label: string | null }[]): RunColumn[] {
  const names = [...new Set(runs.flatMap((r) => r.run.variants.map((v) => v.summary.name)))];
  // the same variant of each run side by side: before and after a change read across
  return names.flatMap((name) => runs.flatMap((r) => r.run.variants.filter((v) => v.summary.name === name).map((variant) => ({ run: r.run, variant, runLabel: r.label }))));
}

function render(runs: { run: ResultsRun; label: string | null }[]): string {
  const columns = columnsOf(runs);
  return reportPage(runs, columns, chartData(columns));
}

/** report.html of one results directory, from the stored data only. */
export function renderReport(dir: string): string {
  return render([{ run: loadResultsDir(dir), label: null }]);
}

/** Two runs side by side (A, B), e.g. before and after a change. */
export function renderComparison(dirA: string, dirB: string): string {
  return render([
    { run: loadResultsDir(dirA), label: 'A' },
    { run: loadResultsDir(dirB), label: 'B' },
  ]);
}
