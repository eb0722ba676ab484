/**
 * The data the page's charts draw, built from loaded results directories: one column per run and
 * variant (variants of two runs side by side when comparing), one row per panel, every x in
 * seconds from that variant's load start so that all columns share one time axis.
 */
import { mergedWindow } from '../load-seconds/window.ts';
import { loadPanels, percentileCurve, type Panel, type PercentileCurve } from './load-series.ts';
import type { ResultsRun, VariantData } from './results-dir.ts';
import type { StoredPanel } from './stored-data.ts';

export interface Band {
  start: number;
  end: number;
  label: string;
}

export interface Column {
  id: string;
  title: string;
  duration: number;
  faults: Band[];
  phases: Band[];
}

export interface TimeRow {
  id: string;
  title: string;
  unit: string;
  /** Where the numbers come from, shown under the title. */
  source: string;
  cells: (Panel | null)[];
}

export interface ChartData {
  columns: Column[];
  rows: TimeRow[];
  /** Per column: the latency percentile curve of each phase. */
  distributions: PercentileCurve[][];
}

export interface RunColumn {
  run: ResultsRun;
  variant: VariantData;
  /** Prefix naming the run when more than one is shown (A, B). */
  runLabel: string | null;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

function columnOf(c: RunColumn): Column {
  const v = c.variant.summary;
  const start = seconds(v.load.start);
  const band = (from: number, to: number, label: string): Band => ({ start: from - start, end: to - start, label });
  return {
    id: `${c.runLabel ?? 'run'}-${v.name}`,
    title: c.runLabel ? `${c.runLabel} · ${v.name}` : v.name,
    duration: v.load.seconds,
    faults: v.faults.filter((f) => f.appliedAt).map((f) => band(seconds(f.appliedAt!), f.revertedAt ? seconds(f.revertedAt) : seconds(v.load.end), `${f.fault} on ${f.target}`)),
    phases: Object.entries(v.phases).filter(([name]) => name !== 'run').map(([name, w]) => band(seconds(w.start), seconds(w.end), name)),
  };
}

/** A stored Prometheus panel on the variant's time axis: the union of the series' timestamps. */
function storedPanel(panel: StoredPanel, loadStart: number): Panel {
  const times = [...new Set(panel.series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  return {
    x: times.map((t) => t - loadStart),
    series: panel.series.map((s) => {
      const byTime = new Map(s.points);
      return { label: s.label, values: times.map((t) => byTime.get(t) ?? null) };
    }),
  };
}

const LOAD_ROWS = [
  { id: 'arrival', title: 'arrival rate: planned vs achieved', unit: 'iterations/s' },
  { id: 'latency', title: 'latency percentiles per second (exact, HDR)', unit: 'ms' },
  { id: 'errors', title: 'errors by status', unit: 'requests/s' },
  { id: 'startLag', title: 'start lag of the load generator', unit: 'ms' },
] as const;

export function chartData(columns: RunColumn[]): ChartData {
  const load = columns.map((c) => (c.variant.seconds ? loadPanels(c.variant.seconds, Date.parse(c.variant.summary.load.start)) : null));
  const rows: TimeRow[] = LOAD_ROWS.map((r) => ({ ...r, source: 'load engine, per-second HDR histograms', cells: load.map((l) => l?.[r.id] ?? null) }));

  const panelIds = [...new Map(columns.flatMap((c) => (c.variant.series?.panels ?? []).map((p) => [p.id, p] as const))).values()];
  for (const first of panelIds) {
    rows.push({
      id: first.id,
      title: first.title,
      unit: first.unit,
      source: `Prometheus: ${first.query}`,
      cells: columns.map((c) => {
        const panel = c.variant.series?.panels.find((p) => p.id === first.id);
        return panel ? storedPanel(panel, seconds(c.variant.summary.load.start)) : null;
      }),
    });
  }

  const distributions = columns.map((c) => {
    const loadSeconds = c.variant.seconds;
    if (!loadSeconds) return [];
    return Object.entries(c.variant.summary.phases)
      .map(([phase, w]) => percentileCurve(phase, mergedWindow(loadSeconds, { start: Date.parse(w.start), end: Date.parse(w.end) })))
      .filter((curve) => curve.count > 0);
  });
  return { columns: columns.map(columnOf), rows, distributions };
}
