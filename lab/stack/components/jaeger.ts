/** Jaeger v2: OTLP receivers, in-memory trace storage, the query API and UI. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../paths.ts';
import { claim, type Component } from '../component.ts';
import { toolBinary } from '../context.ts';
import { httpOk } from '../http.ts';

/** The one Jaeger config, shared with docker compose; addresses come from the environment. */
export const JAEGER_CONFIG = join(PROJECT_ROOT, 'observability', 'jaeger', 'jaeger.yml');

export const jaeger: Component = {
  name: 'jaeger',
  after: [],
  startTimeoutMs: 20_000,
  port: (ports) => ports.jaegerQuery,
  metricsPort: (ports) => ports.jaegerMetrics,
  claims: (ports) => [
    claim(ports.jaegerQuery, 'jaeger query'),
    claim(ports.jaegerQueryGrpc, 'jaeger query gRPC'),
    claim(ports.otlpGrpc, 'jaeger OTLP gRPC'),
    claim(ports.otlpHttp, 'jaeger OTLP HTTP'),
    claim(ports.jaegerHealth, 'jaeger health check'),
    claim(ports.jaegerMetrics, 'jaeger metrics'),
  ],
  binaries: (ctx) => [toolBinary(ctx, 'jaeger')],

  async prepare(ctx) {
    const { ports } = ctx;
    return {
      command: toolBinary(ctx, 'jaeger'),
      args: ['--config', JAEGER_CONFIG],
      env: {
        PATH: ctx.env.PATH,
        HOME: ctx.env.HOME,
        JAEGER_LISTEN_HOST: '127.0.0.1',
        JAEGER_QUERY_PORT: String(ports.jaegerQuery),
        JAEGER_QUERY_GRPC_PORT: String(ports.jaegerQueryGrpc),
        JAEGER_HEALTH_PORT: String(ports.jaegerHealth),
        JAEGER_METRICS_PORT: String(ports.jaegerMetrics),
        OTLP_GRPC_PORT: String(ports.otlpGrpc),
        OTLP_HTTP_PORT: String(ports.otlpHttp),
      },
    };
  },

  async probe(ctx) {
    await httpOk(`http://127.0.0.1:${ctx.ports.jaegerQuery}/api/services`);
  },

  async version(ctx) {
    const { stdout } = await promisify(execFile)(toolBinary(ctx, 'jaeger'), ['version'], { timeout: 3000 });
    try {
      return (JSON.parse(stdout) as { gitVersion?: string }).gitVersion ?? stdout.trim();
    } catch {
      return /v?\d+\.\d+\.\d+/.exec(stdout)?.[0] ?? stdout.trim().slice(0, 20);
    }
  },
};
