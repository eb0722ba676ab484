/**
 * The report as one self-contained HTML file: the sections in reading order, the chart data as
 * JSON, uPlot and its CSS inlined from node_modules, and the script that draws the charts. Nothing
 * is fetched when the page opens; print CSS keeps charts and tables whole on paper.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import type { ChartData, RunColumn } from './chart-data.ts';
import { evidenceSections } from './evidence-sections.ts';
import { escapeMarkup as esc } from '../escape-markup.ts';
import type { ResultsRun } from './results-dir.ts';
import { checksTable, columnTitle, costTable, environmentList, hypothesesTable, loadTable, runHeader, servicesTable } from './summary-sections.ts';

export const UPLOT_DIR = join(PROJECT_ROOT, 'node_modules', 'uplot', 'dist');
const DRAW_SCRIPT = join(import.meta.dirname, 'browser', 'draw-charts.js');

/** A script file as the body of an inline <script> (the report and the soak's plot inline uPlot so the page opens offline). */
export function inlineScript(path: string): string {
  const code = readFileSync(path, 'utf8');
  if (/<\/script/i.test(code)) throw new Error(`${path} contains </script and cannot be inlined`);
  return code;
}

/** Five significant digits are more than a chart can show, and keep the file small. */
function chartJson(data: ChartData): string {
  return JSON.stringify(data, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(5)) : value)).replace(/</g, '\\u003c');
}

/** One chart per column; the caption names the column where the grid folds to one column (narrow screens, paper). */
function cell(c: RunColumn, inner: string): string {
  return `<figure class="cell"><figcaption class="cell-title">${esc(columnTitle(c))}</figcaption>${inner}</figure>`;
}

function grid(columns: RunColumn[], cells: string[]): string {
  return `<div class="grid" style="--columns:${columns.length}">${columns.map((c) => `<div class="column-head">${esc(columnTitle(c))}</div>`).join('')}${cells.join('')}</div>`;
}

function chartGrid(data: ChartData, columns: RunColumn[]): string {
  return data.rows
    .map((row) => {
      const cells = row.cells.map((panel, i) =>
        cell(
          columns[i]!,
          panel
            ? `<div class="chart" data-chart="${esc(row.id)}" data-column="${i}"></div>`
            : `<div class="chart-missing">${row.source.startsWith('Prometheus') ? 'no data stored for this variant' : 'no per-second file for this variant (engine k6)'}</div>`,
        ),
      );
      return `<section class="row" data-row="${esc(row.id)}"><h3>${esc(row.title)} <small>${esc(row.unit)}</small></h3><p class="source"><code>${esc(row.source)}</code></p>${grid(columns, cells)}</section>`;
    })
    .join('\n');
}

function distributionGrid(data: ChartData, columns: RunColumn[]): string {
  const cells = data.distributions.map((curves, i) => cell(columns[i]!, curves.length ? `<div class="chart" data-chart="distribution" data-column="${i}"></div>` : '<div class="chart-missing">no per-second file for this variant</div>'));
  return grid(columns, cells);
}

