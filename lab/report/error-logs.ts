/**
 * The warning and error log lines the app wrote while a variant's faults were on, each with its
 * trace id, from the log store: VictoriaLogs (LogsQL, /select/logsql/query, the dashboards' own
 * problem-lines query; it turns the shipped JSON lines into fields at ingestion) or Loki (LogQL,
 * /loki/api/v1/query_range).
 */
import { logs as logQueries } from '../../dashboards/queries.ts';
import type { StoredLogs } from './stored-data.ts';
import type { StoredVariant } from '../run-summary/summary.ts';

export type LogStoreApi = 'logsql' | 'loki';

const LINES_PER_WINDOW = 50;
/** pino's numeric levels, where a line still carries them: 40 warn, 50 error, 60 fatal. */
const LEVEL_NAMES: Record<string, string> = { '40': 'warning', '50': 'error', '60': 'critical' };

type Line = StoredLogs['lines'][number];

function toLine(fields: Record<string, unknown>, time: string): Line {
  const level = String(fields.level ?? '');
  return {
    time,
    service: String(fields.service ?? fields.job ?? 'unknown'),
    level: LEVEL_NAMES[level] ?? level,
    message: [fields.msg ?? fields._msg, fields.problem, fields.reason].filter((v) => typeof v === 'string' && v).join(': '),
    traceId: typeof fields.trace_id === 'string' && fields.trace_id ? fields.trace_id : null,
  };
}

async function queryLogsql(baseUrl: string, start: number, end: number): Promise<Line[]> {
  const body = new URLSearchParams({ query: logQueries.problemLines.expr, start: new Date(start).toISOString(), end: new Date(end).toISOString(), limit: String(LINES_PER_WINDOW) });
  const response = await fetch(`${baseUrl}/select/logsql/query`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from /select/logsql/query`);
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((text) => {
      const fields = JSON.parse(text) as Record<string, unknown>;
      return toLine(fields, String(fields._time));
    });
}

async function queryLoki(baseUrl: string, start: number, end: number): Promise<Line[]> {
  const params = new URLSearchParams({
    query: '{service=~".+", level=~"warning|error|critical"}',
    start: String(start * 1e6),
    end: String(end * 1e6),
    limit: String(LINES_PER_WINDOW),
    direction: 'forward',
  });
  const response = await fetch(`${baseUrl}/loki/api/v1/query_range?${params}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from /loki/api/v1/query_range`);
  const body = (await response.json()) as { data?: { result?: { values: [string, string][] }[] } };
  return (body.data?.result ?? []).flatMap((stream) =>
    stream.values.map(([ns, text]) => {
      let fields: Record<string, unknown> = { _msg: text };
      try {
        fields = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // a line that is not pino JSON is kept as its text
      }
      return toLine(fields, new Date(Number(ns) / 1e6).toISOString());
    }),
  );
}

export async function collectErrorLogs(store: { url: string; api: LogStoreApi }, variant: StoredVariant): Promise<StoredLogs> {
  const stored: StoredLogs = { schema: 'faultline.report-logs/v1', variant: variant.name, source: `${store.api === 'logsql' ? 'VictoriaLogs' : 'Loki'} at ${store.url}`, error: null, lines: [] };
  const query = store.api === 'logsql' ? queryLogsql : queryLoki;
  try {
    for (const fault of variant.faults) {
      if (!fault.appliedAt) continue;
      const start = Date.parse(fault.appliedAt);
      const end = fault.revertedAt ? Date.parse(fault.revertedAt) : Date.parse(variant.load.end);
      stored.lines.push(...(await query(store.url, start, end)));
    }
  } catch (error) {
    stored.error = `the log store did not answer (${error instanceof Error ? error.message : String(error)})`;
  }
  stored.lines.sort((a, b) => a.time.localeCompare(b.time));
  return stored;
}
