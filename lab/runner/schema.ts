/**
 * What a scenario file says, as typed data: purpose, topology, variants, load profiles, the
 * fault timeline and the hypotheses. `scenarios/<name>/scenario.ts` default-exports
 * `defineScenario({...})`; the runner validates it with this schema before anything starts.
 */
import { z } from 'zod';
import { VARIANT_NAME } from '../run-summary/summary.ts';
import { SQL_COUNTS, sqlRefusal, usesK6 } from './sql-statement.ts';

export const PHASES = ['steady', 'fault', 'recovery', 'run'] as const;
export type PhaseName = (typeof PHASES)[number];

const phase = z.enum(PHASES);
const op = z.enum(['<', '<=', '>', '>=', '==', '!=']);
const switches = z.record(z.string(), z.record(z.string(), z.unknown()));

/** Seconds from the start of the load, or a share of the profile's duration ('40%'). */
const offset = z.union([z.number().min(0), z.string().regex(/^\d+(\.\d+)?%$/, 'expected seconds or a percentage like "40%"')]);

/**
 * `or vector(0)` turns a metric that is not there into 0, so an upper bound holds on nothing: a
 * measure without series is no data (the run inconclusive) unless the scenario opts in, typed.
 */
const promql = z.string().min(1).refine((q) => !/\bvector\s*\(\s*0\s*\)/.test(q), {
  message: 'vector(0) reads a missing metric as 0: drop it, and where absence really means 0 say so with absentMeansZero: { witness } (or orZeroWhile from lab/runner/promql.ts)',
});

const promqlCheck = z.strictObject({
  /** What the check proves, in words. */
  description: z.string().min(1),
  /** PromQL; `$window` becomes the window's length, `$active` the seconds judged in it, `$variant` and `$scenario` their names, `$target_port` the faulted proxy's port. */
  promql,
  op,
  value: z.number(),
});

const faultEntry = z.strictObject({
  at: offset,
  duration: offset,
  /** A fault type from chaos/registry.ts, e.g. latency, proxy_down, cache_expire. */
  fault: z.string().min(1),
  /** A proxy (gateway-catalog-1), an instance (catalog-1) or a cache (catalog). */
  target: z.string().min(1),
  attributes: z.record(z.string(), z.unknown()).default({}),
  /** Overrides the fault type's own visibility check; false when the data cannot show it. */
  visible: z.union([promqlCheck, z.literal(false)]).optional(),
});

