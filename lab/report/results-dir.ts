/**
 * Loads one results directory (results/<scenario>/<timestamp>) for the report: summary.json, the
 * engine's per-second files, and what the report stored at run time (panels, traces, log lines,
 * the scenario's lesson). A directory that is missing, partial or of an older schema is one
 * ReportInputError line.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSecondsFile, readLoadSeconds, type LoadSeconds } from '../load-seconds/read.ts';
import { ReportInputError } from './report-errors.ts';
import {
  SCENARIO_FILE,
  logsFile,
  readStored,
  seriesFile,
  storedLogsSchema,
  storedScenarioSchema,
  storedSeriesSchema,
  storedTracesSchema,
  tracesFile,
  type StoredLogs,
  type StoredScenario,
  type StoredSeries,
  type StoredTraces,
} from './stored-data.ts';
import { SUMMARY_FILE, readSummaryIn, type StoredSummary, type StoredVariant } from '../run-summary/summary.ts';

export interface VariantData {
  summary: StoredVariant;
  seconds: LoadSeconds | null;
  series: StoredSeries | null;
  traces: StoredTraces | null;
  logs: StoredLogs | null;
}

export interface ResultsRun {
  dir: string;
  summary: StoredSummary;
  scenario: StoredScenario | null;
  variants: VariantData[];
}

/** summary.json of `dir`, validated; the first thing any report command reads. */
export function readResultsSummary(dir: string): StoredSummary {
  if (!existsSync(dir)) throw new ReportInputError('REPORT_ERR_NO_DIR', `results directory ${dir} does not exist: give one of results/<scenario>/<timestamp> (ls results/*/)`);
  if (!statSync(dir).isDirectory()) throw new ReportInputError('REPORT_ERR_NOT_DIR', `${dir} is a file, not a results directory: give its folder, results/<scenario>/<timestamp>`);
  const path = join(dir, SUMMARY_FILE);
  if (!existsSync(path)) {
    const partial = readdirSync(dir).some((f) => f.startsWith('load-seconds-') || f.startsWith('series-') || f === 'junit.xml');
    throw new ReportInputError(
      partial ? 'REPORT_ERR_PARTIAL' : 'REPORT_ERR_NO_SUMMARY',
      partial
        ? `${dir} has no summary.json: the run stopped before it wrote its results; run the scenario again`
        : `${dir} has no summary.json: it is not a results directory; give one of results/<scenario>/<timestamp>`,
    );
  }
  return readSummaryIn(dir, { reader: 'the report' });
}

function secondsFor(dir: string, variant: StoredVariant): LoadSeconds | null {
  const named = variant.engine?.secondsFile ?? null;
  const file = named ?? loadSecondsFile(variant.name);
  const path = join(dir, file);
  if (existsSync(path)) return readLoadSeconds(path);
  if (named) throw new ReportInputError('REPORT_ERR_PARTIAL', `${dir} lacks ${file}, which summary.json names: the directory is incomplete; copy all of it, or run the scenario again`);
  return null;
}

export function loadResultsDir(dir: string): ResultsRun {
  const summary = readResultsSummary(dir);
  return {
    dir,
    summary,
    scenario: readStored(dir, SCENARIO_FILE, storedScenarioSchema),
    variants: summary.variants.map((variant) => ({
      summary: variant,
      seconds: secondsFor(dir, variant),
      series: readStored(dir, seriesFile(variant.name), storedSeriesSchema),
      traces: readStored(dir, tracesFile(variant.name), storedTracesSchema),
      logs: readStored(dir, logsFile(variant.name), storedLogsSchema),
    })),
  };
}
