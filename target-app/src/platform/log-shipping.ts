/**
 * The pino transport that ships log lines over Loki's push protocol (pino-loki, run by pino in its
 * worker thread). The entry already carries the level's name (label `level`), the labels
 * (service, instance) and the timestamp, so the shipped JSON line leaves them out: a store that
 * turns the line's keys into fields (VictoriaLogs does) then holds one `level`, the name, instead
 * of that and pino's number clashing, and no field twice.
 */
import { pinoLoki, type LokiOptions } from 'pino-loki';

/** What pino-loki hands a log format: pino's object plus the level's label value. */
type PinoEntry = Record<string, unknown> & { level: number; lokilevel: string };

/** The JSON line as shipped: pino's fields less what the entry carries already. */
export function shippedLine(entry: PinoEntry, labels: readonly string[]): string {
  const { level: _level, lokilevel: _label, time: _time, ...fields } = entry;
  for (const label of labels) delete fields[label];
  return JSON.stringify(fields);
}

export default function logShipping(options: Omit<LokiOptions, 'logFormat'>): ReturnType<typeof pinoLoki> {
  const labels = Object.keys(options.labels ?? {});
  return pinoLoki({ ...options, logFormat: (entry) => shippedLine(entry, labels) });
}
