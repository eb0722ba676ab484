/** The three datasources every dashboard names, by the stable uids observability/grafana/provisioning gives them. */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'prometheus' };
export const VICTORIA_LOGS: DataSourceRef = { type: 'victoriametrics-logs-datasource', uid: 'victorialogs' };
export const JAEGER: DataSourceRef = { type: 'jaeger', uid: 'jaeger' };
