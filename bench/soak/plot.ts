/**
 * The soak's per-minute figures as one self-contained HTML page beside soak.json (uPlot inlined,
 * as the lab's report does, so it opens offline): latency and rate, resident memory per process,
 * and the machine's load average, minute by minute, the warm-up minutes shaded grey.
 *
 *   node_modules/.bin/node bench/soak/plot.ts results/soak/<time>/soak.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineScript, UPLOT_DIR } from '../../lab/report/page.ts';
import type { Minute } from './minutes.ts';

interface SoakFile {
  soakRate: number;
  options: { minutes: number; warmup: number };
  minutes: Minute[];
}

/** Runs in the browser, after uPlot: one chart per series group, x in minutes. */
const DRAW = `(() => {
  const d = JSON.parse(document.getElementById('soak-data').textContent);
  const PALETTE = ['#1f5fa8', '#d9822b', '#2a9d4b', '#b3261e', '#7b4fb3', '#5b6770', '#0f8b8d', '#a15c00', '#c2185b', '#558b2f', '#37474f', '#ef6c00'];
  const x = d.minutes.map((m) => m.minute);
  const warmup = { hooks: { drawClear: [(u) => {
    const left = u.valToPos(0, 'x', true), right = u.valToPos(d.warmup, 'x', true);
    u.ctx.fillStyle = 'rgba(0,0,0,0.06)';
    u.ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
  }] } };
  function chart(title, unit, series) {
    const el = document.createElement('figure');
    el.innerHTML = '<figcaption></figcaption>';
    el.firstChild.textContent = title;
    document.body.appendChild(el);
    new uPlot({
      width: Math.min(1100, window.innerWidth - 40), height: 260, plugins: [warmup],
      scales: { x: { time: false, range: [0, x.length] } },
      axes: [{ label: 'minute' }, { label: unit }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, points: { show: true, size: 4 } }))],
    }, [x, ...series.map((s) => s.values)], el);
  }
  chart('latency per minute (merged HDR histograms)', 'ms', [
    { label: 'p99', values: d.minutes.map((m) => m.p99Ms) },
    { label: 'p50', values: d.minutes.map((m) => m.p50Ms) },
    ...Object.keys(d.minutes[0].routeP99Ms).map((r) => ({ label: 'p99 ' + r, values: d.minutes.map((m) => m.routeP99Ms[r]) })),
  ]);
  chart('completed requests per second (soak rate ' + d.rate + '/s), failed and dropped per minute', 'count', [
    { label: 'req/s', values: d.minutes.map((m) => m.rate) },
    { label: 'failed', values: d.minutes.map((m) => m.failed) },
    { label: 'dropped', values: d.minutes.map((m) => m.dropped) },
  ]);
  chart('proportional resident memory (PSS) per process (median of 10 s samples)', 'MiB', Object.keys(d.minutes[0].pssMiB).map((p) => ({ label: p, values: d.minutes.map((m) => m.pssMiB[p] ?? null) })));
  chart('machine load average (1 min), 2 cores', 'load', [{ label: 'load average', values: d.minutes.map((m) => m.loadAverage) }]);
})();`;

export function soakPlotPage(soak: SoakFile): string {
  const data = JSON.stringify({ rate: soak.soakRate, warmup: soak.options.warmup, minutes: soak.minutes }).replace(/</g, '\\u003c');
  const title = `soak: ${soak.soakRate}/s for ${soak.options.minutes} min`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>${readFileSync(join(UPLOT_DIR, 'uPlot.min.css'), 'utf8')}</style>
<style>body{font:14px system-ui,sans-serif;margin:20px}figure{margin:0 0 24px}figcaption{font-weight:600;margin-bottom:4px}</style></head><body>
<h1>${title} <small>(warm-up ${soak.options.warmup} min shaded)</small></h1>
<script>${inlineScript(join(UPLOT_DIR, 'uPlot.iife.min.js'))}</script>
<script type="application/json" id="soak-data">${data}</script>
<script>${DRAW}</script>
</body></html>
`;
}

/** Writes soak.html beside the soak.json it is drawn from; returns its path. */
export function writeSoakPlot(jsonFile: string): string {
  const page = join(jsonFile, '..', 'soak.html');
  writeFileSync(page, soakPlotPage(JSON.parse(readFileSync(jsonFile, 'utf8')) as SoakFile));
  return page;
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: bench/soak/plot.ts results/soak/<time>/soak.json\n');
    process.exit(2);
  }
  process.stdout.write(`${writeSoakPlot(file)}\n`);
}
