/**
 * `faultline report <results-dir>` renders a run's report.html again from what the run stored (the
 * app panels re-queried from the lab's Prometheus when it answers and still holds the run);
 * `faultline compare <dir-a> <dir-b>` renders two runs side by side. Bad input: one line, exit 2.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolvePorts } from '../ports.ts';
import { REPORT_FILE, refreshPanels, renderComparison, renderReport } from '../report/index.ts';
import { readResultsSummary } from '../report/results-dir.ts';

const shown = (path: string) => relative(process.cwd(), path) || path;

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('render a run\'s report.html again from its results directory (no stack needed)')
    .argument('<results-dir>', 'results/<scenario>/<timestamp>')
    .option('--offline', 'use only the stored panels, even when the lab\'s Prometheus answers', false)
    .action(async (dir: string, options: { offline: boolean }) => {
      const path = resolve(dir);
      readResultsSummary(path);
      const live = !options.offline && (await refreshPanels(path, `http://127.0.0.1:${resolvePorts(process.env).prometheus}`));
      const out = join(path, REPORT_FILE);
      writeFileSync(out, renderReport(path));
      process.stdout.write(`${shown(out)} (app panels ${live ? 'from the live Prometheus' : 'as stored with the run'})\n`);
    });

  program
    .command('compare')
    .description('render two runs side by side (e.g. before and after a change)')
    .argument('<dir-a>', 'the first results directory (A)')
    .argument('<dir-b>', 'the second results directory (B)')
    .option('--out <file>', 'where to write the page (default: beside B, compare-<A>-vs-<B>.html)')
    .action(async (a: string, b: string, options: { out?: string }) => {
      const html = renderComparison(resolve(a), resolve(b));
      const out = resolve(options.out ?? join(dirname(resolve(b)), `compare-${basename(resolve(a))}-vs-${basename(resolve(b))}.html`));
      writeFileSync(out, html);
      process.stdout.write(`${shown(out)}\n`);
    });
}
