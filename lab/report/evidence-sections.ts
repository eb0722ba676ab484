/**
 * The evidence to follow, per variant: the slowest traces of each phase with their span breakdown
 * (a waterfall of HTML bars: a span's offset and length as a share of its trace, which needs no
 * chart), and the warning and error log lines written during the fault, each with its trace id.
 */
import type { RunColumn } from './chart-data.ts';
import { escapeMarkup as esc } from '../escape-markup.ts';
import { formatNumber } from './number-text.ts';
import type { StoredTrace } from './stored-data.ts';
import { columnTitle } from './summary-sections.ts';

const traceAnchor = (c: RunColumn, traceId: string) => `trace-${c.runLabel ?? 'run'}-${c.variant.summary.name}-${traceId}`;

function depthOf(trace: StoredTrace): Map<string, number> {
  const parent = new Map(trace.spans.map((s) => [s.spanId, s.parentId]));
  const depth = new Map<string, number>();
  for (const s of trace.spans) {
    let d = 0;
    for (let p = s.parentId; p && d < 20; p = parent.get(p) ?? null) d++;
    depth.set(s.spanId, d);
  }
  return depth;
}

function waterfall(c: RunColumn, trace: StoredTrace): string {
  const depth = depthOf(trace);
  const total = Math.max(trace.durationMs, 0.001);
  const rows = trace.spans
    .map((s) => {
      const left = (100 * s.offsetMs) / total;
      const width = Math.max(0.4, (100 * s.durationMs) / total);
      return `<div class="span${s.error ? ' span-error' : ''}"><span class="span-name" style="padding-left:${(depth.get(s.spanId) ?? 0) * 0.8}em">${esc(s.service)}: ${esc(s.operation)}</span><span class="span-track"><span class="span-bar" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></span></span><span class="span-ms">${formatNumber(s.durationMs, 'ms')}</span></div>`;
    })
    .join('');
  return `<figure class="trace" id="${esc(traceAnchor(c, trace.traceId))}"><figcaption><strong>${esc(trace.phase)}</strong> · ${formatNumber(trace.durationMs, 'ms')} · ${esc(trace.service)} ${esc(trace.operation)} · trace <code>${esc(trace.traceId)}</code> at ${esc(trace.start.slice(11, 23))}</figcaption><div class="waterfall" data-spans="${trace.spans.length}">${rows}</div></figure>`;
}

function tracesBlock(c: RunColumn): string {
  const stored = c.variant.traces;
  if (!stored) return '<p class="no-data">No traces stored with this run: they are collected from Jaeger when the run ends.</p>';
  if (stored.traces.length === 0) return `<p class="no-data">No traces found${stored.error ? `: ${esc(stored.error)}` : ` in ${esc(stored.source)}`}.</p>`;
  return stored.traces.map((t) => waterfall(c, t)).join('\n');
}

function logsBlock(c: RunColumn): string {
  const stored = c.variant.logs;
  if (!stored) return '<p class="no-data">No log lines stored with this run: they are collected from the log store when the run ends.</p>';
  if (stored.lines.length === 0) return `<p class="no-data">No warning or error lines during the fault${stored.error ? `: ${esc(stored.error)}` : ` in ${esc(stored.source)}`}.</p>`;
  const traced = new Set(c.variant.traces?.traces.map((t) => t.traceId) ?? []);
  const rows = stored.lines
    .map((l) => {
      const trace = l.traceId ? (traced.has(l.traceId) ? `<a href="#${esc(traceAnchor(c, l.traceId))}"><code>${esc(l.traceId)}</code></a>` : `<code>${esc(l.traceId)}</code>`) : '–';
      return `<tr class="level-${esc(l.level)}"><td>${esc(l.time.slice(11, 23))}</td><td>${esc(l.service)}</td><td>${esc(l.level)}</td><td>${esc(l.message)}</td><td>${trace}</td></tr>`;
    })
    .join('\n');
  return `<table class="logs"><thead><tr><th>time</th><th>service</th><th>level</th><th>message</th><th>trace id</th></tr></thead><tbody>${rows}</tbody></table><p class="source">From ${esc(stored.source)}.</p>`;
}

export function evidenceSections(columns: RunColumn[]): string {
  return columns
    .map((c) => `<section class="evidence" data-column-title="${esc(columnTitle(c))}"><h3>${esc(columnTitle(c))}</h3><h4>Slowest traces per phase</h4>${tracesBlock(c)}<h4>Warnings and errors during the fault</h4>${logsBlock(c)}</section>`)
    .join('\n');
}
