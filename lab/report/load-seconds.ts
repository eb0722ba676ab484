/**
 * Reads the load engine's per-second file (load-seconds-<variant>.ndjson, schema
 * faultline.load-seconds/v1): a header line, then one line per wall-clock second with counters
 * and three HDR histograms (µs) encoded by hdr-histogram-js. A file cut short or not of this
 * schema is one ReportInputError line.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { z } from 'zod';
import { ReportInputError } from './report-errors.ts';

export const LOAD_SECONDS_SCHEMA = 'faultline.load-seconds/v1';

const header = z.object({
  schema: z.literal(LOAD_SECONDS_SCHEMA),
  unit: z.literal('us'),
  startedAt: z.number(),
  tags: z.record(z.string(), z.string()).default({}),
});

const count = z.number().int().min(0);
const second = z.object({
  t: z.number().int(),
  planned: count,
  started: count,
  dropped: count,
  completed: count,
  interrupted: count,
  requests: count,
  failed: count,
  statuses: z.record(z.string(), count),
  vus: count,
  vusMax: count,
  latency: z.string(),
  latencyFromDue: z.string(),
  startLag: z.string(),
});

export interface LoadSecond {
  /** Epoch seconds of the start of this second. */
  t: number;
  planned: number;
  started: number;
  dropped: number;
  requests: number;
  failed: number;
  statuses: Record<string, number>;
  vus: number;
  latency: hdr.Histogram;
  latencyFromDue: hdr.Histogram;
  startLag: hdr.Histogram;
}

export interface LoadSeconds {
  file: string;
  /** Epoch ms of t=0 of the schedule. */
  startedAt: number;
  tags: Record<string, string>;
  seconds: LoadSecond[];
}

function decode(encoded: string): hdr.Histogram {
  // the JS implementation: a WebAssembly histogram would need destroy() after every use
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** The header of a per-second file from its first line; undefined when the line is not one (yet). */
export function loadSecondsHeader(line: string): z.infer<typeof header> | undefined {
  try {
    const head = header.safeParse(JSON.parse(line));
    return head.success ? head.data : undefined;
  } catch {
    return undefined;
  }
}

export function readLoadSeconds(path: string): LoadSeconds {
  const file = basename(path);
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parse = (index: number): unknown => {
    try {
      return JSON.parse(lines[index]!);
    } catch {
      throw new ReportInputError('REPORT_ERR_SECONDS_CUT', `${file} line ${index + 1} is not JSON (the file was cut short): run the scenario again`);
    }
  };
  if (lines.length === 0) throw new ReportInputError('REPORT_ERR_SECONDS_EMPTY', `${file} is empty: the load engine stopped before its first second; run the scenario again`);
  const head = header.safeParse(parse(0));
  if (!head.success) {
    throw new ReportInputError('REPORT_ERR_SECONDS_SCHEMA', `${file} does not start with a ${LOAD_SECONDS_SCHEMA} header: it is from another engine version; run the scenario again`);
  }
  const seconds: LoadSecond[] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = second.safeParse(parse(i));
    if (!row.success) {
      const issue = row.error.issues[0]!;
      throw new ReportInputError('REPORT_ERR_SECONDS_LINE', `${file} line ${i + 1}: ${issue.path.join('.')}: ${issue.message}: the file is not a ${LOAD_SECONDS_SCHEMA} record; run the scenario again`);
    }
    const s = row.data;
    try {
      seconds.push({ ...s, latency: decode(s.latency), latencyFromDue: decode(s.latencyFromDue), startLag: decode(s.startLag) });
    } catch {
      throw new ReportInputError('REPORT_ERR_SECONDS_HISTOGRAM', `${file} line ${i + 1} holds a histogram hdr-histogram-js cannot decode: the file is damaged; run the scenario again`);
    }
  }
  return { file, startedAt: head.data.startedAt, tags: head.data.tags, seconds };
}
