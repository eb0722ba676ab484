/**
 * The panel kinds the dashboards use, each built from query definitions and a description that
 * says what a healthy and a broken system look like there. Every panel carries a unit, taken
 * from its queries (which must agree: one axis, one unit).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logsPanel from '@grafana/grafana-foundation-sdk/logs';
import * as stateTimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { JAEGER, PROMETHEUS, VICTORIA_LOGS } from './datasources.ts';
import type { QueryDefinition } from './queries.ts';
import { jaegerSearch, targetOf } from './targets.ts';

export interface PanelSpec {
  title: string;
  /** What the panel shows when the system is well. */
  healthy: string;
  /** What it shows when the system is broken (or the pattern under test is off). */
  broken: string;
  queries: QueryDefinition[];
  /** Grid columns out of 24 (default 12). */
  width?: number;
}

export type Panel = dashboard.Panel | dashboard.RowPanel;
export type PanelBuilder = { build(): dashboard.Panel };

const HEIGHT = 8;

export function describe(spec: Pick<PanelSpec, 'healthy' | 'broken'>): string {
  return `Healthy: ${spec.healthy} Broken: ${spec.broken}`;
}

function unitOf(spec: PanelSpec): string {
  const units = new Set(spec.queries.map((q) => q.unit));
  if (units.size !== 1) throw new Error(`panel '${spec.title}' mixes units (${[...units].join(', ')}): one panel, one axis, one unit`);
  return [...units][0]!;
}

/** A time series of one or more queries sharing a unit. */
export function graph(spec: PanelSpec): PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(describe(spec))
    .datasource(spec.queries[0]!.language === 'logsql' ? VICTORIA_LOGS : PROMETHEUS)
    .unit(unitOf(spec))
    .min(0)
    .span(spec.width ?? 12)
    .height(HEIGHT)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  spec.queries.forEach((q, i) => panel.withTarget(targetOf(q, i)));
  return panel;
}

/** A state timeline with value mappings (e.g. the breaker: 0 closed, 1 half-open, 2 open). */
export function states(spec: PanelSpec, names: { value: number; text: string; color: string }[]): PanelBuilder {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  for (const n of names) options[String(n.value)] = { text: n.text, color: n.color, index: n.value };
  const panel = new stateTimeline.PanelBuilder()
    .title(spec.title)
    .description(describe(spec))
    .datasource(PROMETHEUS)
    .unit(unitOf(spec))
    .span(spec.width ?? 12)
    .height(HEIGHT)
    .mappings([{ type: dashboard.MappingType.ValueToText, options }]);
  spec.queries.forEach((q, i) => panel.withTarget(targetOf(q, i)));
  return panel;
}

/** Log lines from VictoriaLogs; the trace_id field links to Jaeger (datasource derived field). */
export function lines(spec: PanelSpec): PanelBuilder {
  const panel = new logsPanel.PanelBuilder()
    .title(spec.title)
    .description(describe(spec))
    .datasource(VICTORIA_LOGS)
    .unit(unitOf(spec))
    .span(spec.width ?? 24)
    .height(HEIGHT + 2)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending);
  spec.queries.forEach((q, i) => panel.withTarget(targetOf(q, i)));
  return panel;
}

/** A Jaeger trace search as a table: each row opens the trace. */
export function traceSearch(spec: Omit<PanelSpec, 'queries'> & { service: string }): PanelBuilder {
  return new table.PanelBuilder()
    .title(spec.title)
    .description(describe(spec))
    .datasource(JAEGER)
    .unit('ms')
    .span(spec.width ?? 24)
    .height(HEIGHT + 2)
    .withTarget(jaegerSearch(spec.service, 20));
}
