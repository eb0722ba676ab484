/**
 * `faultline dashboards`: for each dashboard, a link that opens its main queries in Prometheus'
 * graph page over the last run's time range (and its LogsQL in VictoriaLogs' UI), for a user
 * who runs the native stack without Grafana.
 */
import type { Command } from 'commander';
import { DASHBOARDS } from '../../dashboards/index.ts';
import { prometheusGraphLink, victoriaLogsLink } from '../../dashboards/links.ts';
import { LabError } from '../../errors/lab-error.ts';
import { resultsRoot } from '../paths.ts';
import { resolvePorts } from '../ports.ts';
import { newestRun } from '../run-summary/run-range.ts';

export function dashboardLinks(env: NodeJS.ProcessEnv): string[] {
  const root = resultsRoot(env);
  const run = newestRun(root);
  if (!run) throw new LabError('LAB_ERR_NO_RUN', `no run found under ${root}: run one first (make scenario NAME=<name> PROFILE=smoke)`);
  const ports: Partial<Record<string, number>> = resolvePorts(env);
  const prometheus = `http://127.0.0.1:${ports.prometheus}`;
  const lines = [`last run: ${run.dir} (${run.start.toISOString()} .. ${run.end.toISOString()})`];
  for (const { spec } of DASHBOARDS) {
    lines.push('', `${spec.title} (uid ${spec.uid})`);
    const promql = spec.main.filter((q) => q.language === 'promql');
    if (promql.length > 0) lines.push(`  Prometheus: ${prometheusGraphLink(prometheus, promql, run)}`);
    const logsql = spec.main.filter((q) => q.language === 'logsql');
    // the port map names VictoriaLogs once the native stack runs it
    if (ports.victoriaLogs) for (const q of logsql) lines.push(`  VictoriaLogs (${q.title}): ${victoriaLogsLink(`http://127.0.0.1:${ports.victoriaLogs}`, q, run)}`);
  }
  return lines;
}

export function registerDashboardsCommand(program: Command): void {
  program
    .command('dashboards')
    .description("print per dashboard a link opening its main queries in Prometheus' graph page over the last run's time range")
    .action(() => {
      process.stdout.write(`${dashboardLinks(process.env).join('\n')}\n`);
    });
}
