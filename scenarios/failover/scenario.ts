/**
 * failover: three catalog instances behind the gateway; one is killed, a second blackholed (its
 * edge swallows every request), then both come back, while readers keep coming. Round robin
 * without health keeps sending a third of the reads to each bad instance; health checks, outlier
 * ejection and a retry on another instance keep the failures near zero and readmit the instances.
 */
import { failedShare, grew, grewEachSecond, orZeroWhile } from '../../lab/runner/promql.ts';
import { defineScenario } from '../../lab/runner/schema.ts';

const REPLICAS = 3;
/**
 * The faults, in percent of the profile's duration: the kill comes first and its instance is back
 * (started again) while the blackhole still holds the second, so each readmission shows alone.
 */
const KILL = { at: 30, duration: 25 };
const BLACKHOLE = { at: 40, duration: 25 };
/** The fault window, from the kill to the end of the blackhole. */
const FAULT_WINDOW = BLACKHOLE.at + BLACKHOLE.duration - KILL.at;
/**
 * The share of reads round robin sends to a bad instance during the fault window: a third of them
 * while one instance is bad, two thirds while both are (the killed one's restart left out).
 */
const BAD_SHARE = (KILL.duration + BLACKHOLE.duration) / REPLICAS / FAULT_WINDOW;
/** A share rounded to two places, as the verdict table prints it. */
const share = (x: number) => Math.round(x * 100) / 100;
// a few products: every read is a cache hit once warm, and the load engine's per-URL series stay few
const LOAD = { RATE: 100, PRODUCTS: 30 };

/** Share of reads that did not get a 200, as the load engine counted them. */
const readsFailed = failedShare();
/** Catalog instances the gateway would pick now (every instance while failover is off). */
const eligible = 'max(catalog_replicas_eligible{job="gateway"})';
/** Instances the runner has faulted at the moment (its own fault gauge, one per timeline entry; none yet is 0 while the gateway reports). */
const faulted = orZeroWhile('sum(faultline_fault_active{scenario="$scenario",variant="$variant"})', eligible);
/** The gateway's calls to catalog that failed in the last second (0 while it made calls and none failed). */
const catalogCalls = (extra: string) => `http_client_request_duration_seconds_count{job="gateway",server_address="catalog"${extra}}`;
const failedCatalogCalls = orZeroWhile(grewEachSecond(catalogCalls(',error_type!=""')), grewEachSecond(catalogCalls('')));
/** 1 in each second (sampled each second) in which the gateway still counted a faulted instance eligible. */
const badEligible = `(${eligible} + ${faulted} > bool ${REPLICAS})`;
/** 1 in each second in which an instance that was not faulted (any more) was out of rotation. */
const healthyLeftOut = `(${eligible} + ${faulted} < bool ${REPLICAS})`;

export default defineScenario({
  title: 'one catalog instance killed, another blackholed: round robin fails a share of reads, failover keeps them whole',
  teaches:
    'Round robin without health checks keeps sending each instance its share of the traffic, so every dead or silent instance fails its share of reads, the silent one only after a timeout. ' +
    'Active health checks and outlier ejection take a bad instance out within a second or two, a retry on another instance covers the reads caught in between, and the instance is readmitted once it answers again.',
  topology: {
    catalogReplicas: REPLICAS,
    // retries none: failover off is plain round robin; failover on still retries once on another instance
    config: { gateway: { retries: 'none', catalogTimeoutMs: 1_000, healthCheckIntervalMs: 1_000, outlierConsecutiveFailures: 3, outlierEjectionMs: 5_000 } },
    products: LOAD.PRODUCTS,
  },
  variants: {
    unprotected: { description: 'round robin over every instance, no health checks, no retry', switches: { gateway: { failover: 'off' } } },
    protected: { description: 'health checks, outlier ejection and a retry on another instance', switches: { gateway: { failover: 'on' } } },
  },
  profiles: {
    // settle 3: the reads the blackhole held when it ended time out a second later, and a counter's
    // sample at the window's start may be a second old; neither belongs to the recovery
    smoke: { duration: 36, warmup: 4, settle: 3, vars: LOAD },
    full: { duration: 60, warmup: 5, settle: 3, vars: LOAD },
  },
  timeline: [
    { at: `${KILL.at}%`, duration: `${KILL.duration}%`, fault: 'process_kill', target: 'catalog-1' },
    {
      at: `${BLACKHOLE.at}%`,
      duration: `${BLACKHOLE.duration}%`,
      fault: 'timeout',
      target: 'gateway-catalog-2',
      attributes: { timeout: 0 },
      // the kill fails catalog calls too: the blackhole shows as calls that ran out of time
      visible: {
        description: "the gateway's calls to catalog-2 time out while it is blackholed",
        promql: grew('http_client_request_duration_seconds_count{job="gateway",server_address="catalog",server_port="$target_port",error_type="timeout"}'),
        op: '>',
        value: 0,
      },
    },
  ],
  hypotheses: [
    {
      name: 'no failed reads before the fault',
      measure: readsFailed,
      phase: 'steady',
      expect: { op: '<=', value: 0.001 },
    },
    {
      name: 'protected: at most 1% of reads fail during the fault',
      measure: readsFailed,
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 0.01 },
    },
    {
      name: `unprotected: reads fail in proportion to the bad instances' share of the traffic (at least 0.6 of ${BAD_SHARE.toFixed(2)})`,
      measure: readsFailed,
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: share(0.6 * BAD_SHARE) },
    },
    {
      name: `unprotected: no more reads fail than the bad instances' share (at most 1.3 of ${BAD_SHARE.toFixed(2)}: the healthy instance answers its own)`,
      measure: readsFailed,
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '<=', value: share(1.3 * BAD_SHARE) },
    },
    {
      // judged over the whole run: the fault gauge and the gateway's are scraped apart, up to a second each
      name: 'protected: each faulted instance is out of rotation within about 2 s (at most 5 one-second samples with one still eligible)',
      measure: { promql: `sum_over_time(${badEligible}[$window:1s])` },
      phase: 'run',
      variants: ['protected'],
      expect: { op: '<=', value: 5 },
    },
    {
      // only a faulted instance fails a call (the healthy one answers each of its own), so a second
      // with failed calls is a second the gateway still sent reads to a faulted instance; failover
      // takes them out of rotation within seconds, and this fails
      name: 'unprotected: the gateway keeps sending reads to the faulted instances (calls to catalog fail in at least 80% of the seconds a fault is on; the control)',
      measure: { promql: `avg_over_time(((${failedCatalogCalls} > bool 0) and on() $active)[$window:1s])` },
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: 0.8 },
    },
    {
      name: 'protected: passive outlier detection ejects a failing instance at least once',
      measure: { promql: grew('outlier_ejections_total{job="gateway"}') },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '>=', value: 1 },
    },
    {
      name: 'protected: each instance is readmitted within about 2 s of its recovery, and no healthy one is left out (at most 5 one-second samples)',
      measure: { promql: `sum_over_time(${healthyLeftOut}[$window:1s])` },
      phase: 'run',
      variants: ['protected'],
      expect: { op: '<=', value: 5 },
    },
    {
      name: `protected: all ${REPLICAS} instances are in rotation through the recovery`,
      measure: { promql: `min_over_time(${eligible}[$window:1s])` },
      phase: 'recovery',
      variants: ['protected'],
      expect: { op: '==', value: REPLICAS },
    },
    {
      name: 'no failed reads once both instances are back',
      measure: readsFailed,
      phase: 'recovery',
      expect: { op: '<=', value: 0.01 },
    },
  ],
});
