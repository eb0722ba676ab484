/** Hands every sample and request record to each output (summary, thresholds, per-second file, remote write). */
import type { RequestSample, Sample, SampleSink } from './sample.ts';

export class FanOut implements SampleSink {
  private readonly sinks: SampleSink[] = [];

  attach(sink: SampleSink): void {
    this.sinks.push(sink);
  }

  add(sample: Sample): void {
    for (const sink of this.sinks) sink.add(sample);
  }

  addRequest(request: RequestSample): void {
    for (const sink of this.sinks) sink.addRequest(request);
  }
}
