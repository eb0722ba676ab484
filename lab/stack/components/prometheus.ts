/** Prometheus: scrapes the lab every second, receives k6's remote write, keeps native histograms and exemplars. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../paths.ts';
import { claim, type Component } from '../component.ts';
import { systemBinary } from '../context.ts';
import { httpOk } from '../http.ts';
import { writeTargets } from '../targets.ts';

/** The one Prometheus config, shared with docker compose. */
export const PROMETHEUS_CONFIG = join(PROJECT_ROOT, 'observability', 'prometheus', 'prometheus.yml');

export const prometheus: Component = {
  name: 'prometheus',
  after: [],
  startTimeoutMs: 20_000,
  port: (ports) => ports.prometheus,
  metricsPort: (ports) => ports.prometheus,
  claims: (ports) => [claim(ports.prometheus, 'prometheus')],
  ui: (ports) => `http://127.0.0.1:${ports.prometheus}/graph`,
  binaries: (ctx) => [systemBinary(ctx, 'prometheus', 'prometheus')],

  async prepare(ctx) {
    const dir = join(ctx.dir, 'prometheus');
    mkdirSync(join(dir, 'data'), { recursive: true });
    // copied beside its targets/ folder, which the config names by a relative path
    copyFileSync(PROMETHEUS_CONFIG, join(dir, 'prometheus.yml'));
    writeTargets(ctx, 'app', []);
    writeTargets(ctx, 'faultline', [{ address: `127.0.0.1:${ctx.ports.labMetrics}`, job: 'faultline', instance: 'faultline' }]);
    return {
      command: systemBinary(ctx, 'prometheus', 'prometheus'),
      args: [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=127.0.0.1:${ctx.ports.prometheus}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=native-histograms,exemplar-storage',
        '--web.enable-lifecycle',
      ],
    };
  },

  async probe(ctx) {
    await httpOk(`http://127.0.0.1:${ctx.ports.prometheus}/-/ready`);
  },

  async version(ctx) {
    const body = JSON.parse(await httpOk(`http://127.0.0.1:${ctx.ports.prometheus}/api/v1/status/buildinfo`)) as { data?: { version?: string } };
    return body.data?.version ?? '?';
  },
};
