/**
 * The edge's sampling policy: a caller's traceparent flagged sampled is honoured within a budget
 * of CALLER_SAMPLED_PER_SECOND traces a second; past it, and for everything else, the edge draws
 * its own share at random (a trace id chosen by the caller cannot buy sampling). The gateway is
 * the service that runs it.
 */
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { CALLER_SAMPLED_PER_SECOND, EdgeSampler } from '../src/platform/edge-sampler.ts';
import { serviceSpecs } from '../src/topology.ts';
import { resolvePorts } from '../../lab/ports.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** What TraceIdRatioBased would sample at any ratio: the id's low bits are all zero. */
const CRAFTED_ID = '4bf92f3577b34da60000000000000000';

function callerContext(traceId: string, sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
}

function sampledCount(sampler: EdgeSampler, context: Context, traceId: string, times: number): number {
  let sampled = 0;
  for (let i = 0; i < times; i++) if (sampler.shouldSample(context, traceId, 'GET /products/:id', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
  return sampled;
}

describe("the edge's sampling of a caller's trace context", () => {
  it(`honours a caller's sampled flag for at most ${CALLER_SAMPLED_PER_SECOND} traces a second`, () => {
    let now = 0;
    const sampler = new EdgeSampler(0.1, () => now, () => 0.99); // the edge's own draw never samples
    expect(sampledCount(sampler, callerContext(TRACE_ID, true), TRACE_ID, 100)).toBe(CALLER_SAMPLED_PER_SECOND);
    now += 500;
    expect(sampledCount(sampler, callerContext(TRACE_ID, true), TRACE_ID, 100)).toBe(CALLER_SAMPLED_PER_SECOND / 2);
  });

  it('past the budget, or without a sampled flag, decides by its own random draw, not by the trace id', () => {
    const never = new EdgeSampler(0.1, () => 0, () => 0.99);
    sampledCount(never, callerContext(CRAFTED_ID, true), CRAFTED_ID, CALLER_SAMPLED_PER_SECOND); // the budget spent
    expect(sampledCount(never, callerContext(CRAFTED_ID, true), CRAFTED_ID, 50)).toBe(0);
    expect(sampledCount(never, callerContext(CRAFTED_ID, false), CRAFTED_ID, 50)).toBe(0);
    expect(sampledCount(never, ROOT_CONTEXT, CRAFTED_ID, 50)).toBe(0);
    const always = new EdgeSampler(0.1, () => 0, () => 0.05);
    expect(sampledCount(always, callerContext(TRACE_ID, false), TRACE_ID, 5)).toBe(5);
  });

  it('is the gateway\'s sampler; the services behind it follow their parent', () => {
    const specs = serviceSpecs(resolvePorts({}), {});
    const samplers = Object.fromEntries(specs.map((s) => [s.instance, s.env.OTEL_TRACES_SAMPLER]));
    expect(samplers).toMatchObject({ gateway: 'faultline_edge', 'catalog-1': 'parentbased_traceidratio', orders: 'parentbased_traceidratio' });
  });
});
