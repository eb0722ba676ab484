/** Prometheus file_sd target files: the stack writes them, Prometheus picks up each change within a second or so. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from './context.ts';

export interface ScrapeTarget {
  /** host:port */
  address: string;
  job: string;
  instance: string;
  metricsPath?: string;
}

/** The three pools of observability/prometheus/prometheus.yml. */
export type TargetPool = 'infra' | 'app' | 'faultline';

export function targetsDir(ctx: StackContext): string {
  return join(ctx.dir, 'prometheus', 'targets');
}

export function writeTargets(ctx: StackContext, pool: TargetPool, targets: ScrapeTarget[]): void {
  const dir = targetsDir(ctx);
  mkdirSync(dir, { recursive: true });
  const groups = targets.map((t) => ({
    targets: [t.address],
    labels: { job: t.job, instance: t.instance, ...(t.metricsPath ? { __metrics_path__: t.metricsPath } : {}) },
  }));
  const path = join(dir, `${pool}.json`);
  // write then rename: Prometheus never reads a half-written file
  writeFileSync(`${path}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