const K6_STATS = ['count', 'rate', 'avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'value', 'passes', 'fails'] as const;

const promqlMeasure = z.strictObject({
  promql,
  /**
   * Explicit opt-in: no series means 0, but only while `witness` (PromQL over the same window) has
   * data, e.g. the variant's requests for its failed requests. Without it no series is no data.
   */
  absentMeansZero: z.strictObject({ witness: promql }).optional(),
});

const measure = z.union([
  promqlMeasure,
  /** A metric of k6's end-of-test summary, judged over the whole run of a variant. */
  z.strictObject({ k6: z.string().min(1), stat: z.enum(K6_STATS) }),
  /** Read-only SQL on the lab's PostgreSQL once the variants have run (lab/runner/sql-measure.ts). */
  z.strictObject({
    /** One SELECT or WITH; placeholders $variant, $scenario, $from, $to (the phase's window) and $k6.<metric>.<stat> are bound as parameters. */
    sql: z.string().min(1).superRefine((sql, ctx) => {
      const refusal = sqlRefusal(sql);
      if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
    }),
    /** Default: the statement's one number. 'orders-without-event-outcome': it lists order ids, and the measure counts those neither confirmed by the worker nor dead-lettered. */
    count: z.enum(SQL_COUNTS).optional(),
  }),
]);

const expectation = z.union([
  z.strictObject({ op, value: z.number() }),
  /** Relative to the same measure in another variant and/or phase: op factor × reference + plus. */
  z.strictObject({
    op,
    factor: z.number().positive(),
    of: z.strictObject({ variant: z.string().optional(), phase: phase.optional() }),
    plus: z.number().default(0),
  }),
]);

const hypothesis = z
  .strictObject({
    name: z.string().min(1),
    measure,
    /** Where it is judged (default: the whole run of the variant). */
    phase: phase.default('run'),
    /** Which variants it is judged in (default: every variant). */
    variants: z.array(z.string()).min(1).optional(),
    expect: expectation,
  })
  .refine((h) => !('k6' in h.measure) || h.phase === 'run', { message: 'k6 summary metrics cover the whole run: use phase "run" or a promql measure', path: ['phase'] })
  .refine((h) => !('sql' in h.measure) || !usesK6(h.measure.sql) || h.phase === 'run', { message: 'a SQL measure with $k6 placeholders covers the whole run: use phase "run"', path: ['phase'] });

/** The lab's autoscaler for catalog instances (lab/autoscaler): the HPA algorithm on a per-instance PromQL metric. */
const autoscaler = z.strictObject({
  /** PromQL with one series per catalog instance (`sum by (instance) (...)`). */
  query: z.string().min(1),
  /** The metric's target average per instance. */
  target: z.number().positive(),
  minReplicas: z.number().int().min(1).max(8).default(1),
  maxReplicas: z.number().int().min(1).max(8).default(4),
  /** Relative band around the target in which nothing changes (Kubernetes' default 0.1). */
  tolerance: z.number().min(0).default(0.1),
  /** Seconds between evaluations (Kubernetes: 15). */
  periodSeconds: z.number().positive().default(2),
  /** Scale-up stabilization window, s (Kubernetes' default 0). */
  scaleUpStabilizationSeconds: z.number().min(0).default(0),
  /** Scale-down stabilization window, s (Kubernetes' default 300; shortened for the lab). */
  scaleDownStabilizationSeconds: z.number().min(0).default(20),
});

const profile = z.strictObject({
  /** Seconds of load per variant. */
  duration: z.number().positive(),
  /** Passed to load.ts as environment variables (__ENV.NAME). */
  vars: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  /** Seconds at the start of the load left out of the steady phase (default 5). */
  warmup: z.number().min(0).default(5),
  /** Seconds after the last fault is reverted left out of the recovery phase (default 3). */
  settle: z.number().min(0).default(3),
});

export const scenarioSchema = z.strictObject({
  /** One line: what `faultline list` prints. */
  title: z.string().min(1),
  /** What it teaches, in two sentences. */
  teaches: z.string().min(1),
  topology: z
    .strictObject({
      catalogReplicas: z.number().int().min(1).max(8).default(1),
      /** Switches every variant starts from, per service. */
      config: switches.default({}),
      /** Products seeded before the load (default 10,000). */
      products: z.number().int().positive().default(10_000),
    })
    .default({ catalogReplicas: 1, config: {}, products: 10_000 }),
  /** The variants to compare: name -> the switches applied (PATCH /admin/config) before its load. */
  variants: z
    .record(z.string().regex(VARIANT_NAME, 'variant names are lower-case words, e.g. protected'), z.strictObject({ description: z.string().min(1), switches: switches.default({}), autoscaler: autoscaler.optional() }))
    .refine((v) => Object.keys(v).length > 0, { message: 'name at least one variant' }),
  /** The k6 script, relative to the scenario's folder (default load.ts). */
  load: z.string().default('load.ts'),
  profiles: z.strictObject({ smoke: profile, full: profile }),
  /** Flush the lab's Redis before each variant so each starts from the same cold state (default true; false when a measure reads what a variant left in Redis). */
  resetCacheBetweenVariants: z.boolean().default(true),
  timeline: z.array(faultEntry).default([]),
  hypotheses: z.array(hypothesis).min(1),
  /**
   * Bounds on how hard the app may work in the given phases (default: steady). A service beyond
   * them makes the run inconclusive: the app was saturated where the scenario did not mean it.
   * On for every scenario: a bound left out comes from the machine (lab/runner/service-load.ts).
   */
  saturation: z
    .strictObject({
      phases: z.array(phase).min(1).default(['steady']),
      /** CPU cores one service may use on average over the phase (default 0.9: a service runs its JavaScript on one thread). */
      cpuCores: z.number().positive().optional(),
      /** CPU cores all services together may use (default 0.8 of the machine's cores, so the load engine and the datastores keep some). */
      totalCpuCores: z.number().positive().optional(),
      /** The p99 event-loop delay one service may show on average over the phase, ms (default 200). */
      eventLoopP99Ms: z.number().positive().optional(),
    })
    .default({ phases: ['steady'] }),
}).refine((s) => !s.resetCacheBetweenVariants || !s.hypotheses.some((h) => 'sql' in h.measure && h.measure.count === 'orders-without-event-outcome'), {
  message: "a measure counting orders without an event outcome reads the worker's confirmations in Redis after every variant ran: set resetCacheBetweenVariants: false",
  path: ['resetCacheBetweenVariants'],
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type Hypothesis = Scenario['hypotheses'][number];
export type Measure = Hypothesis['measure'];
export type Profile = Scenario['profiles']['smoke'];
export type ProfileName = keyof Scenario['profiles'];
export type FaultEntryInput = Scenario['timeline'][number];
export type PromqlCheck = z.output<typeof promqlCheck>;
export type PromqlMeasure = z.input<typeof promqlMeasure>;
export type Saturation = Scenario['saturation'];

/** Identity with types: lets a scenario file be checked by the editor as it is written. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

/** Resolves an offset ('40%' or seconds) against the profile's duration. */
export function seconds(value: number | string, duration: number): number {
  return typeof value === 'number' ? value : (Number(value.slice(0, -1)) / 100) * duration;
}
