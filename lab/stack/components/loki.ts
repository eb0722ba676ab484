/** Loki: the app's logs, single binary, filesystem storage under .lab/loki. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../paths.ts';
import { claim, type Component } from '../component.ts';
import { toolBinary } from '../context.ts';
import { httpOk } from '../http.ts';

/** The one Loki config, shared with docker compose; addresses come from the environment. */
export const LOKI_CONFIG = join(PROJECT_ROOT, 'observability', 'loki', 'loki.yml');

export const loki: Component = {
  name: 'loki',
  after: [],
  startTimeoutMs: 30_000,
  port: (ports) => ports.loki,
  metricsPort: (ports) => ports.loki,
  claims: (ports) => [claim(ports.loki, 'loki'), claim(ports.lokiGrpc, 'loki gRPC')],
  binaries: (ctx) => [toolBinary(ctx, 'loki')],

  async prepare(ctx) {
    const dir = join(ctx.dir, 'loki');
    mkdirSync(dir, { recursive: true });
    return {
      command: toolBinary(ctx, 'loki'),
      args: [`-config.file=${LOKI_CONFIG}`, '-config.expand-env=true'],
      env: {
        PATH: ctx.env.PATH,
        HOME: ctx.env.HOME,
        LOKI_LISTEN_HOST: '127.0.0.1',
        LOKI_HTTP_PORT: String(ctx.ports.loki),
        LOKI_GRPC_PORT: String(ctx.ports.lokiGrpc),
        LOKI_DATA_DIR: dir,
      },
    };
  },

  async probe(ctx) {
    await httpOk(`http://127.0.0.1:${ctx.ports.loki}/ready`);
  },

  async version(ctx) {
    const body = JSON.parse(await httpOk(`http://127.0.0.1:${ctx.ports.loki}/loki/api/v1/status/buildinfo`)) as { version?: string };
    return body.version ?? '?';
  },
};
