/**
 * The body of a Prometheus remote write 1.0 request: a protobuf WriteRequest (encoded by
 * protobufjs from remote-write.proto), before its snappy compression.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { NativeHistogram } from './native-histogram.ts';

export type Labels = Record<string, string>;

/** One sample of one series: a float value, or a cumulative native histogram. */
export type Series = { name: string; labels: Labels; timestampMs: number } & ({ value: number } | { histogram: NativeHistogram });

/** Prometheus's stale marker: a NaN with the payload 0x7ff0000000000002 (model/value.StaleNaN). Sent as a value, it ends the series. */
export const STALE_NAN: number = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const root = protobuf.loadSync(join(import.meta.dirname, 'remote-write.proto'));
const WriteRequest = root.lookupType('prometheus.WriteRequest');

interface LabelPair {
  name: string;
  value: string;
}

interface TimeSeriesMessage {
  labels: LabelPair[];
  samples: { value: number; timestamp: number }[];
  histograms: Record<string, unknown>[];
}

/** The series' labels as Prometheus wants them: __name__ included, empty values left out (Prometheus treats them as absent), sorted by name. */
function sortedLabels(series: Series): LabelPair[] {
  const pairs: LabelPair[] = [{ name: '__name__', value: series.name }];
  for (const [name, value] of Object.entries(series.labels)) {
    if (value !== '' && name !== '__name__') pairs.push({ name, value });
  }
  return pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function histogramMessage(h: NativeHistogram, timestamp: number): Record<string, unknown> {
  return {
    countInt: h.count,
    sum: h.sum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCountInt: h.zeroCount,
    positiveSpans: h.positiveSpans,
    positiveDeltas: h.positiveDeltas,
    timestamp,
  };
}

/** Groups the samples by series (one TimeSeries each, samples in time order) and encodes the WriteRequest. */
export function encodeWriteRequest(series: Series[]): Uint8Array {
  const bySeries = new Map<string, TimeSeriesMessage>();
  for (const s of series) {
    const labels = sortedLabels(s);
    const key = labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0001');
    let ts = bySeries.get(key);
    if (ts === undefined) {
      ts = { labels, samples: [], histograms: [] };
      bySeries.set(key, ts);
    }
    if ('histogram' in s) ts.histograms.push(histogramMessage(s.histogram, s.timestampMs));
    else ts.samples.push({ value: s.value, timestamp: s.timestampMs });
  }
  const timeseries = [...bySeries.values()];
  for (const ts of timeseries) {
    ts.samples.sort((a, b) => a.timestamp - b.timestamp);
    ts.histograms.sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
  }
  return WriteRequest.encode({ timeseries }).finish();
}
