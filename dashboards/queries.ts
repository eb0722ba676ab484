/**
 * Every query the dashboards run, defined once: PromQL against Prometheus, LogsQL against
 * VictoriaLogs. The dashboards, the proof test, `faultline dashboards` and the run report import
 * these by name, so a panel and a report plot of the same figure can never read different series.
 *
 * Placeholders, filled by Grafana or by `fillVariables`: $scenario, $variant, $run (template
 * variables) and $__rate_interval (Grafana's rate window for the panel's resolution).
 * App series carry job and instance only; the run's identity (scenario, variant, run) lives on
 * the runner's and the load engine's series, so app panels are scoped by the time range.
 */

export type QueryLanguage = 'promql' | 'logsql';

export interface QueryDefinition {
  /** What the series is, in a few words (the report's plot title). */
  title: string;
  language: QueryLanguage;
  expr: string;
  /** Grafana unit id: s, reqps, ops, percentunit, short. */
  unit: string;
  /** Grafana legend format ({{label}}). */
  legend: string;
  /** PromQL on a histogram with trace exemplars: the panel shows them, linked to Jaeger. */
  exemplar?: boolean;
  /** LogsQL only: stats over time (a graph) or log lines (a logs panel). */
  logs?: 'statsRange' | 'lines';
}

const promql = (title: string, expr: string, unit: string, legend: string, exemplar = false): QueryDefinition => ({ title, language: 'promql', expr, unit, legend, ...(exemplar ? { exemplar } : {}) });
const logsql = (title: string, expr: string, unit: string, legend: string, logs: 'statsRange' | 'lines'): QueryDefinition => ({ title, language: 'logsql', expr, unit, legend, logs });

const RATE = '$__rate_interval';
/** The load engine's series of the selected variant(s) and run. */
const LOAD = 'variant=~"$variant",faultline_run=~"$run"';

const quantile = (q: number, series: string, by: string) => `histogram_quantile(${q}, sum by (${by}, le) (rate(${series}_bucket[${RATE}])))`;
const nativeQuantile = (q: number, series: string) => `histogram_quantile(${q}, sum(rate(${series}{${LOAD}}[${RATE}])))`;

/** RED per service and route, from the server histograms (recorded series where a hypothesis may read them too). */
export const red = {
  requestsByService: promql('requests per second by service', 'job:http_server_requests:rate5s', 'reqps', '{{job}}'),
  requestsByRoute: promql('requests per second by route', 'job_route:http_server_requests:rate5s', 'reqps', '{{job}} {{http_route}}'),
  errorRatioByService: promql('5xx share of requests by service', 'job:http_server_error_ratio:rate5s', 'percentunit', '{{job}}'),
  errorsByRoute: promql('5xx responses per second by route', 'job_route:http_server_errors:rate5s', 'reqps', '{{job}} {{http_route}}'),
  p99ByRoute: promql('p99 latency by route', quantile(0.99, 'http_server_request_duration_seconds', 'job, http_route'), 's', '{{job}} {{http_route}}', true),
  p50ByService: promql('p50 latency by service', quantile(0.5, 'http_server_request_duration_seconds', 'job'), 's', 'p50 {{job}}', true),
  p95ByService: promql('p95 latency by service', quantile(0.95, 'http_server_request_duration_seconds', 'job'), 's', 'p95 {{job}}', true),
  inFlight: promql('requests in flight by instance', 'job_instance:http_server_active_requests:sum', 'short', '{{instance}}'),
  clientP99ByPeer: promql('p99 of outbound calls by peer', quantile(0.99, 'http_client_request_duration_seconds', 'job, server_address'), 's', '{{job}} → {{server_address}}', true),
  eventLoop: promql('event-loop utilisation by instance', 'max by (job, instance) (nodejs_eventloop_utilization_ratio)', 'percentunit', '{{instance}}'),
} as const;

