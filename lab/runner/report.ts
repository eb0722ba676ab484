/**
 * report.html: the verdict, the hypotheses, the checks, and one chart per measure with each
 * variant side by side on one scale and the fault windows shaded. Self-contained (inline SVG).
 */
import { format } from './hypotheses.ts';
import type { Summary } from './summary.ts';
import { escapeMarkup as esc } from './escape-markup.ts';

export interface ChartPanel {
  variant: string;
  /** [seconds from the load's start, value] */
  points: [number, number][];
  /** Fault windows in seconds from the load's start. */
  faults: { start: number; end: number; label: string }[];
  duration: number;
}

export interface Chart {
  title: string;
  query: string;
  panels: ChartPanel[];
}


function svgPanel(panel: ChartPanel, max: number): string {
  const w = 420;
  const h = 160;
  const pad = 32;
  const x = (t: number) => pad + (t / Math.max(1, panel.duration)) * (w - pad - 8);
  const y = (v: number) => h - 18 - (max > 0 ? (v / max) * (h - 30) : 0);
  const shades = panel.faults
    .map((f) => `<rect x="${x(f.start).toFixed(1)}" y="6" width="${Math.max(1, x(f.end) - x(f.start)).toFixed(1)}" height="${h - 24}" fill="#f4a3a3" opacity="0.45"><title>${esc(f.label)}</title></rect>`)
    .join('');
  const line = panel.points.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return `<figure><figcaption>${esc(panel.variant)}</figcaption><svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img">
  <rect x="${pad}" y="6" width="${w - pad - 8}" height="${h - 24}" fill="#fafafa" stroke="#ccc"/>${shades}
  <path d="${line}" fill="none" stroke="#2f5f9e" stroke-width="1.6"/>
  <text x="2" y="14" font-size="10">${esc(format(max))}</text><text x="2" y="${h - 18}" font-size="10">0</text>
  <text x="${pad}" y="${h - 4}" font-size="10">0 s</text><text x="${w - 40}" y="${h - 4}" font-size="10">${panel.duration} s</text>
</svg></figure>`;
}

export function reportHtml(summary: Summary, charts: Chart[]): string {
  const colour = { passed: '#1b7a3a', failed: '#b3261e', inconclusive: '#a15c00', broken: '#b3261e', interrupted: '#555' }[summary.verdict];
  const hypotheses = summary.hypotheses
    .map((h) => `<tr class="${h.outcome}"><td>${esc(h.name)}</td><td>${esc(h.variant)}</td><td>${h.phase}</td><td>${esc(format(h.observed))}</td><td>${esc(h.expected)}</td><td>${h.outcome}</td><td><code>${esc(h.measure)}</code></td></tr>`)
    .join('\n');
  const checks = summary.checks.map((c) => `<tr class="${c.ok ? 'held' : 'failed'}"><td>${c.check}</td><td>${esc(c.variant ?? '')}</td><td>${c.ok ? 'ok' : 'TRIPPED'}</td><td>${esc(c.detail)}</td></tr>`).join('\n');
  const variants = summary.variants
    .map((v) => {
      const d = v.k6?.metrics.http_req_duration;
      const faults = v.faults.map((f) => `${f.fault} on ${f.target} ${f.appliedAt ? `(${f.state}, ${f.appliedAt.slice(11, 19)}–${f.revertedAt?.slice(11, 19) ?? '?'})` : `(${f.state})`}`).join('<br>');
      const dash = v.k6?.dashboard ? `<a href="${esc(v.k6.dashboard)}">k6 dashboard</a>` : '';
      return `<tr><td>${esc(v.name)}</td><td>${esc(v.description)}</td><td><code>${esc(JSON.stringify(v.switches))}</code></td><td>${v.k6 ? v.k6.arrival.achievedRate.toFixed(1) : '-'}/s</td><td>${d ? `${d['p(95)']?.toFixed(1)} / ${d['p(99)']?.toFixed(1)} ms` : '-'}</td><td>${faults || '-'}</td><td>${dash}</td></tr>`;
    })
    .join('\n');
  const chartBlocks = charts
    .map((c) => {
      const max = Math.max(0, ...c.panels.flatMap((p) => p.points.map(([, v]) => v)).filter(Number.isFinite)) * 1.1;
      return `<section class="chart"><h3>${esc(c.title)}</h3><code>${esc(c.query)}</code><div class="panels">${c.panels.map((p) => svgPanel(p, max)).join('')}</div></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(summary.scenario)}: ${summary.verdict}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1 span{color:${colour}}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
tr.failed td{background:#fdecea}tr.no-data td{background:#fff4e5}code{font-size:12px;color:#444}
.panels{display:flex;gap:1em;flex-wrap:wrap}figure{margin:0}figcaption{font-weight:600}
</style></head><body>
<h1>${esc(summary.scenario)} (${summary.profile}): <span>${summary.verdict.toUpperCase()}</span></h1>
<p>${esc(summary.title)}</p>
<p>Started ${summary.startedAt}, ${summary.wallSeconds.toFixed(1)} s, exit ${summary.exitCode}, commit ${esc(summary.environment.gitCommit ?? 'unknown')}${summary.environment.gitDirty ? ' (with local changes)' : ''}.</p>
${summary.reasons.length ? `<ul>${summary.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
<h2>Hypotheses</h2>
<table><tr><th>hypothesis</th><th>variant</th><th>phase</th><th>observed</th><th>expected</th><th>result</th><th>measure</th></tr>
${hypotheses}</table>
<h2>Variants</h2>
<table><tr><th>variant</th><th>what</th><th>switches</th><th>achieved rate</th><th>p95 / p99</th><th>faults</th><th></th></tr>
${variants}</table>
<h2>Checks (a tripped one makes the run inconclusive)</h2>
<table><tr><th>check</th><th>variant</th><th>state</th><th>detail</th></tr>
${checks}</table>
<h2>Over time (fault windows shaded)</h2>
${chartBlocks || '<p>No chart data.</p>'}
<p>Versions: ${esc(Object.entries(summary.environment.versions).map(([k, v]) => `${k} ${v}`).join(', '))}</p>
</body></html>
`;
}
