/**
 * The app panels of a variant (database queries, cache hit ratio, breaker state, replicas, stream
 * lag) and the scenario's own PromQL measures over time, queried from Prometheus over the
 * variant's load window. The app panels are the Grafana dashboards' own query definitions, so a
 * report plot and a dashboard panel of the same figure read the same series. Panels with no
 * series are left out: a scenario without a breaker draws no breaker panel.
 */
import { autoscaling, cache, fillVariables, resilience, worker, type QueryDefinition } from '../../dashboards/queries.ts';
import { PrometheusClient } from '../prometheus-client.ts';
import type { StoredPanel, StoredScenario, StoredSeries } from './stored-data.ts';
import type { StoredVariant } from '../run-summary/summary.ts';

const STEP_SECONDS = 1;

/** The app panels the report draws when their series exist, in this order. */
const APP_PANELS: readonly { id: string; query: QueryDefinition }[] = [
  { id: 'db-queries', query: cache.dbQueries },
  { id: 'cache-hit-ratio', query: cache.hitRatio },
  { id: 'breaker-state', query: resilience.breakerState },
  { id: 'catalog-replicas', query: autoscaling.current },
  { id: 'stream-lag', query: worker.streamLag },
];

/** Prometheus scrapes the lab every second: a 5 s window is the shortest rate that always holds samples. */
const REPORT_RATE_INTERVAL = '5s';

/** A query's text for one variant: a measure's `$window` read as the report's rate interval, then the dashboards' variables. */
function variantQuery(expr: string, variant: string, scenario: string): string {
  return fillVariables(expr.replaceAll('$window', '$__rate_interval'), { variant: [variant], scenario: [scenario] }, REPORT_RATE_INTERVAL);
}

const UNIT_WORDS: Record<string, string> = { ops: 'per s', reqps: 'requests/s', percentunit: 'ratio', s: 's', short: '' };

function unitWords(unit: string): string {
  return UNIT_WORDS[unit] ?? unit;
}

/** A series' name as Grafana's legend format would write it. */
function legendFor(legend: string, labels: Record<string, string>): string {
  const text = legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '').trim();
  return text || Object.values(labels).join(' ') || 'value';
}

/** The scenario's hypothesis measures over time: `$window` read as the report's rate interval. */
function scenarioPanels(scenario: StoredScenario | null): { id: string; query: QueryDefinition }[] {
  return (scenario?.measures ?? []).map((m, i) => ({ id: `measure-${i + 1}`, query: { title: m.title, language: 'promql', unit: `over ${REPORT_RATE_INTERVAL}`, expr: m.promql, legend: '' } }));
}

/** The variant's panels from Prometheus; null when Prometheus does not answer. */
export async function queryPanels(prometheusUrl: string, variant: StoredVariant, scenarioName: string, scenario: StoredScenario | null): Promise<StoredSeries | null> {
  const url = new URL(prometheusUrl);
  const prometheus = new PrometheusClient(Number(url.port), url.hostname);
  if (!(await prometheus.isReady())) return null;
  const start = Date.parse(variant.load.start) / 1000;
  const end = Date.parse(variant.load.end) / 1000;
  const panels: StoredPanel[] = [];
  for (const { id, query: q } of [...APP_PANELS, ...scenarioPanels(scenario)]) {
    const query = variantQuery(q.expr, variant.name, scenarioName);
    const series = await prometheus.range(query, start, end, STEP_SECONDS, `panel '${q.title}'`).catch(() => []);
    const drawn = series
      .map((s) => ({ label: legendFor(q.legend, s.labels), points: s.points.map(([t, v]) => [t, Number.isFinite(v) ? v : null] as [number, number | null]) }))
      .filter((s) => s.points.some(([, v]) => v !== null));
    if (drawn.length) panels.push({ id, title: q.title, unit: unitWords(q.unit), query, series: drawn });
  }
  return { schema: 'faultline.report-series/v1', variant: variant.name, source: `Prometheus at ${prometheus.baseUrl}`, panels };
}
