/**
 * The app panels of a variant (database queries, cache hit ratio, breaker state, replicas, stream
 * lag) and the scenario's own PromQL measures over time, queried from Prometheus over the
 * variant's load window. Panels with no series are left out: a scenario without a breaker draws
 * no breaker panel.
 */
import { PrometheusClient } from '../runner/prometheus.ts';
import { APP_PANELS, REPORT_RATE_INTERVAL, fillVariables, legendFor, unitWords, type QueryDefinition } from './panel-queries.ts';
import type { StoredPanel, StoredScenario, StoredSeries } from './stored-data.ts';
import type { ReportVariant } from './summary-reader.ts';

const STEP_SECONDS = 1;

/** The scenario's hypothesis measures over time: `$window` read as the report's rate interval. */
function scenarioPanels(scenario: StoredScenario | null): { id: string; query: QueryDefinition }[] {
  return (scenario?.measures ?? []).map((m, i) => ({ id: `measure-${i + 1}`, query: { title: m.title, language: 'promql', unit: `over ${REPORT_RATE_INTERVAL}`, expr: m.promql, legend: '' } }));
}

/** The variant's panels from Prometheus; null when Prometheus does not answer. */
export async function queryPanels(prometheusUrl: string, variant: ReportVariant, scenarioName: string, scenario: StoredScenario | null): Promise<StoredSeries | null> {
  const url = new URL(prometheusUrl);
  const prometheus = new PrometheusClient(Number(url.port), url.hostname);
  if (!(await prometheus.isReady())) return null;
  const start = Date.parse(variant.load.start) / 1000;
  const end = Date.parse(variant.load.end) / 1000;
  const panels: StoredPanel[] = [];
  for (const { id, query: q } of [...APP_PANELS, ...scenarioPanels(scenario)]) {
    const query = fillVariables(q.expr, { variant: variant.name, scenario: scenarioName });
    const series = await prometheus.range(query, start, end, STEP_SECONDS, `panel '${q.title}'`).catch(() => []);
    const drawn = series
      .map((s) => ({ label: legendFor(q.legend, s.labels), points: s.points.map(([t, v]) => [t, Number.isFinite(v) ? v : null] as [number, number | null]) }))
      .filter((s) => s.points.some(([, v]) => v !== null));
    if (drawn.length) panels.push({ id, title: q.title, unit: unitWords(q.unit), query, series: drawn });
  }
  return { schema: 'faultline.report-series/v1', variant: variant.name, source: `Prometheus at ${prometheus.baseUrl}`, panels };
}
