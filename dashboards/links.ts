/**
 * Links that open a dashboard's main queries in the native UIs, for a user without Grafana:
 * Prometheus' graph page (one graph per query, g0..gN) and VictoriaLogs' web UI for LogsQL.
 */
import { fillVariables, type QueryDefinition, type VariableName } from './queries.ts';

/** The run a link opens: its time range and the values of the dashboards' variables. */
export interface RunWindow {
  start: Date;
  end: Date;
  values: Partial<Record<VariableName, readonly string[]>>;
}

/** Prometheus' graph page wants the end as "YYYY-MM-DD HH:MM:SS" in UTC. */
function graphTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A rate window that shows a run of seconds to minutes in detail without gaps at a 1 s scrape. */
function rateWindow(seconds: number): string {
  return `${Math.max(5, Math.min(60, Math.round(seconds / 60)))}s`;
}

export function prometheusGraphLink(baseUrl: string, queries: readonly QueryDefinition[], run: RunWindow): string {
  const seconds = Math.max(1, Math.ceil((run.end.getTime() - run.start.getTime()) / 1000));
  const params = new URLSearchParams();
  queries.forEach((q, i) => {
    params.set(`g${i}.expr`, fillVariables(q.expr, run.values, rateWindow(seconds)));
    params.set(`g${i}.tab`, '0');
    params.set(`g${i}.range_input`, `${seconds}s`);
    params.set(`g${i}.end_input`, graphTime(run.end));
    params.set(`g${i}.moment_input`, graphTime(run.end));
    params.set(`g${i}.show_exemplars`, q.exemplar ? '1' : '0');
  });
  return `${baseUrl}/graph?${params.toString()}`;
}

export function victoriaLogsLink(baseUrl: string, query: QueryDefinition, run: RunWindow): string {
  const params = new URLSearchParams({ query: fillVariables(query.expr, run.values), 'g0.start_input': run.start.toISOString(), 'g0.end_input': run.end.toISOString() });
  return `${baseUrl}/select/vmui/#/?${params.toString()}`;
}
