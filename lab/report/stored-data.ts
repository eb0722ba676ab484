/**
 * What the report stores in a results directory at run time, so that `faultline report` renders
 * the same page later without the stack: the file names and their schemas, read and written here
 * only. Every file is optional: a panel without its file says where its data would have come from.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ReportInputError } from './report-errors.ts';

export const seriesFile = (variant: string) => `series-${variant}.json`;
export const tracesFile = (variant: string) => `traces-${variant}.json`;
export const logsFile = (variant: string) => `logs-${variant}.json`;
export const SCENARIO_FILE = 'scenario.json';

const point = z.tuple([z.number(), z.number().nullable()]);

export const storedSeriesSchema = z.strictObject({
  schema: z.literal('faultline.report-series/v1'),
  variant: z.string(),
  source: z.string(),
  panels: z.array(
    z.strictObject({
      id: z.string(),
      title: z.string(),
      unit: z.string(),
      query: z.string(),
      /** [epoch seconds, value] */
      series: z.array(z.strictObject({ label: z.string(), points: z.array(point) })),
    }),
  ),
});

const span = z.strictObject({
  spanId: z.string(),
  parentId: z.string().nullable(),
  service: z.string(),
  operation: z.string(),
  /** From the start of the trace. */
  offsetMs: z.number(),
  durationMs: z.number(),
  error: z.boolean(),
});

export const storedTracesSchema = z.strictObject({
  schema: z.literal('faultline.report-traces/v1'),
  variant: z.string(),
  source: z.string(),
  /** Why no traces were collected, when none were. */
  error: z.string().nullable(),
  traces: z.array(
    z.strictObject({
      phase: z.string(),
      traceId: z.string(),
      service: z.string(),
      operation: z.string(),
      start: z.string(),
      durationMs: z.number(),
      spans: z.array(span),
    }),
  ),
});

export const storedLogsSchema = z.strictObject({
  schema: z.literal('faultline.report-logs/v1'),
  variant: z.string(),
  source: z.string(),
  error: z.string().nullable(),
  lines: z.array(z.strictObject({ time: z.string(), service: z.string(), level: z.string(), message: z.string(), traceId: z.string().nullable() })),
});

/** What the scenario file says that summary.json does not carry: its lesson and its PromQL measures. */
export const storedScenarioSchema = z.strictObject({
  schema: z.literal('faultline.report-scenario/v1'),
  teaches: z.string(),
  measures: z.array(z.strictObject({ title: z.string(), promql: z.string() })),
});

export type StoredSeries = z.infer<typeof storedSeriesSchema>;
export type StoredPanel = StoredSeries['panels'][number];
export type StoredTraces = z.infer<typeof storedTracesSchema>;
export type StoredTrace = StoredTraces['traces'][number];
export type StoredLogs = z.infer<typeof storedLogsSchema>;
export type StoredScenario = z.infer<typeof storedScenarioSchema>;

export function writeStored(dir: string, file: string, data: unknown): void {
  writeFileSync(join(dir, file), `${JSON.stringify(data)}\n`);
}

/** The stored file parsed against its schema; null when the run did not store it. */
export function readStored<T>(dir: string, file: string, schema: z.ZodType<T>): T | null {
  const path = join(dir, file);
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ReportInputError('REPORT_ERR_STORED_CUT', `${file} in ${dir} is not JSON (it was cut short): delete it to render without it, or run the scenario again`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ReportInputError('REPORT_ERR_STORED_SCHEMA', `${file} in ${dir}: ${issue.path.join('.')}: ${issue.message}: delete it to render without it, or run the scenario again`);
  }
  return parsed.data;
}
