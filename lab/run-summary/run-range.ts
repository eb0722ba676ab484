/** The last run a user made, as the dashboards need it: time range, scenario, variants, run id (results/<scenario>/<run id>/summary.json). */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunWindow } from '../../dashboards/links.ts';
import type { VariableName } from '../../dashboards/queries.ts';
import { SUMMARY_FILE, readSummaryIn } from './summary.ts';

export interface RunRange extends RunWindow {
  dir: string;
  values: Record<VariableName, string[]>;
}

/** The run a summary describes; the run id is its folder's name (also the faultline_run label). */
export function runRangeOf(dir: string): RunRange {
  const summary = readSummaryIn(dir, { reader: 'faultline dashboards' });
  const runId = dir.split(/[\\/]/).pop()!;
  return {
    dir,
    start: new Date(summary.startedAt),
    end: new Date(summary.finishedAt),
    values: { scenario: [summary.scenario], variant: summary.variants.map((v) => v.name), run: [runId] },
  };
}

/** The newest run under the results root (by its started time), undefined when there is none. */
export function newestRun(resultsRoot: string): RunRange | undefined {
  if (!existsSync(resultsRoot)) return undefined;
  const runs = readdirSync(resultsRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((scenario) => readdirSync(join(resultsRoot, scenario.name)).map((run) => join(resultsRoot, scenario.name, run)))
    .filter((dir) => existsSync(join(dir, SUMMARY_FILE)))
    .map(runRangeOf);
  return runs.sort((a, b) => b.start.getTime() - a.start.getTime())[0];
}
