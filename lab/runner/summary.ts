/**
 * summary.json, the machine-readable record of a run. Versioned: readers check `schema`, and a
 * change that removes or renames a field makes a new version. The runner validates every
 * summary against this schema before writing it.
 */
import { z } from 'zod';

export const SUMMARY_SCHEMA = 'faultline.summary/v2';

const iso = z.string();
const window = z.strictObject({ start: iso, end: iso, seconds: z.number() });
const outcome = z.enum(['held', 'failed', 'no-data']);

export const checkSchema = z.strictObject({
  /** Stable id: arrival-rate, vu-pool, load-schedule, sut-saturation, fault-effect, fault-visible, hypothesis-data. */
  check: z.string(),
  variant: z.string().optional(),
  ok: z.boolean(),
  detail: z.string(),
});

const faultSchema = z.strictObject({
  id: z.string(),
  fault: z.string(),
  target: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  /** Seconds from the load's start, as planned. */
  plannedAt: z.number(),
  plannedDuration: z.number(),
  state: z.string(),
  appliedAt: iso.nullable(),
  revertedAt: iso.nullable(),
  detail: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  /** Set when the fault had nothing to act on (e.g. no key to expire). */
  noEffect: z.string().nullable(),
  visibility: z
    .strictObject({ description: z.string(), query: z.string(), observed: z.number().nullable(), expected: z.string(), visible: z.boolean().nullable() })
    .nullable(),
});

const engineSchema = z.strictObject({
  /** embedded (load/) or k6 (a user's own, from PATH). */
  engine: z.string(),
  exitCode: z.number().nullable(),
  /** The engine's end-of-test metrics (k6's summary export), keyed by metric then stat. */
  metrics: z.record(z.string(), z.record(z.string(), z.number())),
  arrival: z.strictObject({
    plannedIterations: z.number(),
    achievedIterations: z.number(),
    droppedIterations: z.number(),
    droppedRatio: z.number(),
    plannedRate: z.number(),
    achievedRate: z.number(),
  }),
  /** An iteration's actual start minus its due time, ms (null: the engine does not measure it, as k6 does not). */
  startLag: z.strictObject({ p50Ms: z.number().nullable(), p99Ms: z.number().nullable(), maxMs: z.number().nullable(), boundMs: z.number() }).nullable(),
  vus: z.strictObject({ peak: z.number(), allocated: z.number(), exhausted: z.boolean() }),
  /** The load script's thresholds as the engine judged them. */
  thresholds: z.array(z.strictObject({ metric: z.string(), expression: z.string(), ok: z.boolean(), observed: z.number().nullable(), bound: z.number().nullable() })),
  cpu: z.strictObject({
    /** CPU seconds the engine used (user + system, all threads). */
    seconds: z.number(),
    /** Mean and peak cores it used over 1 s samples. */
    averageCores: z.number(),
    peakCores: z.number(),
    /** Share of its runnable time spent waiting for a CPU (from /proc/<pid>/task/<tid>/schedstat); informative. */
    runQueueWaitRatio: z.number(),
    /** Mean wait on a run queue each time one of its threads became runnable, ms; informative. */
    schedulingDelayMs: z.number(),
    starved: z.boolean(),
  }),
  /** Files in the results dir: the summary export, the per-second HDR file (embedded only), k6's web dashboard (k6 only), the log. */
  summaryFile: z.string().nullable(),
  secondsFile: z.string().nullable(),
  dashboard: z.string().nullable(),
  log: z.string().nullable(),
});

/** One app service (Prometheus job) in one phase: how hard it worked. */
const serviceLoadSchema = z.strictObject({ cpuCores: z.number().nullable(), eventLoopP99Ms: z.number().nullable(), residentMiB: z.number().nullable() });

/** What the variant's resilience cost the servers, over its load window. */
const costSchema = z.strictObject({
  /** App CPU seconds (every service) per successful client request. */
  cpuSecondsPerSuccess: z.number().nullable(),
  /** Requests the services sent each other (retries included) per client request: retry amplification. */
  downstreamPerRequest: z.number().nullable(),
  /** Peak resident memory of all app services together, MiB. */
  peakMemoryMiB: z.number().nullable(),
});

const variantSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  switches: z.record(z.string(), z.record(z.string(), z.unknown())),
  load: window,
  phases: z.record(z.string(), window),
  faults: z.array(faultSchema),
  engine: engineSchema.nullable(),
  /** Per phase, per app service: CPU, event-loop delay, memory (the saturation guard reads these). */
  services: z.record(z.string(), z.record(z.string(), serviceLoadSchema)),
  cost: costSchema,
  /** The autoscaler's decisions (epoch seconds, instances running, the metric's average, desired), when the variant ran one. */
  autoscaler: z.array(z.strictObject({ at: z.number(), current: z.number(), average: z.number().nullable(), desired: z.number() })).nullable(),
});

export const summarySchema = z.strictObject({
  schema: z.literal(SUMMARY_SCHEMA),
  scenario: z.string(),
  title: z.string(),
  profile: z.enum(['smoke', 'full']),
  startedAt: iso,
  finishedAt: iso,
  wallSeconds: z.number(),
  /** passed (exit 0), failed (1), broken (2), inconclusive (3), interrupted (130). */
  verdict: z.enum(['passed', 'failed', 'broken', 'inconclusive', 'interrupted']),
  exitCode: z.number(),
  /** Why the run is not passed, one line each. */
  reasons: z.array(z.string()),
  variants: z.array(variantSchema),
  hypotheses: z.array(
    z.strictObject({
      name: z.string(),
      variant: z.string(),
      phase: z.string(),
      measure: z.string(),
      observed: z.number().nullable(),
      bound: z.number().nullable(),
      expected: z.string(),
      outcome,
    }),
  ),
  /** The checks that make a run inconclusive when one is not ok. */
  checks: z.array(checkSchema),
  environment: z.strictObject({
    gitCommit: z.string().nullable(),
    gitDirty: z.boolean().nullable(),
    versions: z.record(z.string(), z.string()),
    host: z.strictObject({ cpus: z.number(), memoryGiB: z.number() }),
    ports: z.strictObject({ offset: z.number(), prometheus: z.number(), gateway: z.number() }),
    /** The load engine and profile the run used. */
    engine: z.string(),
    profile: z.string(),
  }),
  files: z.strictObject({ junit: z.string(), report: z.string(), dashboards: z.array(z.string()) }),
});

export type Summary = z.infer<typeof summarySchema>;
export type VariantSummary = Summary['variants'][number];
export type FaultSummary = VariantSummary['faults'][number];
export type EngineResultSummary = NonNullable<VariantSummary['engine']>;
export type ServiceLoad = z.infer<typeof serviceLoadSchema>;
export type Cost = z.infer<typeof costSchema>;
export type Check = z.infer<typeof checkSchema>;
export type Verdict = Summary['verdict'];

export const EXIT_CODES: Record<Verdict, number> = { passed: 0, failed: 1, broken: 2, inconclusive: 3, interrupted: 130 };
