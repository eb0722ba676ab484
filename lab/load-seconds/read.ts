/**
 * Reads the load engine's per-second file (load-seconds-<variant>.ndjson, its schema named in
 * load/metrics/seconds-format.ts): a header line, then one line per wall-clock second with
 * counters, three HDR histograms (µs) encoded by hdr-histogram-js and one per route. The runner,
 * the report and the gate all read it here. A file cut short or not of this schema is one
 * LabError line (exit 2).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { z } from 'zod';
import { LabError } from '../../errors/lab-error.ts';
import { LOAD_SECONDS_SCHEMA, LOAD_SECONDS_UNIT } from '../../load/metrics/seconds-format.ts';

export { LOAD_SECONDS_SCHEMA };

/** The file's name in a results directory: the runner has the engine write it, the report falls back to it. */
export const loadSecondsFile = (variant: string) => `load-seconds-${variant}.ndjson`;

const header = z.object({
  schema: z.literal(LOAD_SECONDS_SCHEMA),
  unit: z.literal(LOAD_SECONDS_UNIT),
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
  routes: z.record(z.string(), z.string()).optional(),
  routesDropped: count.optional(),
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
  vusMax: number;
  latency: hdr.Histogram;
  latencyFromDue: hdr.Histogram;
  startLag: hdr.Histogram;
  /** Latency per value of the route tag; a route absent in a second had no request in it. */
  routes: Record<string, hdr.Histogram>;
  /** Requests whose route got no histogram (past the engine's cap on distinct routes). */
  routesDropped: number;
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

export interface ReadOptions {
  /** Decode only the seconds from this epoch second on: a reader polling a growing file skips what it has. */
  since?: number;
  /** The engine is still writing: a last line without its newline is one being written, left for the next read. */
  growing?: boolean;
}

export function readLoadSeconds(path: string, options: ReadOptions = {}): LoadSeconds {
  const file = basename(path);
  const lines = readFileSync(path, 'utf8').split('\n');
  // a finished file ends with a newline; while growing, what follows the last newline is unfinished
  if (lines.at(-1) === '' || (options.growing && lines.length > 1)) lines.pop();
  const parse = (index: number): unknown => {
    try {
      return JSON.parse(lines[index]!);
    } catch {
      throw new LabError('LOAD_SECONDS_ERR_CUT', `${file} line ${index + 1} is not JSON (the file was cut short): run the scenario again`);
    }
  };
  if (lines.length === 0) throw new LabError('LOAD_SECONDS_ERR_EMPTY', `${file} is empty: the load engine stopped before its first second; run the scenario again`);
  const head = header.safeParse(parse(0));
  if (!head.success) {
    throw new LabError('LOAD_SECONDS_ERR_SCHEMA', `${file} does not start with a ${LOAD_SECONDS_SCHEMA} header: it is from another engine version; run the scenario again`);
  }
  const seconds: LoadSecond[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = parse(i);
    const t = (raw as { t?: unknown }).t;
    if (options.since !== undefined && typeof t === 'number' && t < options.since) continue;
    const row = second.safeParse(raw);
    if (!row.success) {
      const issue = row.error.issues[0]!;
      throw new LabError('LOAD_SECONDS_ERR_LINE', `${file} line ${i + 1}: ${issue.path.join('.')}: ${issue.message}: the file is not a ${LOAD_SECONDS_SCHEMA} record; run the scenario again`);
    }
    const s = row.data;
    try {
      const routes = Object.fromEntries(Object.entries(s.routes ?? {}).map(([name, encoded]) => [name, decode(encoded)]));
      seconds.push({ ...s, latency: decode(s.latency), latencyFromDue: decode(s.latencyFromDue), startLag: decode(s.startLag), routes, routesDropped: s.routesDropped ?? 0 });
    } catch {
      throw new LabError('LOAD_SECONDS_ERR_HISTOGRAM', `${file} line ${i + 1} holds a histogram hdr-histogram-js cannot decode: the file is damaged; run the scenario again`);
    }
  }
  return { file, startedAt: head.data.startedAt, tags: head.data.tags, seconds };
}
