/**
 * circuit-breaker: pricing turns slow (far beyond the gateway's timeout), then refuses every
 * connection, then recovers, while readers keep asking for prices. Without a breaker every read
 * waits out the timeout and fails; with one the circuit opens at once, reads are answered from
 * the last known price, and a half-open probe closes it soon after pricing is back.
 */
import { failedShare, grew } from '../../lab/runner/promql.ts';
import { defineScenario } from '../../lab/runner/schema.ts';

/** The gateway's per-call timeout on pricing, ms; the slow edge adds far more than that. */
const PRICING_TIMEOUT_MS = 250;
const ADDED_LATENCY_MS = 2_000;
/** The breaker opens after this many consecutive failures and tries again after HALF_OPEN_MS. */
const CONSECUTIVE_FAILURES = 5;
const HALF_OPEN_MS = 2_000;
/** Reads per second; every one of PRODUCTS has a last known price long before the fault. */
const LOAD = { RATE: 100, PRODUCTS: 50 };

/** The pricing breaker's state gauge (0 closed, 1 half-open, 2 open). */
const state = 'max(breaker_state{job="gateway",breaker="pricing"})';
/** Seconds of the window (sampled each second) in which the breaker was in the given condition. */
const secondsWhere = (condition: string) => `sum_over_time((${state} ${condition})[$window:1s])`;
const transitionsTo = (to: string) => grew(`breaker_transitions_total{job="gateway",breaker="pricing",to="${to}"}`);
/** The gateway's calls to pricing that failed with the given error_type over the window. */
const failedPricingCalls = (errorType: string) => grew(`http_client_request_duration_seconds_count{job="gateway",server_address="pricing",${errorType}}`);
/** Client-side quantile as the load engine measured it (native histogram from remote write, k6's name). */
const quantile = (q: number) => `histogram_quantile(${q}, sum(rate(k6_http_req_duration_seconds{variant="$variant"}[$window])))`;
/** Share of price reads the gateway took longer than 100 ms to answer (its own histogram's bucket). */
const reads = 'job="gateway",http_route="/products/:id/price"';
const slowShare = `1 - ${grew(`http_server_request_duration_seconds_bucket{${reads},le="0.1"}`)} / ${grew(`http_server_request_duration_seconds_count{${reads}}`)}`;
/** Share of reads that did not get a 200, as the load engine counted them. */
const readsFailed = failedShare();
/** Requests the gateway holds at once, on average over the window (scraped each second). */
const inFlight = 'avg_over_time(job_instance:http_server_active_requests:sum{job="gateway"}[$window])';

