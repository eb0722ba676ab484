/**
 * The edge's policy on a caller's trace context (OTEL_TRACES_SAMPLER=faultline_edge, the
 * gateway's). A request keeps the caller's trace id, so a caller can follow its request through
 * the shop, but the caller does not decide what is recorded: a `traceparent` flagged sampled is
 * honoured for at most CALLER_SAMPLED_PER_SECOND new traces a second (a client could otherwise
 * have every request traced and flood the trace store); past that, and for every other request,
 * the edge samples its own share by a random draw, not by the trace id, which the caller chose.
 * The services behind it follow the edge's decision (parent-based).
 */
import { trace, TraceFlags, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-node';

/** Caller-sampled traces honoured per second, and at most in one burst. */
export const CALLER_SAMPLED_PER_SECOND = 10;

export class EdgeSampler implements Sampler {
  private tokens = CALLER_SAMPLED_PER_SECOND;
  private refilledAt: number;
  private readonly ratio: number;
  private readonly now: () => number;
  private readonly draw: () => number;

  /** now: a clock in ms; draw: a uniform random number in [0, 1). */
  constructor(ratio: number, now: () => number = () => performance.now(), draw: () => number = Math.random) {
    this.ratio = ratio;
    this.now = now;
    this.draw = draw;
    this.refilledAt = now();
  }

  shouldSample(parentContext: Context, _traceId: string, _name: string, _kind: SpanKind, _attributes: Attributes, _links: Link[]): SamplingResult {
    const parent = trace.getSpanContext(parentContext);
    if (parent && !parent.isRemote) return { decision: parent.traceFlags & TraceFlags.SAMPLED ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
    if (parent && parent.traceFlags & TraceFlags.SAMPLED && this.takeToken()) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return { decision: this.draw() < this.ratio ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  private takeToken(): boolean {
    const now = this.now();
    this.tokens = Math.min(CALLER_SAMPLED_PER_SECOND, this.tokens + ((now - this.refilledAt) / 1000) * CALLER_SAMPLED_PER_SECOND);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  toString(): string {
    return `EdgeSampler{ratio=${this.ratio}, callerSampledPerSecond=${CALLER_SAMPLED_PER_SECOND}}`;
  }
}
