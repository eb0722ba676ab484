/**
 * The named PromQL definitions behind the report's app panels. Grafana's dashboards draw the same
 * panels, so both must read one definition: this module is the report's stand-in for
 * dashboards/queries.ts and is replaced by an import from it once that module lands (same shape:
 * id, title, unit, expr, legend). `$window` is the rate window; Grafana passes `$__rate_interval`.
 */

export interface QueryDefinition {
  /** Stable id, shared with the dashboard panel that draws the same query. */
  id: string;
  title: string;
  /** Unit shown on the y axis. */
  unit: string;
  expr: string;
  /** Grafana-style legend, e.g. '{{job}}': the label values that name each series. */
  legend: string;
}

/** The rate window the report uses: Prometheus scrapes the lab every second. */
export const REPORT_RATE_WINDOW = '5s';

export const APP_PANEL_QUERIES: readonly QueryDefinition[] = [
  {
    id: 'db-queries',
    title: 'database queries',
    unit: 'queries/s',
    expr: 'sum by (job, db_collection_name) (rate(db_client_operation_duration_seconds_count[$window]))',
    legend: '{{job}} {{db_collection_name}}',
  },
  {
    id: 'cache-hit-ratio',
    title: 'cache hit ratio (hit or stale)',
    unit: 'ratio',
    expr: 'sum by (cache) (rate(cache_requests_total{result=~"hit|stale"}[$window])) / sum by (cache) (rate(cache_requests_total[$window]))',
    legend: '{{cache}}',
  },
  { id: 'breaker-state', title: 'circuit breaker state (0 closed, 1 half-open, 2 open)', unit: 'state', expr: 'max by (breaker) (breaker_state)', legend: '{{breaker}}' },
  { id: 'catalog-replicas', title: 'catalog replicas', unit: 'instances', expr: 'max(catalog_replicas) or max(catalog_replicas_eligible)', legend: 'replicas' },
  { id: 'stream-lag', title: 'order stream lag', unit: 'messages', expr: 'max by (stream) (stream_lag_messages)', legend: '{{stream}}' },
];

export function expandQuery(expr: string, vars: { window: string; variant: string; scenario: string }): string {
  return expr.replaceAll('$window', vars.window).replace(/\$(variant|scenario)\b/g, (_m, name: 'variant' | 'scenario') => vars[name]);
}

export function legendFor(legend: string, labels: Record<string, string>): string {
  const text = legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '').trim();
  return text || Object.values(labels).join(' ') || 'value';
}
