/**
 * Panel targets built from the query definitions of queries.ts. The foundation SDK has builders
 * for Prometheus queries only; VictoriaLogs and Jaeger queries are written here as the plain
 * objects their datasource plugins read (the SDK accepts any object with build()).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { JAEGER, PROMETHEUS, VICTORIA_LOGS } from './datasources.ts';
import type { QueryDefinition } from './queries.ts';

type Target = cog.Builder<cog.Dataquery>;

function plain(query: Record<string, unknown>): Target {
  return { build: () => query as unknown as cog.Dataquery };
}

/** The target of a query definition; refIds run A, B, C... in the panel's order. */
export function targetOf(query: QueryDefinition, index: number): Target {
  const refId = String.fromCharCode(65 + index);
  if (query.language === 'logsql') {
    return plain({ refId, datasource: VICTORIA_LOGS, editorMode: 'code', expr: query.expr, legendFormat: query.legend, queryType: query.logs === 'lines' ? 'instant' : 'statsRange' });
  }
  const target = new DataqueryBuilder().refId(refId).datasource(PROMETHEUS).expr(query.expr).legendFormat(query.legend).range();
  return query.exemplar ? target.exemplar(true) : target;
}

/** A Jaeger trace search (the Jaeger datasource's search query type). */
export function jaegerSearch(service: string, limit: number): Target {
  return plain({ refId: 'A', datasource: JAEGER, queryType: 'search', service, limit });
}
