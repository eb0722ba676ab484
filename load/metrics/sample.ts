/** What every metric observation is: one value of one metric under one tag set at one moment. */

export type Tags = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface Sample {
  metric: string;
  tags: Tags;
  value: number;
  /** Epoch milliseconds when the sample was taken. */
  time: number;
}

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
}
