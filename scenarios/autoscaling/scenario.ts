/**
 * autoscaling: the offered load ramps past what one catalog instance can serve, holds, and falls
 * back. With a fixed single instance the peak queues on its database pool until requests time out;
 * the lab's HPA controller adds instances when the per-instance request rate crosses its target,
 * and removes them, drained, once the scale-down stabilization window has passed.
 */
import { failedRequests, failedShare, orZeroWhile } from '../../lab/runner/promql.ts';
import { defineScenario } from '../../lab/runner/schema.ts';

/** What one product query waits on the database (pg_sleep, no CPU): with a pool of 10 connections one instance serves about 10 / 0.15 s = 66 reads/s. */
const QUERY_COST_MS = 150;
/** One instance's capacity, reads/s (the catalog's default pool of 10 connections over QUERY_COST_MS). */
const CAPACITY = 66;
/** The autoscaler's target: requests per second per catalog instance, well under CAPACITY as an HPA target should be. */
const TARGET = 30;
const TOLERANCE = 0.1;
const MIN_REPLICAS = 1;
const MAX_REPLICAS = 4;
/** Seconds between two evaluations of the controller. */
const PERIOD = 2;
/** Scale-down stabilization (Kubernetes' default is 300 s; shortened so a run sees it pass). */
const SCALE_DOWN_WINDOW = 10;
/** Reads/s at rest and at the peak: the peak asks for PEAK / TARGET = 3 instances; one instance cannot carry it. */
const BASE = 15;
const PEAK = 90;
/** The latency objective for reads, s: about three times a read's own cost. */
const P95_OBJECTIVE = 0.5;
/** Products seeded, and read at random by the load (each URL is a series of the load engine's). */
const PRODUCTS = 20;

/**
 * The load's shape as shares of the profile's duration: rest, ramp up, hold the peak, ramp down,
 * then rest until the end (long enough for the stabilization window and the drained scale-in).
 */
const SHAPE = { rest: 0.1, up: 0.3, hold: 0.2, down: 0.05 };

/** One catalog instance's driving metric: the read rate it served (completed requests per second). */
const perInstanceRate = 'sum by (instance) (rate(http_server_request_duration_seconds_count{job="catalog",http_route="/products/:id"}[3s]))';
const gauge = (name: string) => `faultline_autoscaler_${name}{scenario="$scenario",variant="$variant"}`;
const current = gauge('current_replicas');
/** Epoch second at which the metric's average first left the tolerance band above its target (0 when it never did; no data without the autoscaler's gauges). */
const metricCrossed = orZeroWhile(`min(min_over_time(timestamp(${gauge('metric_average')} > ${gauge('metric_target')} * ${1 + TOLERANCE})[$window:1s]))`, `max_over_time(${gauge('metric_average')}[$window])`);
/** The client's p95 over the last 5 s, as the load engine measured it. */
const p95 = 'histogram_quantile(0.95, sum(rate(k6_http_req_duration_seconds{variant="$variant"}[5s])))';
/** Seconds of the window with p95 over the objective (0 while p95 had data and never left it). */
const secondsOverObjective = orZeroWhile(`count_over_time((${p95} > ${P95_OBJECTIVE})[$window:1s])`, `count_over_time(${p95}[$window:1s])`);
const readsFailed = failedRequests();
const readsFailedShare = failedShare();
/** The highest replica count of the run, and the replicas the metric asked for at each evaluation (ceil(current × average / target)). */
const peakReplicas = `scalar(max_over_time(${current}[$window]))`;
const recommended = `ceil(${current} * ${gauge('metric_average')} / ${gauge('metric_target')})`;