/** The catalog's cache and the database behind it. */
export const cache = {
  hitRatio: promql('cache hit ratio (hit or stale)', 'cache:cache_hit_ratio:rate5s', 'percentunit', '{{cache}}'),
  lookupsByResult: promql('cache lookups per second by outcome', `sum by (cache, result) (rate(cache_requests_total[${RATE}]))`, 'ops', '{{cache}} {{result}}'),
  coalescedAndStale: promql('coalesced and stale-served reads per second', `sum by (cache, result) (rate(cache_requests_total{result=~"coalesced|stale"}[${RATE}]))`, 'ops', '{{cache}} {{result}}'),
  dbQueries: promql('database queries per second by table', 'job_collection:db_client_queries:rate5s', 'ops', '{{job}} {{db_collection_name}}'),
  refreshesByReason: promql('cache loads per second by why (expired key, early, stale)', `sum by (cache, reason) (rate(cache_refreshes_total[${RATE}]))`, 'ops', '{{cache}} {{reason}}'),
  cacheErrors: promql('failed cache commands per second', `sum by (cache) (rate(cache_errors_total[${RATE}]))`, 'ops', '{{cache}}'),
  dbP99: promql('p99 database operation latency by table', quantile(0.99, 'db_client_operation_duration_seconds', 'job, db_collection_name'), 's', '{{job}} {{db_collection_name}}', true),
} as const;

/** The worker's consumer group on the order event stream. */
export const worker = {
  streamLag: promql('order stream lag (entries not yet handled)', 'max by (stream) (stream_lag_messages)', 'short', '{{stream}}'),
} as const;

/** Circuit breaker, retries, shedding, deadlines, failover and pools. */
export const resilience = {
  breakerState: promql('breaker state (0 closed, 1 half-open, 2 open)', 'max by (job, breaker) (breaker_state)', 'short', '{{breaker}}'),
  breakerTransitions: promql('breaker transitions by state entered', `sum by (breaker, to) (increase(breaker_transitions_total[${RATE}]))`, 'short', '{{breaker}} → {{to}}'),
  retries: promql('retries per second by peer', `sum by (server_address) (rate(retries_total[${RATE}]))`, 'ops', 'retried → {{server_address}}'),
  retriesDenied: promql('retries refused per second (budget, deadline)', `sum by (server_address, reason) (rate(retries_denied_total[${RATE}]))`, 'ops', 'refused → {{server_address}} ({{reason}})'),
  retryShare: promql("retries as a share of the gateway's outbound calls", 'server_address:retries:ratio_rate5s', 'percentunit', '{{server_address}}'),
  shed: promql('requests shed per second by reason', `sum by (job, reason) (rate(shed_requests_total[${RATE}]))`, 'reqps', '{{job}} {{reason}}'),
  deadlineResponses: promql('504 deadline-exceeded responses per second', `sum by (job, http_route) (rate(http_server_request_duration_seconds_count{http_response_status_code="504"}[${RATE}]))`, 'reqps', '{{job}} {{http_route}}'),
  deadlineCalls: promql('outbound calls cut by deadline or timeout per second', `sum by (job, server_address, error_type) (rate(http_client_request_duration_seconds_count{error_type=~"deadline|timeout"}[${RATE}]))`, 'ops', '{{job}} → {{server_address}} {{error_type}}'),
  ejected: promql('catalog instances ejected (known minus eligible)', 'max(catalog_replicas{job="gateway"}) - max(catalog_replicas_eligible{job="gateway"})', 'short', 'ejected'),
  ejections: promql('outlier ejections', `sum(increase(outlier_ejections_total[${RATE}]))`, 'short', 'ejections'),
  poolPending: promql('checkouts waiting for a database connection', 'sum by (job) (db_client_connection_pending_requests)', 'short', '{{job}} waiting'),
  poolUsed: promql('database connections in use', 'sum by (job) (db_client_connections{state="used"})', 'short', '{{job}} used'),
  priceFallbacks: promql('prices served from the last known value per second', `sum by (reason) (rate(price_fallbacks_total[${RATE}]))`, 'ops', '{{reason}}'),
} as const;

/** Catalog replicas against the metric that drives them. */
export const autoscaling = {
  desired: promql('desired catalog replicas (autoscaler)', 'max(faultline_autoscaler_desired_replicas)', 'short', 'desired'),
  current: promql("catalog replicas in the gateway's view", 'max(catalog_replicas{job="gateway"})', 'short', 'current'),
  scraped: promql('catalog instances up', 'count(up{job="catalog"} == 1)', 'short', 'up'),
  utilisation: promql('mean event-loop utilisation of the catalog instances', 'avg(nodejs_eventloop_utilization_ratio{job="catalog"})', 'percentunit', 'mean utilisation'),
  ratePerInstance: promql('requests per second per catalog instance', `sum by (instance) (rate(http_server_request_duration_seconds_count{job="catalog"}[${RATE}]))`, 'reqps', '{{instance}}'),
  // the metric the autoscaler is driven by is the scenario's own query (any per-instance figure): its gauges carry it, unit-free
  metricAverage: promql("the autoscaler's driving metric, averaged over the instances", 'max by (scenario, variant) (faultline_autoscaler_metric_average{scenario=~"$scenario",variant=~"$variant"})', 'short', 'average {{variant}}'),
  metricTarget: promql("the autoscaler's target for that average", 'max by (scenario, variant) (faultline_autoscaler_metric_target{scenario=~"$scenario",variant=~"$variant"})', 'short', 'target {{variant}}'),
} as const;

