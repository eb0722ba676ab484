/**
 * Runs the queries of generated dashboards the way Grafana would over a time range: PromQL as a
 * range query against Prometheus, LogsQL against VictoriaLogs (stats over time, or log lines), a
 * Jaeger search against Jaeger's query API. Each result says whether the query erred and how many
 * series (or lines, or traces) it returned.
 */
import { fillVariables, type VariableName } from './queries.ts';
import { languageOf, panelsOf, type JsonPanel, type JsonTarget } from './walk.ts';

export interface Endpoints {
  prometheus: string;
  /** Undefined where the stack runs no VictoriaLogs: LogsQL queries are then reported as not run. */
  victoriaLogs?: string;
  jaeger?: string;
}

export interface QueryRun {
  start: Date;
  end: Date;
  values: Partial<Record<VariableName, readonly string[]>>;
  /** Seconds between points, and the rate window for $__rate_interval. */
  step?: number;
  rateInterval?: string;
}

export interface Execution {
  dashboard: string;
  panel: string;
  refId: string;
  language: string;
  /** The query as the dashboard holds it (placeholders unfilled): how queries.ts names it. */
  template: string;
  /** The query as sent (variables filled). */
  query: string;
  /** Series, log lines or traces returned. */
  results: number;
  error?: string;
  /** Why the query was not run (its store is not part of this stack). */
  notRun?: string;
}

async function fetchJson(url: string, init?: RequestInit): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

async function promql(base: string, query: string, run: QueryRun): Promise<{ results: number; error?: string }> {
  const params = new URLSearchParams({ query, start: String(run.start.getTime() / 1000), end: String(run.end.getTime() / 1000), step: String(run.step ?? 1) });
  const { status, body, text } = await fetchJson(`${base}/api/v1/query_range`, { method: 'POST', body: params });
  if (status !== 200 || body?.status !== 'success') return { results: 0, error: body?.error ?? `HTTP ${status}: ${text.slice(0, 200)}` };
  // a series whose every point is NaN (0/0 while idle) shows nothing in a panel: it does not count
  const series = (body.data.result as { values: [number, string][] }[]).filter((s) => s.values.some(([, v]) => v !== 'NaN'));
  return { results: series.length };
}

async function logsql(base: string, target: JsonTarget, query: string, run: QueryRun): Promise<{ results: number; error?: string }> {
  const range = { query, start: run.start.toISOString(), end: run.end.toISOString() };
  if (target.queryType === 'statsRange') {
    const { status, body, text } = await fetchJson(`${base}/select/logsql/stats_query_range`, { method: 'POST', body: new URLSearchParams({ ...range, step: `${run.step ?? 1}s` }) });
    if (status !== 200 || body?.status !== 'success') return { results: 0, error: `HTTP ${status}: ${text.slice(0, 200)}` };
    return { results: (body.data.result as unknown[]).length };
  }
  const { status, text } = await fetchJson(`${base}/select/logsql/query`, { method: 'POST', body: new URLSearchParams({ ...range, limit: '100' }) });
  if (status !== 200) return { results: 0, error: `HTTP ${status}: ${text.slice(0, 200)}` };
  return { results: text.split('\n').filter((line) => line.trim()).length };
}

async function jaegerSearch(base: string, target: JsonTarget, run: QueryRun): Promise<{ results: number; error?: string }> {
  const params = new URLSearchParams({ service: String(target.service), start: String(run.start.getTime() * 1000), end: String(run.end.getTime() * 1000), limit: String(target.limit ?? 20) });
  const { status, body, text } = await fetchJson(`${base}/api/traces?${params.toString()}`);
  if (status !== 200) return { results: 0, error: `HTTP ${status}: ${text.slice(0, 200)}` };
  return { results: (body?.data as unknown[] | undefined)?.length ?? 0 };
}

async function executeTarget(target: JsonTarget, panel: JsonPanel, endpoints: Endpoints, run: QueryRun): Promise<Omit<Execution, 'dashboard' | 'panel' | 'refId' | 'template'>> {
  const language = languageOf(target, panel) ?? 'unknown';
  const query = language === 'jaeger' ? `search service=${String(target.service)}` : fillVariables(String(target.expr ?? ''), run.values, run.rateInterval);
  try {
    if (language === 'promql') return { language, query, ...(await promql(endpoints.prometheus, query, run)) };
    if (language === 'logsql') {
      if (!endpoints.victoriaLogs) return { language, query, results: 0, notRun: 'this stack runs no VictoriaLogs' };
      return { language, query, ...(await logsql(endpoints.victoriaLogs, target, query, run)) };
    }
    if (language === 'jaeger') {
      if (!endpoints.jaeger) return { language, query, results: 0, notRun: 'no Jaeger endpoint given' };
      return { language, query, ...(await jaegerSearch(endpoints.jaeger, target, run)) };
    }
    return { language, query, results: 0, error: `no executor for datasource of ${panel.title}` };
  } catch (error) {
    return { language, query, results: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

export interface JsonDashboard {
  uid: string;
  panels?: JsonPanel[];
  annotations?: { list?: { name: string; expr?: string; datasource?: JsonTarget['datasource'] }[] };
  templating?: { list?: { name: string; query?: string; datasource?: JsonTarget['datasource'] }[] };
}

/** label_values(<selector>, <label>) as the PromQL that has a series for each value. */
export function labelValuesQuery(query: string): string | undefined {
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
  return match ? `count by (${match[2]}) (${match[1]})` : undefined;
}

/**
 * The dashboards' own Prometheus queries that are not panels: the fault-window annotations and the
 * template variables' value lists (listed under the pseudo-panels "annotation: <name>" and "variable: <name>").
 */
export async function executeDashboardQueries(boards: JsonDashboard[], endpoints: Endpoints, run: QueryRun): Promise<Execution[]> {
  const out: Execution[] = [];
  for (const board of boards) {
    const asPanel = (title: string, expr: string): [JsonTarget, JsonPanel] => {
      const target = { refId: 'A', expr, datasource: { type: 'prometheus' } };
      return [target, { type: 'pseudo', title, targets: [target] }];
    };
    const queries = [
      ...(board.annotations?.list ?? []).filter((a) => a.expr).map((a) => asPanel(`annotation: ${a.name}`, a.expr!)),
      ...(board.templating?.list ?? []).flatMap((v) => {
        const expr = v.query ? labelValuesQuery(v.query) : undefined;
        return expr ? [asPanel(`variable: ${v.name}`, expr)] : [];
      }),
    ];
    for (const [target, panel] of queries) out.push({ dashboard: board.uid, panel: panel.title, refId: 'A', template: String(target.expr), ...(await executeTarget(target, panel, endpoints, run)) });
  }
  return out;
}

/** Every target of every panel of the given dashboards (JSON as generated), one at a time. */
export async function executeDashboards(boards: JsonDashboard[], endpoints: Endpoints, run: QueryRun): Promise<Execution[]> {
  const out: Execution[] = [];
  for (const board of boards) {
    for (const panel of panelsOf(board)) {
      for (const target of panel.targets) out.push({ dashboard: board.uid, panel: panel.title, refId: target.refId ?? '?', template: String(target.expr ?? ''), ...(await executeTarget(target, panel, endpoints, run)) });
    }
  }
  return out;
}
