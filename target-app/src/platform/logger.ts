/**
 * pino JSON logs with trace_id/span_id of the active span, to stdout and (when LOKI_URL is
 * set) to Loki through pino-loki with the label service=<name>. Info level stays quiet under
 * load: the platform never logs a successful request.
 */
import pino, { type Logger } from 'pino';
import type { ServiceConfig } from './config.ts';
import { activeTraceIds } from './tracing.ts';

export type { Logger };

export function createLogger(config: Pick<ServiceConfig, 'name' | 'instance' | 'logLevel' | 'lokiUrl'>): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: config.name, instance: config.instance },
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => activeTraceIds() ?? {},
  };
  if (!config.lokiUrl) return pino(options);
  const transport = pino.transport({
    targets: [
      { target: 'pino/file', level: config.logLevel, options: { destination: 1 } },
      {
        target: 'pino-loki',
        level: config.logLevel,
        options: {
          host: config.lokiUrl,
          labels: { service: config.name, instance: config.instance },
          batching: { interval: 1, maxBufferSize: 10_000 },
          silenceErrors: false,
        },
      },
    ],
  });
  return pino(options, transport);
}

/** Flushes buffered lines (and the transport thread) before the process exits. */
export async function flushLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}
