/**
 * The named query definitions behind the report's app panels and log lines. Grafana's dashboards
 * draw the same figures, so both must read one definition: dashboards/queries.ts (branch
 * `dashboards`) holds them. Until it is merged this module stands in for it with the same shape
 * (QueryDefinition, groups named cache / resilience / autoscaling / logs, `$__rate_interval`
 * filled by fillVariables); after the merge the definitions below give way to an import of those
 * groups, and APP_PANELS keeps naming them.
 */

export interface QueryDefinition {
  /** What the series is, in a few words (the plot title). */
  title: string;
  language: 'promql' | 'logsql';
  expr: string;
  /** Grafana unit id: s, reqps, ops, percentunit, short. */
  unit: string;
  /** Grafana legend format ({{label}}). */
  legend: string;
}

const RATE = '$__rate_interval';
const promql = (title: string, expr: string, unit: string, legend: string): QueryDefinition => ({ title, language: 'promql', expr, unit, legend });

const cache = {
  hitRatio: promql('cache hit ratio (hit or stale)', `sum by (cache) (rate(cache_requests_total{result=~"hit|stale"}[${RATE}])) / sum by (cache) (rate(cache_requests_total[${RATE}]))`, 'percentunit', '{{cache}}'),
  dbQueries: promql('database queries per second by table', `sum by (job, db_collection_name) (rate(db_client_operation_duration_seconds_count[${RATE}]))`, 'ops', '{{job}} {{db_collection_name}}'),
};
const resilience = {
  breakerState: promql('breaker state (0 closed, 1 half-open, 2 open)', 'max by (job, breaker) (breaker_state)', 'short', '{{breaker}}'),
};
const autoscaling = {
  current: promql("catalog replicas in the gateway's view", 'max(catalog_replicas{job="gateway"})', 'short', 'current'),
};
const worker = {
  streamLag: promql('order stream lag (entries not yet handled)', 'max by (stream) (stream_lag_messages)', 'short', '{{stream}}'),
};

/** Warnings and errors of every service: the log stream labels service, instance and level (by name). */
export const logs = {
  problemLines: {
    title: 'warning and error log lines with trace ids',
    language: 'logsql',
    expr: '{service=~".+"} level:in("warning", "error", "critical") | fields _time, service, instance, level, _msg, problem, reason, trace_id',
    unit: 'short',
    legend: '',
  } satisfies QueryDefinition,
};

/** The app panels the report draws when their series exist, in this order. */
export const APP_PANELS: readonly { id: string; query: QueryDefinition }[] = [
  { id: 'db-queries', query: cache.dbQueries },
  { id: 'cache-hit-ratio', query: cache.hitRatio },
  { id: 'breaker-state', query: resilience.breakerState },
  { id: 'catalog-replicas', query: autoscaling.current },
  { id: 'stream-lag', query: worker.streamLag },
];

/** Prometheus scrapes the lab every second: a 5 s window is the shortest rate that always holds samples. */
export const REPORT_RATE_INTERVAL = '5s';

/** A definition's text for one variant: the rate window, and `$variant` / `$scenario` (hypothesis measures use them). */
export function fillVariables(expr: string, values: { variant: string; scenario: string }, rateInterval = REPORT_RATE_INTERVAL): string {
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$window', rateInterval)
    .replace(/\$(variant|scenario)\b/g, (_m, name: 'variant' | 'scenario') => values[name]);
}

const UNIT_WORDS: Record<string, string> = { ops: 'per s', reqps: 'requests/s', percentunit: 'ratio', s: 's', short: '' };

export function unitWords(unit: string): string {
  return UNIT_WORDS[unit] ?? unit;
}

export function legendFor(legend: string, labels: Record<string, string>): string {
  const text = legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '').trim();
  return text || Object.values(labels).join(' ') || 'value';
}
