/**
 * pino JSON logs with trace_id/span_id of the active span, to stdout and (when LOGS_PUSH_URL is
 * set) over Loki's push protocol (log-shipping.ts) with the labels service, instance and level.
 * Info level stays quiet under load: the platform never logs a successful request.
 */
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { ServiceConfig } from './config.ts';
import { activeTraceIds } from './tracing.ts';

export type { Logger };

/** pino loads its transports by path in a worker thread. */
const LOG_SHIPPING = fileURLToPath(new URL('./log-shipping.ts', import.meta.url));

export function createLogger(config: Pick<ServiceConfig, 'name' | 'instance' | 'logLevel' | 'logsPushUrl'>): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: config.name, instance: config.instance },
    mixin: () => activeTraceIds() ?? {},
  };
  if (!config.logsPushUrl) return pino(options);
  const transport = pino.transport({
    targets: [
      { target: 'pino/file', level: config.logLevel, options: { destination: 1 } },
      {
        target: LOG_SHIPPING,
        level: config.logLevel,
        options: {
          // the full push URL, query included: an absolute endpoint replaces pino-loki's default path
          host: config.logsPushUrl,
          endpoint: config.logsPushUrl,
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

/**
 * Logs a failed request at most once a second per problem code, with how many were left out:
 * a faulted dependency fails every request, and a log line per failure would be a flood.
 * Expected failures (dependency down, overload, deadline) are warnings without a stack.
 */
export function requestFailureLogger(logger: Logger, intervalMs = 1_000): (error: unknown, problem: { code: string; status: number }) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (error, problem) => {
    const now = Date.now();
    const entry = last.get(problem.code);
    if (entry && now - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    last.set(problem.code, { at: now, suppressed: 0 });
    const suppressed = entry?.suppressed ?? 0;
    if (problem.code === 'internal') logger.error({ err: error, problem: problem.code, suppressed }, 'request failed');
    else logger.warn({ problem: problem.code, status: problem.status, reason: describeError(error), suppressed }, 'request failed');
  };
}

function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.join(': ');
}
