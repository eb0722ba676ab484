/**
 * What every dashboard shares: a stable uid, the scenario/variant/run template variables, the
 * fault windows (faultline_fault_active) as annotations, the time picker and refresh, and its
 * panels in titled rows.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS } from './datasources.ts';
import type { PanelBuilder } from './panels.ts';
import { faultWindows, variables, type VariableName, type QueryDefinition } from './queries.ts';

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  rows: { title: string; panels: PanelBuilder[] }[];
  /** The queries `faultline dashboards` opens in Prometheus' graph page for this dashboard. */
  main: QueryDefinition[];
}

export interface DashboardModule {
  spec: DashboardSpec;
  build(): dashboard.Dashboard;
}

function variable(name: VariableName): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(name)
    .datasource(PROMETHEUS)
    .query(variables[name].query)
    .definition(variables[name].query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalDesc)
    .includeAll(true)
    .allValue('.*')
    .multi(name !== 'run');
}

function faultAnnotation(): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('faults')
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor('rgba(245, 54, 54, 0.9)')
    .expr(faultWindows.expr)
    .titleFormat(faultWindows.legend)
    .textFormat('fault {{fault}} on {{target}} ({{scenario}} / {{variant}})')
    .tagKeys('fault,target,variant')
    .step('1s')
    .useValueForTime(false);
}

export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const board = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['faultline'])
    .editable()
    .time({ from: 'now-15m', to: 'now' })
    .refresh('5s')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .annotation(faultAnnotation());
  for (const name of Object.keys(variables) as VariableName[]) board.withVariable(variable(name));
  for (const row of spec.rows) {
    board.withRow(new dashboard.RowBuilder(row.title));
    for (const panel of row.panels) board.withPanel(panel);
  }
  return board.build();
}

export function defineDashboard(spec: DashboardSpec): DashboardModule {
  return { spec, build: () => buildDashboard(spec) };
}
