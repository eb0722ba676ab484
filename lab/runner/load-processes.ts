/**
 * A variant's load from N engine processes (`LOAD_PROCESSES=N`; `WORKERS` stays threads inside
 * one process): process i runs k6's execution segment i of an even sequence of N, so together they
 * run the script's whole schedule once (load/README.md, "Execution segments"). They start
 * together and end on their own; their outputs are then merged into the files and the result one
 * engine writes for the variant, so every reader (verdict, report, gate) reads them unchanged:
 * the summary export (merged-summary-export.ts: counts add, trends from merged histograms,
 * thresholds judged on the merged figures), the per-second file (load-seconds/merge.ts: the same
 * wall-clock seconds add up, HDR histograms added) and one log. Each part keeps its own files
 * beside them (`.partI-of-N`). The load's t = 0 is the earliest part's; the spread of the parts'
 * t = 0 is written to the log. A part that fails stops the others and fails the load.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CpuReport } from './cpu.ts';
import { engineFiles, startLoad, type LoadRun, type RunningLoad } from './load-engine.ts';
import { engineResult, type EngineResult } from './load-result.ts';
import { mergeSummaryExports, type SummaryExport } from './merged-summary-export.ts';
import type { K6SummaryMetrics } from './hypotheses.ts';
import { mergeLoadSeconds } from '../load-seconds/merge.ts';
import { readLoadSeconds } from '../load-seconds/read.ts';
import { EXIT_THRESHOLDS_FAILED } from '../../load/run/errors.ts';

/** The processes' CPU together: what they used adds up; waiting is their mean; starved if any was. */
function combinedCpu(reports: CpuReport[]): CpuReport {
  const mean = (pick: (r: CpuReport) => number) => reports.reduce((n, r) => n + pick(r), 0) / reports.length;
  return {
    seconds: reports.reduce((n, r) => n + r.seconds, 0),
    averageCores: reports.reduce((n, r) => n + r.averageCores, 0),
    peakCores: reports.reduce((n, r) => n + r.peakCores, 0),
    runQueueWaitRatio: mean((r) => r.runQueueWaitRatio),
    schedulingDelayMs: mean((r) => r.schedulingDelayMs),
    starved: reports.some((r) => r.starved),
  };
}

/**
 * The merged exit code: a part's failure other than thresholds wins; otherwise the thresholds as
 * judged on the merged figures (a part's own 99 judged only its share of the test).
 */
function combinedExit(codes: (number | null)[], thresholdsFailed: boolean): number | null {
  const other = codes.find((code) => code !== 0 && code !== EXIT_THRESHOLDS_FAILED);
  if (other !== undefined) return other;
  return thresholdsFailed ? EXIT_THRESHOLDS_FAILED : 0;
}

/** Merges the parts' outputs into the variant's own files and one result. */
export function mergeParts(run: LoadRun, parts: (EngineResult & { summary: K6SummaryMetrics })[], zeros: number[]): EngineResult & { summary: K6SummaryMetrics } {
  const files = engineFiles(run.resultsDir, run.variant);
  const inResults = (file: string | null) => (file === null ? undefined : join(run.resultsDir, file));
  const secondsFiles = parts.map((p) => inResults(p.secondsFile)).filter((f): f is string => f !== undefined && existsSync(f));
  if (secondsFiles.length === parts.length) mergeLoadSeconds(secondsFiles, files.seconds);
  const seconds = existsSync(files.seconds) && secondsFiles.length === parts.length ? readLoadSeconds(files.seconds) : undefined;
  const exports = parts.map((p) => JSON.parse(readFileSync(inResults(p.summaryFile)!, 'utf8')) as SummaryExport);
  const { thresholdsFailed, ...merged } = mergeSummaryExports(exports, seconds);
  writeFileSync(files.summary, `${JSON.stringify(merged, null, 2)}\n`);
  const spread = zeros.length > 0 ? Math.round(Math.max(...zeros) - Math.min(...zeros)) : 0;
  const log = [
    `${parts.length} engine processes, execution segments i/${parts.length} of an even sequence; their t = 0 within ${spread} ms`,
    `(a part's own threshold lines judge only its share; ${relative(run.resultsDir, files.summary)} judges the whole test)`,
    ...parts.map((p, i) => `--- part ${i + 1} of ${parts.length} (exit ${p.exitCode}) ---\n${existsSync(inResults(p.log) ?? '') ? readFileSync(inResults(p.log)!, 'utf8') : ''}`),
  ].join('\n');
  writeFileSync(files.log, log);
  return engineResult(run.engine, merged.metrics, {
    exitCode: combinedExit(parts.map((p) => p.exitCode), thresholdsFailed),
    cpu: combinedCpu(parts.map((p) => p.cpu)),
    // every part watched the same machine: the busiest view of other work stands
    machine: parts.map((p) => p.machine).reduce((a, b) => (a === null || (b !== null && b.otherCores > a.otherCores) ? b : a), null),
    log,
    duration: run.duration,
    files: {
      summaryFile: relative(run.resultsDir, files.summary),
      secondsFile: seconds ? relative(run.resultsDir, files.seconds) : null,
      dashboard: null,
      log: relative(run.resultsDir, files.log),
    },
  });
}

/** Starts `processes` engines on segments 0..N-1 of the variant's load; one RunningLoad for them all. */
export function startLoadProcesses(run: LoadRun, processes: number): RunningLoad {
  const parts: RunningLoad[] = [];
  const stop = (): void => { for (const part of parts) part.stop(); };
  try {
    for (let index = 0; index < processes; index += 1) parts.push(startLoad({ ...run, part: { index, of: processes } }));
  } catch (error) {
    stop();
    throw error;
  }
  // a part that fails ends the load: the others are stopped rather than left to run their share
  for (const part of parts) part.done.catch(stop);
  const zeros = Promise.all(parts.map((p) => p.started));
  const started = zeros.then((all) => Math.min(...all));
  started.catch(() => {});
  const done = Promise.all(parts.map((p) => p.done)).then(async (results) => mergeParts(run, results, await zeros.catch(() => [])));
  done.catch(() => {});
  return { pid: parts[0]!.pid, started, done, stop };
}
