/**
 * VictoriaLogs: the app's logs, taken over Loki's push protocol and read with LogsQL. It needs no
 * config file: its few settings are flags, and its data stays under .lab/victoria-logs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PortMap } from '../../ports.ts';
import { claim, type Component } from '../component.ts';
import { toolBinary } from '../context.ts';
import { httpOk } from '../http.ts';

/** Its built-in log explorer, the native way to read the app's logs. */
export function victoriaLogsUi(ports: PortMap): string {
  return `http://127.0.0.1:${ports.victoriaLogs}/select/vmui/`;
}

/** The short version out of its own /metrics line vm_app_version{version="…", short_version="v1.52.1"}. */
export function versionFromMetrics(metrics: string): string | undefined {
  return /^vm_app_version\{[^}]*short_version="([^"]+)"/m.exec(metrics)?.[1];
}

export const victoriaLogs: Component = {
  name: 'victoria-logs',
  after: [],
  startTimeoutMs: 20_000,
  port: (ports) => ports.victoriaLogs,
  metricsPort: (ports) => ports.victoriaLogs,
  claims: (ports) => [claim(ports.victoriaLogs, 'victoria-logs')],
  binaries: (ctx) => [toolBinary(ctx, 'victoria-logs')],
  ui: victoriaLogsUi,

  async prepare(ctx) {
    const dir = join(ctx.dir, 'victoria-logs');
    mkdirSync(dir, { recursive: true });
    return {
      command: toolBinary(ctx, 'victoria-logs'),
      args: [
        `-httpListenAddr=127.0.0.1:${ctx.ports.victoriaLogs}`,
        `-storageDataPath=${dir}`,
        // as long as Prometheus keeps its series: a lab's logs are read beside its metrics
        '-retentionPeriod=2d',
      ],
      env: { PATH: ctx.env.PATH, HOME: ctx.env.HOME },
    };
  },

  async probe(ctx) {
    await httpOk(`http://127.0.0.1:${ctx.ports.victoriaLogs}/health`);
  },

  async version(ctx) {
    return versionFromMetrics(await httpOk(`http://127.0.0.1:${ctx.ports.victoriaLogs}/metrics`)) ?? '?';
  },
};
