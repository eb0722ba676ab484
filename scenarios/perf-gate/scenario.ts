/**
 * perf-gate: the fixed benchmark `make gate` repeats to judge whether a change made the app slower.
 * No faults: a steady mix of hot reads, cold reads, list pages and orders at a constant arrival
 * rate well below what this 2-core machine saturates at, so latency measures the code, not a queue.
 */
import { defineScenario } from '../../lab/runner/schema.ts';

/** The steady mix (load.ts): requests per second and the shares of each kind, in percent. */
const MIX = { RATE: 50, HOT_KEYS: 20, PRODUCTS: 10_000, COLD_PCT: 15, LIST_PCT: 10, ORDER_PCT: 5 };
/** A deliberate slowdown of the hot path (GET /products/:id), ms: the catalog's hotPathDelayMs lab switch. */
const slowed = (ms: number) => ({ description: `the hot path made ${ms} ms slower (catalog hotPathDelayMs lab switch)`, switches: { catalog: { hotPathDelayMs: ms } } });
/** Smaller slowdowns than a whole-ms wait, as CPU work on the hot path, µs: the catalog's hotPathSpinUs lab switch. */
const spun = (us: number) => ({ description: `the hot path made ${us} µs slower by CPU work (catalog hotPathSpinUs lab switch)`, switches: { catalog: { hotPathSpinUs: us } } });
/**
 * A slower tail, not a slower median: this share of product reads waits `ms` (the catalog's
 * hotPathTailShare lab switch), meant to raise the hot path's p95 about 20% with p50 under 3%: on a
 * quiet round it measured ×1.23 and ×1.05; on a busy machine the machine's tail drowns it (README).
 */
const slowTail = (share: number, ms: number) => ({ description: `${(100 * share).toFixed(1)}% of product reads made ${ms} ms slower: a slower tail, the median as it was (catalog hotPathTailShare lab switch)`, switches: { catalog: { hotPathTailShare: share, hotPathTailDelayMs: ms } } });

export default defineScenario({
  title: 'the performance gate benchmark: hot and cold reads, list pages and orders at a fixed rate',
  teaches:
    'One run of a benchmark on a shared machine is too noisy to judge a 10% change; repeated runs of two builds interleaved A B A B cancel the drift. ' +
    'The gate compares the builds within each round, combines the rounds with a t-interval and an effect-size floor instead of one number over a fixed line, and judges the tail by its mean as well as its percentile.',
  topology: {
    catalogReplicas: 1,
    // a cold read costs the real query only: the benchmark measures the code, not a simulated slow database
    // the gateway waits for the catalog rather than ejecting it: a slow second on a shared CI machine must show as latency, not as failover
    config: { catalog: { dbQueryCostMs: 0 }, gateway: { catalogTimeoutMs: 10_000, failover: 'off', retries: 'none' } },
    products: MIX.PRODUCTS,
  },
  variants: {
    baseline: { description: 'the build as it is, no switches', switches: {} },
    slowed: slowed(1),
    'slowed-2ms': slowed(2),
    'slowed-3ms': slowed(3),
    'slowed-500us': spun(500),
    'slowed-750us': spun(750),
    'slowed-tail': slowTail(0.02, 100),
  },
  profiles: {
    smoke: { duration: 25, warmup: 5, settle: 0, vars: MIX },
    full: { duration: 60, warmup: 5, settle: 0, vars: MIX },
  },
  timeline: [],
  hypotheses: [{ name: 'no failed requests', measure: { k6: 'http_req_failed', stat: 'value' }, expect: { op: '==', value: 0 } }],
});