export default defineScenario({
  title: 'pricing turns slow, then fails, then recovers: without a breaker every read waits and fails, with one the circuit opens and serves the last price',
  teaches:
    'A slow dependency is worse than a dead one: every caller waits out its timeout, so requests pile up and latency follows the timeout. ' +
    'A circuit breaker stops calling after a few failures, answers at once from a fallback, and lets a single half-open probe find out when the dependency is back.',
  topology: {
    catalogReplicas: 1,
    config: {
      // no retries: the comparison is the breaker alone (a retry would double every timed-out wait)
      gateway: { pricingTimeoutMs: PRICING_TIMEOUT_MS, retries: 'none', breakerConsecutiveFailures: CONSECUTIVE_FAILURES, breakerHalfOpenAfterMs: HALF_OPEN_MS },
    },
    products: 1_000,
  },
  variants: {
    unprotected: { description: 'a plain call with a timeout: every read waits for pricing', switches: { gateway: { breaker: 'off' } } },
    protected: { description: 'a circuit breaker around pricing, the last known price as fallback', switches: { gateway: { breaker: 'on' } } },
  },
  profiles: {
    // settle 2: a phase's PromQL window reaches one scrape back and a counter's sample at its start
    // may be a second old, so the recovery counts from a second after the revert (the last failed
    // reads of unprotected left out); the breaker closes about 2 s after it, inside the window
    smoke: { duration: 30, warmup: 4, settle: 2, vars: LOAD },
    full: { duration: 60, warmup: 5, settle: 2, vars: LOAD },
  },
  timeline: [
    {
      at: '30%',
      duration: '25%',
      fault: 'latency',
      target: 'gateway-pricing',
      attributes: { latency: ADDED_LATENCY_MS },
      // the gateway gives up after its timeout, so the added delay shows as timed-out calls, not as a longer mean
      visible: { description: "the gateway's calls to pricing time out while the edge is slow", promql: failedPricingCalls('error_type="timeout"'), op: '>', value: 0 },
    },
    {
      at: '55%',
      duration: '20%',
      fault: 'reset_peer',
      target: 'gateway-pricing',
      attributes: { timeout: 0 },
      // with the breaker open only its probes reach pricing: a handful of failures, which the first scrape of a new series may hold
      visible: { description: "the gateway's calls to pricing fail while the edge resets them", promql: failedPricingCalls('error_type!=""'), op: '>', value: 0 },
    },
  ],
  hypotheses: [
    {
      // the window reaches one scrape before the fault, and a scrape shows the state up to a second late
      name: 'protected: the breaker opens within 2 s of the fault (at most 4 one-second samples closed in the fault window)',
      measure: { promql: secondsWhere('== bool 0') },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 4 },
    },
    {
      name: 'protected: half-open probes fail while pricing is down, so the breaker opens again and again (at least 3 times)',
      measure: { promql: transitionsTo('open') },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '>=', value: 3 },
    },
    {
      name: 'protected: no probe closes the breaker while the fault is on',
      // a breaker that never closed has no such series: its state gauge witnesses that it was watched
      measure: { promql: transitionsTo('closed'), absentMeansZero: { witness: state } },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<', value: 0.5 },
    },
    {
      // the window starts a second after the revert: at most 4 samples open means closed within 5 s of it
      name: `protected: a half-open probe closes the breaker within 5 s of recovery (half-open after ${HALF_OPEN_MS / 1000} s; at most 4 one-second samples not closed)`,
      measure: { promql: secondsWhere('> bool 0') },
      phase: 'recovery',
      variants: ['protected'],
      expect: { op: '<=', value: 4 },
    },
    {
      name: 'protected: the breaker ends the run closed',
      measure: { promql: state },
      phase: 'recovery',
      variants: ['protected'],
      expect: { op: '==', value: 0 },
    },
    {
      name: 'protected: at most 1% of reads fail during the fault (the last known price)',
      measure: readsFailed,
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 0.01 },
    },
    {
      // the window reaches one scrape before the fault, when reads still succeeded
      name: 'unprotected: most reads fail during the fault (the control: the fault is felt without a breaker)',
      measure: readsFailed,
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: 0.75 },
    },
    {
      name: `unprotected: p99 during the fault follows the pricing timeout (at least ${(0.8 * PRICING_TIMEOUT_MS).toFixed(0)} ms)`,
      measure: { promql: quantile(0.99) },
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: (0.8 * PRICING_TIMEOUT_MS) / 1000 },
    },
    {
      name: 'protected: p95 during the fault at most a fifth of unprotected',
      measure: { promql: quantile(0.95) },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 0.2, of: { variant: 'unprotected' } },
    },
    {
      // a breaker cannot spare the reads already waiting when it trips: about one pricing timeout's
      // worth of reads, a share of the fault that p99 sees (so p99 is no measure of the breaker here)
      name: 'protected: at most 4% of reads during the fault take over 100 ms (those before the breaker trips, and the probes)',
      measure: { promql: slowShare },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 0.04 },
    },
    {
      // the slow edge covers about half the fault window; one smoke run measured 0.35, the others 0.53-0.55
      name: 'unprotected: over 25% of reads during the fault take over 100 ms (each waits out the timeout while pricing is slow)',
      measure: { promql: slowShare },
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: 0.25 },
    },
    {
      name: 'protected: requests in flight in the gateway during the fault at most a quarter of unprotected',
      measure: { promql: inFlight },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 0.25, of: { variant: 'unprotected' } },
    },
    {
      name: 'unprotected: reads pile up in the gateway during the fault (at least 5 in flight on average)',
      measure: { promql: inFlight },
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: 5 },
    },
    {
      // a claim about the breaker's recovery: unprotected's reads after the revert counted 4.5-5.3%
      // failed in two smoke runs once failures are summed second by second (cause still open)
      name: 'protected: no failed reads once pricing has recovered',
      measure: readsFailed,
      phase: 'recovery',
      variants: ['protected'],
      expect: { op: '<=', value: 0.01 },
    },
  ],
});