export default defineScenario({
  title: 'the load ramps past one catalog instance: a fixed instance times out, the HPA controller scales out and back in',
  teaches:
    'A fixed instance count sized for the quiet hours queues and times out when the load ramps past its capacity; an autoscaler that computes ceil(current × metric / target) adds instances within seconds of the metric crossing its target. ' +
    'It removes them only after the scale-down stabilization window, and a removed instance leaves the gateway first and drains, so scaling in fails no request.',
  topology: {
    catalogReplicas: MIN_REPLICAS,
    config: {
      // every read waits on the database: an instance's capacity is its pool, not the CPU, so more instances help on 2 cores
      catalog: { cacheStrategy: 'none', dbQueryCostMs: QUERY_COST_MS },
      // no retry or failover masks a failure: a request lost to a removed instance shows as a failed request
      gateway: { failover: 'off', retries: 'none', catalogTimeoutMs: 1_000 },
    },
    products: PRODUCTS,
  },
  variants: {
    fixed: { description: `one catalog instance whatever the load (sized for ${BASE} reads/s)`, switches: {} },
    autoscaled: {
      description: `the lab's HPA controller: ${MIN_REPLICAS}..${MAX_REPLICAS} instances, target ${TARGET} reads/s per instance, scale-down window ${SCALE_DOWN_WINDOW} s`,
      switches: {},
      autoscaler: {
        query: perInstanceRate,
        target: TARGET,
        minReplicas: MIN_REPLICAS,
        maxReplicas: MAX_REPLICAS,
        tolerance: TOLERANCE,
        periodSeconds: PERIOD,
        scaleUpStabilizationSeconds: 0,
        scaleDownStabilizationSeconds: SCALE_DOWN_WINDOW,
      },
    },
  },
  profiles: {
    smoke: { duration: 60, warmup: 3, settle: 2, vars: { BASE, PEAK, PRODUCTS, ...shapeVars() } },
    full: { duration: 120, warmup: 5, settle: 3, vars: { BASE, PEAK, PRODUCTS, ...shapeVars() } },
  },
  timeline: [
    {
      // A marker, not a fault: a zero-delay toxic on the orders edge, which this load never uses, so the
      // runner's fault and recovery phases are the ramp with its peak and the quiet time after it.
      at: percent(SHAPE.rest),
      duration: percent(SHAPE.up + SHAPE.hold),
      fault: 'latency',
      target: 'gateway-orders',
      attributes: { latency: 0 },
      visible: {
        description: `the offered load rose past one instance's capacity (${CAPACITY} reads/s)`,
        promql: 'max_over_time(sum(rate(k6_http_reqs_total{variant="$variant"}[5s]))[$window:1s])',
        op: '>=',
        value: CAPACITY * 1.2,
      },
    },
  ],
  hypotheses: [
    {
      name: `autoscaled: a second instance serves within 10 s of the metric crossing its target (+${TOLERANCE * 100} %)`,
      // never scaled out: 1e10 s, so a scale-out that does not come fails rather than having no data
      measure: { promql: `(min(min_over_time(timestamp(${current} > ${MIN_REPLICAS})[$window:1s])) or vector(1e10)) - ${metricCrossed}` },
      variants: ['autoscaled'],
      expect: { op: '<=', value: 10 },
    },
    {
      name: `autoscaled: p95 back under ${P95_OBJECTIVE * 1000} ms within 20 s of the metric crossing its target, and under it from then on`,
      // 0 when p95 never left the objective after the crossing; the whole epoch when the metric never crossed
      measure: { promql: `clamp_min(${orZeroWhile(`max(max_over_time(timestamp(${p95} > ${P95_OBJECTIVE})[$window:1s]))`, `count_over_time(${p95}[$window:1s])`)} - ${metricCrossed}, 0)` },
      variants: ['autoscaled'],
      expect: { op: '<=', value: 20 },
    },
    {
      name: `fixed: p95 above ${P95_OBJECTIVE * 1000} ms for at least 8 s of the ramp and the peak`,
      measure: { promql: secondsOverObjective },
      phase: 'fault',
      variants: ['fixed'],
      expect: { op: '>=', value: 8 },
    },
    {
      name: `autoscaled: p95 above ${P95_OBJECTIVE * 1000} ms for at most a third of the seconds fixed spends there`,
      measure: { promql: secondsOverObjective },
      phase: 'fault',
      variants: ['autoscaled'],
      expect: { op: '<=', factor: 1 / 3, of: { variant: 'fixed' } },
    },
    {
      name: 'fixed: one instance fails at least 5 % of the reads during the peak (its pool queues past the deadline)',
      measure: readsFailedShare,
      phase: 'fault',
      variants: ['fixed'],
      expect: { op: '>=', value: 0.05 },
    },
    {
      name: 'autoscaled: at most 1 % of the reads fail during the ramp and the peak',
      measure: readsFailedShare,
      phase: 'fault',
      variants: ['autoscaled'],
      expect: { op: '<=', value: 0.01 },
    },
    {
      name: `autoscaled: the peak runs on the ${Math.ceil(PEAK / TARGET)} instances ceil(${PEAK} / ${TARGET}) asks for, or more`,
      measure: { promql: `max_over_time(${current}[$window])` },
      phase: 'fault',
      variants: ['autoscaled'],
      expect: { op: '>=', value: Math.ceil(PEAK / TARGET) },
    },
    {
      name: `autoscaled: scale-in waits out the ${SCALE_DOWN_WINDOW} s stabilization window after the last evaluation that asked for the peak`,
      measure: {
        promql: `max(max_over_time(timestamp(${current} == ${peakReplicas})[$window:1s])) - max(max_over_time(timestamp(${recommended} >= ${peakReplicas})[$window:1s]))`,
      },
      variants: ['autoscaled'],
      // the gauges show the last evaluation that asked for the peak until the next one, a period later
      expect: { op: '>=', value: SCALE_DOWN_WINDOW - PERIOD - 2 },
    },
    {
      name: `autoscaled: back to ${MIN_REPLICAS} instance by the end of the run`,
      measure: { promql: `last_over_time(${current}[$window])` },
      phase: 'recovery',
      variants: ['autoscaled'],
      expect: { op: '==', value: MIN_REPLICAS },
    },
    {
      name: 'autoscaled: no read fails after the peak, while instances are removed (the gateway lets go of one first, then it drains)',
      measure: readsFailed,
      phase: 'recovery',
      variants: ['autoscaled'],
      expect: { op: '==', value: 0 },
    },
  ],
});

/** A share of the profile's duration as a timeline offset. */
function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** The load's shape for load.ts, the same shares the timeline uses. */
function shapeVars(): Record<string, number> {
  return { REST: SHAPE.rest, UP: SHAPE.up, HOLD: SHAPE.hold, DOWN: SHAPE.down };
}
