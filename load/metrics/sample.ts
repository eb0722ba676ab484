/**
 * What every metric observation is: one value of one metric under one tag set at one moment; and
 * the one record an HTTP response hop leaves, which stands for k6's dozen http_* samples of it.
 */

export type Tags = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface Sample {
  metric: string;
  tags: Tags;
  value: number;
  /** Epoch milliseconds when the sample was taken. */
  time: number;
}

/** k6's request timings in float ms (http_req_<name>). */
export interface RequestTimings {
  blocked: number; connecting: number; tls_handshaking: number;
  sending: number; waiting: number; receiving: number; duration: number;
}

/**
 * One response hop, handed to the outputs once rather than as twelve samples; `requestSamples`
 * says which samples it stands for, so an output that needs no shortcut expands it.
 */
export interface RequestSample {
  tags: Tags;
  /** Epoch milliseconds when the response ended: the time of every sample it stands for. */
  time: number;
  timings: RequestTimings;
  /** http_req_failed's value; undefined when the response callback is off (no sample). */
  failed: boolean | undefined;
  bytesSent: number;
  bytesReceived: number;
  /** Response end minus the iteration's due time; undefined outside an iteration (setup, teardown). */
  fromDueMs: number | undefined;
}

/** The samples a request record stands for, in the order k6 emits them. */
export function forEachRequestSample(request: RequestSample, each: (metric: string, value: number) => void): void {
  const t = request.timings;
  each('http_reqs', 1);
  each('http_req_duration', t.duration);
  each('http_req_blocked', t.blocked);
  each('http_req_connecting', t.connecting);
  each('http_req_tls_handshaking', t.tls_handshaking);
  each('http_req_sending', t.sending);
  each('http_req_waiting', t.waiting);
  each('http_req_receiving', t.receiving);
  if (request.failed !== undefined) each('http_req_failed', request.failed ? 1 : 0);
  each('data_sent', request.bytesSent);
  each('data_received', request.bytesReceived);
  if (request.fromDueMs !== undefined) each('http_req_latency_from_due', request.fromDueMs);
}

/** The metrics a request record may stand for. */
export const REQUEST_METRICS: ReadonlySet<string> = new Set([
  'http_reqs', 'http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking',
  'http_req_sending', 'http_req_waiting', 'http_req_receiving', 'http_req_failed', 'data_sent', 'data_received',
  'http_req_latency_from_due',
]);

export interface MetricDefinition {
  name: string;
  type: MetricType;
  /** Trend values are durations in ms (shown as seconds in Prometheus). */
  isTime: boolean;
  /** Engine bookkeeping kept out of the summary export and remote write. */
  hidden?: boolean;
}

export interface SampleSink {
  add(sample: Sample): void;
  addRequest(request: RequestSample): void;
}