/** The load engine's own series (remote write, native histograms). */
export const load = {
  planned: promql('planned arrival rate (iterations due per second)', `sum(rate(k6_iterations_planned_total{${LOAD}}[${RATE}]))`, 'ops', 'planned'),
  achieved: promql('achieved arrival rate (iterations started per second)', `sum(rate(k6_iterations_total{${LOAD}}[${RATE}]))`, 'ops', 'achieved'),
  dropped: promql('dropped iterations per second', `sum(rate(k6_dropped_iterations_total{${LOAD}}[${RATE}]))`, 'ops', 'dropped'),
  vus: promql('active virtual users', `sum(k6_vus{${LOAD}})`, 'short', 'VUs'),
  vusMax: promql('allocated virtual users', `sum(k6_vus_max{${LOAD}})`, 'short', 'allocated'),
  p50: promql('client p50 latency', nativeQuantile(0.5, 'k6_http_req_duration_seconds'), 's', 'p50'),
  p95: promql('client p95 latency', nativeQuantile(0.95, 'k6_http_req_duration_seconds'), 's', 'p95'),
  p99: promql('client p99 latency', nativeQuantile(0.99, 'k6_http_req_duration_seconds'), 's', 'p99'),
  requestsByStatus: promql('client requests per second by status', `sum by (status) (rate(k6_http_reqs_total{${LOAD}}[${RATE}]))`, 'reqps', '{{status}}'),
  failedShare: promql('failed requests (share)', `avg(k6_http_req_failed_rate{${LOAD}})`, 'percentunit', 'failed'),
  checks: promql('checks passed (share)', `avg(k6_checks_rate{${LOAD}})`, 'percentunit', 'checks'),
  startLagP99: promql('p99 iteration start lag behind schedule', nativeQuantile(0.99, 'k6_iteration_start_lag_seconds'), 's', 'p99 start lag'),
} as const;

/** Warnings and errors of every service (the stream labels the app's log shipping sets: service, instance, level by name). */
const PROBLEM_LINES = '{service=~".+"} level:in("warning", "error", "critical")';

export const logs = {
  problemsByService: logsql('warning and error log lines per service', `${PROBLEM_LINES} | stats by (service) count() as lines`, 'short', '{{service}}', 'statsRange'),
  problemLines: logsql('warning and error log lines with trace ids', `${PROBLEM_LINES} | fields _time, service, instance, level, _msg, problem, reason, trace_id`, 'short', '', 'lines'),
} as const;

/** The fault windows the runner reports (faultline_fault_active = 1 while a fault is on). */
export const faultWindows = promql('active faults', 'faultline_fault_active{scenario=~"$scenario",variant=~"$variant"} == 1', 'short', '{{fault}} on {{target}}');

/** Template variables: the query whose label values fill each. */
export const variables = {
  scenario: { query: 'label_values(faultline_phase, scenario)', label: 'scenario' },
  variant: { query: 'label_values(faultline_phase{scenario=~"$scenario"}, variant)', label: 'variant' },
  run: { query: 'label_values(k6_vus{variant=~"$variant"}, faultline_run)', label: 'faultline_run' },
} as const;

export type VariableName = keyof typeof variables;

/**
 * A query's text with the placeholders filled as Grafana fills a multi-value variable in `=~`:
 * the values regex-quoted and joined with |; a variable without values matches all (.*).
 */
export function fillVariables(expr: string, values: Partial<Record<VariableName, readonly string[]>>, rateInterval = '10s'): string {
  let out = expr.replaceAll('$__rate_interval', rateInterval);
  for (const name of Object.keys(variables) as VariableName[]) {
    const chosen = values[name];
    out = out.replaceAll(`$${name}`, chosen && chosen.length > 0 ? chosen.map(escapeRegex).join('|') : '.*');
  }
  return out;
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}
