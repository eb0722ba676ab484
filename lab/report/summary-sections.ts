/**
 * The top of the report, from summary.json: what the scenario teaches, the verdict and the guard
 * that tripped, the hypotheses with the variants side by side, the load each variant got, the
 * cost of resilience, how hard the services worked, and the environment.
 */
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import type { RunColumn } from './chart-data.ts';
import { escapeMarkup as esc } from '../escape-markup.ts';
import { formatNumber } from './number-text.ts';
import { mergedWindow } from '../load-seconds/window.ts';
import { phasePercentiles, type PhasePercentiles } from './load-series.ts';
import type { StoredVariant } from '../run-summary/summary.ts';
import type { ResultsRun } from './results-dir.ts';

const VERDICT_WORDS: Record<string, string> = {
  passed: 'every hypothesis held',
  failed: 'a hypothesis failed',
  inconclusive: 'the run did not test what it claims',
  broken: 'the run broke',
  interrupted: 'the run was interrupted',
};

export function runHeader(run: ResultsRun, label: string | null): string {
  const s = run.summary;
  const teaches = run.scenario?.teaches;
  const tripped = s.checks.filter((c) => !c.ok);
  const guards = tripped.length
    ? `<p class="guards"><strong>Guard${tripped.length > 1 ? 's' : ''} that tripped:</strong> ${tripped.map((c) => `<code>${esc(c.check)}</code>${c.variant ? ` (${esc(c.variant)})` : ''}`).join(', ')}</p>`
    : '';
  const reasons = s.reasons.length ? `<p class="why"><strong>Why:</strong></p><ul class="reasons">${s.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  return `<header class="run-head">
<h1>${label ? `<span class="run-label">${esc(label)}</span> ` : ''}${esc(s.scenario)} <small>(${esc(s.profile)})</small> <span class="verdict verdict-${s.verdict}" data-verdict="${s.verdict}">${s.verdict.toUpperCase()}</span></h1>
<p class="title">${esc(s.title)}: ${VERDICT_WORDS[s.verdict] ?? ''}, exit ${s.exitCode}.</p>
${teaches ? `<p class="teaches"><strong>What it teaches.</strong> ${esc(teaches)}</p>` : ''}
${guards}${reasons}
<p class="meta">Started ${esc(s.startedAt)}, ${formatNumber(s.wallSeconds)} s; results in <code>${esc(relative(PROJECT_ROOT, run.dir) || run.dir)}</code>.</p>
</header>`;
}

export function hypothesesTable(columns: RunColumn[]): string {
  const rows = new Map<string, { name: string; phase: string }>();
  for (const c of columns) for (const h of c.run.summary.hypotheses) rows.set(`${h.name}\u0000${h.phase}`, { name: h.name, phase: h.phase });
  const head = columns.map((c) => `<th>${esc(columnTitle(c))}</th>`).join('');
  const body = [...rows.values()]
    .map((row) => {
      const cells = columns.map((c) => {
        const h = c.run.summary.hypotheses.find((x) => x.name === row.name && x.phase === row.phase && x.variant === c.variant.summary.name);
        if (!h) return '<td class="not-judged">not judged here</td>';
        return `<td class="outcome-${h.outcome}" data-hypothesis="${esc(h.name)}" data-variant="${esc(h.variant)}" data-observed="${h.observed ?? ''}" data-bound="${h.bound ?? ''}" data-expected="${esc(h.expected)}" data-outcome="${h.outcome}" title="${esc(h.measure)}"><span class="observed">${formatNumber(h.observed)}</span> <span class="expected">(${esc(h.expected)})</span> <strong>${h.outcome}</strong></td>`;
      });
      return `<tr><th scope="row">${esc(row.name)}</th><td>${esc(row.phase)}</td>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table class="hypotheses"><thead><tr><th>hypothesis</th><th>phase</th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function columnTitle(c: RunColumn): string {
  return c.runLabel ? `${c.runLabel} · ${c.variant.summary.name}` : c.variant.summary.name;
}

function steady(c: RunColumn): PhasePercentiles | null {
  const w = c.variant.summary.phases.steady;
  if (!c.variant.seconds || !w) return null;
  return phasePercentiles(mergedWindow(c.variant.seconds, { start: Date.parse(w.start), end: Date.parse(w.end) }));
}

/** Rows of label -> one cell per column. */
function matrix(columns: RunColumn[], rows: [string, (c: RunColumn) => string][], cls: string): string {
  const head = columns.map((c) => `<th>${esc(columnTitle(c))}</th>`).join('');
  const body = rows.map(([label, cell]) => `<tr><th scope="row">${esc(label)}</th>${columns.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function loadTable(columns: RunColumn[]): string {
  const engine = (c: RunColumn) => c.variant.summary.engine;
  const duration = (c: RunColumn, stat: string) => engine(c)?.metrics.http_req_duration?.[stat];
  return matrix(
    columns,
    [
      ['what', (c) => esc(c.variant.summary.description)],
      ['switches', (c) => `<code>${esc(JSON.stringify(c.variant.summary.switches))}</code>`],
      ['engine', (c) => esc(engine(c)?.engine ?? c.run.summary.environment.engine ?? 'k6')],
      ['arrival rate planned / achieved', (c) => (engine(c) ? `${formatNumber(engine(c)!.arrival.plannedRate)} / ${formatNumber(engine(c)!.arrival.achievedRate)} per s` : '–')],
      ['dropped iterations', (c) => (engine(c) ? `${formatNumber(engine(c)!.arrival.droppedIterations)} (${formatNumber(100 * engine(c)!.arrival.droppedRatio)} %)` : '–')],
      ['latency p95 / p99 (whole run)', (c) => `${formatNumber(duration(c, 'p(95)'))} / ${formatNumber(duration(c, 'p(99)'))} ms`],
      ['start lag p99 / max', (c) => (engine(c)?.startLag ? `${formatNumber(engine(c)!.startLag!.p99Ms)} / ${formatNumber(engine(c)!.startLag!.maxMs)} ms` : '–')],
      ['engine CPU mean / peak', (c) => (engine(c)?.cpu ? `${formatNumber(engine(c)!.cpu!.averageCores)} / ${formatNumber(engine(c)!.cpu!.peakCores)} cores${engine(c)!.cpu!.starved ? ' (starved)' : ''}` : '–')],
      ['thresholds', (c) => (engine(c)?.thresholds?.length ? engine(c)!.thresholds!.map((t) => `<span class="${t.ok ? 'ok' : 'tripped'}">${esc(t.metric)} ${esc(t.expression)} ${t.ok ? 'ok' : 'FAILED'}</span>`).join('<br>') : '–')],
      ['faults', (c) => c.variant.summary.faults.map((f) => `${esc(f.fault)} on ${esc(f.target)} at ${formatNumber(f.plannedAt)} s for ${formatNumber(f.plannedDuration)} s (${esc(f.state)})`).join('<br>') || '–'],
    ],
    'load',
  );
}

/** What the variant's protection cost in steady state: latency against the run's first variant, and the servers' work (summary v2). */
export function costTable(columns: RunColumn[]): string {
  const baseline = new Map<ResultsRun, PhasePercentiles | null>();
  for (const c of columns) if (!baseline.has(c.run)) baseline.set(c.run, steady(columns.find((x) => x.run === c.run)!));
  const latency = (c: RunColumn, key: 'p50' | 'p99') => {
    const own = steady(c)?.[key] ?? null;
    const base = baseline.get(c.run)?.[key] ?? null;
    const delta = own !== null && base !== null && c.variant !== columns.find((x) => x.run === c.run)!.variant ? ` (${own >= base ? '+' : ''}${formatNumber(own - base)} ms)` : '';
    return `${formatNumber(own, 'ms')}${delta}`;
  };
  const cost = (key: keyof StoredVariant['cost'], unit: string, scale = 1) => (c: RunColumn) => {
    const value = c.variant.summary.cost[key];
    return formatNumber(value === null || value === undefined ? value : value * scale, unit);
  };
  return matrix(
    columns,
    [
      ['steady p50 latency (vs first variant)', (c) => latency(c, 'p50')],
      ['steady p99 latency (vs first variant)', (c) => latency(c, 'p99')],
      ['app CPU per successful request', cost('cpuSecondsPerSuccess', 'ms', 1000)],
      ['downstream calls per request', cost('downstreamPerRequest', '')],
      ['peak app memory', cost('peakMemoryMiB', 'MiB')],
    ],
    'cost',
  );
}

export function servicesTable(columns: RunColumn[]): string {
  const keys = [...new Set(columns.flatMap((c) => Object.entries(c.variant.summary.services ?? {}).flatMap(([phase, services]) => Object.keys(services).map((s) => `${s}\u0000${phase}`))))];
  if (keys.length === 0) return '<p class="no-data">This summary holds no per-service figures (summary v1).</p>';
  return matrix(
    columns,
    keys.map((key) => {
      const [service, phase] = key.split('\u0000') as [string, string];
      return [`${service}, ${phase}`, (c: RunColumn) => {
        const load = c.variant.summary.services?.[phase]?.[service];
        return load ? `${formatNumber(load.cpuCores)} cores · loop p99 ${formatNumber(load.eventLoopP99Ms, 'ms')} · ${formatNumber(load.residentMiB, 'MiB')}` : '–';
      }];
    }),
    'services',
  );
}

export function checksTable(run: ResultsRun): string {
  const rows = run.summary.checks.map((c) => `<tr class="${c.ok ? 'ok' : 'tripped'}"><td><code>${esc(c.check)}</code></td><td>${esc(c.variant ?? '')}</td><td>${c.ok ? 'ok' : 'TRIPPED'}</td><td>${esc(c.detail)}</td></tr>`);
  return `<table class="checks"><thead><tr><th>guard</th><th>variant</th><th>state</th><th>detail</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

export function environmentList(run: ResultsRun): string {
  const e = run.summary.environment;
  const items: [string, string][] = [
    ['git commit', `${e.gitCommit ?? 'unknown'}${e.gitDirty ? ' (with local changes)' : ''}`],
    ['profile', e.profile ?? run.summary.profile],
    ['engine', e.engine ?? run.summary.variants.find((v) => v.engine)?.engine?.engine ?? 'k6'],
    ['machine', `${e.host.cpus} cores, ${e.host.memoryGiB} GiB memory`],
    ['versions', Object.entries(e.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
  ];
  return `<dl class="environment">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}
