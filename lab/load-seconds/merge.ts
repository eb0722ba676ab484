/**
 * Merges the per-second files of engines that ran parts of one test (execution segments) into one
 * file of the same schema, as one engine would have written it: lines are wall-clock seconds, so
 * the same second of every engine becomes one line whose counts (planned, started, requests, ...,
 * statuses, VUs) are the engines' sums and whose HDR histograms are the engines' histograms added
 * (hdr-histogram-js `add`: percentiles over any window stay exact to the histograms' precision).
 * The header's t = 0 is the earliest engine's, its tags the first engine's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import { LabError } from '../../errors/lab-error.ts';
import { loadSecondsHeader } from './read.ts';

type Line = Record<string, unknown>;
const HISTOGRAMS = new Set(['latency', 'latencyFromDue', 'startLag']);

function addHistograms(a: string, b: string): string {
  // the JS implementation, as the reader decodes: a WebAssembly one would need destroy() after use
  const sum = hdr.decodeFromCompressedBase64(a, 32, false);
  sum.add(hdr.decodeFromCompressedBase64(b, 32, false));
  return hdr.encodeIntoCompressedBase64(sum);
}

/** `into` plus `line`, field by field: numbers add, histograms add, maps of either add key by key. */
function addLine(into: Line, line: Line): Line {
  const out: Line = { ...into };
  for (const [key, value] of Object.entries(line)) {
    const have = out[key];
    if (key === 't' || have === undefined) out[key] = value;
    else if (typeof value === 'number' && typeof have === 'number') out[key] = have + value;
    else if (typeof value === 'string' && typeof have === 'string' && HISTOGRAMS.has(key)) out[key] = addHistograms(have, value);
    else if (typeof value === 'object' && value !== null && typeof have === 'object' && have !== null) {
      const map: Record<string, unknown> = { ...(have as Record<string, unknown>) };
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        const h = map[name];
        map[name] = h === undefined ? v : typeof v === 'number' ? (h as number) + v : addHistograms(h as string, v as string);
      }
      out[key] = map;
    }
  }
  return out;
}

/** Writes to `target` the sum of the per-second files `sources` (each as the engine wrote it). */
export function mergeLoadSeconds(sources: string[], target: string): void {
  let header: { startedAt: number } & Record<string, unknown> | undefined;
  const seconds = new Map<number, Line>();
  for (const source of sources) {
    const lines = readFileSync(source, 'utf8').split('\n').filter((l) => l !== '');
    const head = lines.length > 0 ? loadSecondsHeader(lines[0]!) : undefined;
    if (head === undefined) throw new LabError('LOAD_SECONDS_ERR_SCHEMA', `${source} has no per-second header: its engine stopped before t = 0; run the scenario again`);
    header = header === undefined ? { ...head } : { ...header, startedAt: Math.min(header.startedAt, head.startedAt) };
    for (const text of lines.slice(1)) {
      const line = JSON.parse(text) as Line;
      const t = line.t as number;
      seconds.set(t, addLine(seconds.get(t) ?? {}, line));
    }
  }
  const body = [...seconds.keys()].sort((a, b) => a - b).map((t) => JSON.stringify(seconds.get(t)));
  writeFileSync(target, `${[JSON.stringify(header), ...body].join('\n')}\n`);
}