const CSS = `
:root{--fault:rgba(214,69,65,.16);--fault-edge:rgba(214,69,65,.6)}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1.5em 2em;max-width:1500px;color:#1d2228}
h1{font-size:1.6em;margin:.2em 0}h1 small{font-weight:400;color:#5b6770}h2{margin-top:1.8em;border-bottom:1px solid #d8dde2;padding-bottom:.2em}
h3{margin:1.2em 0 .2em;font-size:1.05em}h3 small{font-weight:400;color:#5b6770}h4{margin:.8em 0 .3em}
.verdict{padding:.1em .5em;border-radius:4px;color:#fff;font-size:.8em;vertical-align:middle}
.verdict-passed{background:#1b7a3a}.verdict-failed,.verdict-broken{background:#b3261e}.verdict-inconclusive{background:#a15c00}.verdict-interrupted{background:#555}
.run-label{background:#1d2228;color:#fff;padding:0 .4em;border-radius:4px}
.teaches{background:#f3f6f9;border-left:4px solid #1f5fa8;padding:.5em .8em}.guards{color:#a15c00;margin-bottom:0}
table{border-collapse:collapse;margin:.6em 0;width:100%}td,th{border:1px solid #d8dde2;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f6f9}td.outcome-held{background:#e7f4ea}td.outcome-failed{background:#fbe4e2}td.outcome-no-data{background:#fff1dc}td.not-judged{color:#8a949c}
tr.tripped td{background:#fbe4e2}.tripped{color:#b3261e}.expected{color:#5b6770}code{font-size:12px;color:#3b444c;word-break:break-word}
.source{margin:0;color:#5b6770;font-size:12px}.no-data,.chart-missing{color:#8a949c;font-style:italic}
.grid{display:grid;grid-template-columns:repeat(var(--columns),minmax(0,1fr));gap:.4em 1em}
.column-head{font-weight:600;text-align:center}.cell{margin:0;min-width:0}.cell-title{display:none;font-weight:600}.chart{min-height:200px;position:relative}.chart-missing{min-height:60px;padding:1em}
.fault-band{position:absolute;top:0;bottom:0;background:var(--fault);border-left:1px solid var(--fault-edge);border-right:1px solid var(--fault-edge);pointer-events:none}
.fault-band span{position:absolute;top:2px;left:3px;font-size:11px;color:#8c1d18;white-space:nowrap}
.evidence{margin-bottom:1.5em}.trace{margin:.4em 0 1em}.trace figcaption{font-size:13px;margin-bottom:.2em}
.span{display:grid;grid-template-columns:minmax(12em,30%) 1fr 5em;align-items:center;font-size:12px;gap:.5em}
.span-name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.span-track{position:relative;height:10px;background:#f3f6f9}
.span-bar{position:absolute;top:0;bottom:0;background:#1f5fa8;border-radius:2px}.span-error .span-bar{background:#b3261e}.span-ms{text-align:right;color:#5b6770}
.logs td{font-size:12px}tr.level-error td{background:#fbe4e2}
dl.environment{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
@media (max-width:900px){.grid{grid-template-columns:1fr}.column-head{display:none}.cell-title{display:block}}
@media print{body{max-width:none;padding:0;font-size:11px}.grid{grid-template-columns:1fr}.column-head{display:none}.cell-title{display:block}.cell{break-inside:avoid}h2{break-after:avoid}.trace,table,.run-head{break-inside:avoid}.u-legend{font-size:10px}a{color:inherit;text-decoration:none}}
`;

export function reportPage(runs: { run: ResultsRun; label: string | null }[], columns: RunColumn[], data: ChartData): string {
  const title = runs.length > 1 ? `${runs.map((r) => `${r.label}: ${r.run.summary.scenario} ${r.run.summary.verdict}`).join(' vs ')}` : `${runs[0]!.run.summary.scenario}: ${runs[0]!.run.summary.verdict}`;
  const perRun = (render: (run: ResultsRun) => string) => runs.map((r) => `${r.label ? `<h3>${esc(r.label)}</h3>` : ''}${render(r.run)}`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>${readFileSync(join(UPLOT_DIR, 'uPlot.min.css'), 'utf8')}</style>
<style>${CSS}</style></head><body>
${runs.map((r) => runHeader(r.run, r.label)).join('\n')}
<h2>Hypotheses</h2>
${hypothesesTable(columns)}
<h2>Cost of resilience</h2>
<p class="source">Steady-state latency exact from the per-second HDR histograms; server figures from Prometheus when the summary holds them.</p>
${costTable(columns)}
<h2>Over time <small>(fault windows shaded)</small></h2>
${chartGrid(data, columns)}
<h2>Latency distribution per phase</h2>
<p class="source">Each phase's per-second HDR histograms merged: exact percentiles, x on a log scale of 1/(1-p).</p>
${distributionGrid(data, columns)}
<h2>Load per variant</h2>
${loadTable(columns)}
<h2>Services per phase</h2>
${servicesTable(columns)}
<h2>Evidence</h2>
${evidenceSections(columns)}
<h2>Guards <small>(a tripped one makes the run inconclusive)</small></h2>
${perRun(checksTable)}
<h2>Environment</h2>
${perRun(environmentList)}
<script>${inlineScript(join(UPLOT_DIR, 'uPlot.iife.min.js'))}</script>
<script type="application/json" id="report-data">${chartJson(data)}</script>
<script>${inlineScript(DRAW_SCRIPT)}</script>
</body></html>
`;
}
