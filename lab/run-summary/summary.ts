/**
 * summary.json, the machine-readable record of a run, and the one contract its writer (the
 * runner) and its readers (report, gate, dashboards) share. Versioned: a change that removes or
 * renames a field makes a new version; adding a field does not. The runner writes what
 * `summarySchema` parses (so the file holds the contract's fields only); every reader goes through
 * `readSummary`, which knows the versions it reads and ignores fields it does not know.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LabError } from '../../errors/lab-error.ts';

export const SUMMARY_VERSION = 2;
export const SUMMARY_SCHEMA = `faultline.summary/v${SUMMARY_VERSION}` as const;

const iso = z.string();

/**
 * A variant's name, as a scenario declares it. Readers name files after it (series-<variant>.json)
 * in the results directory, so one from a summary.json written elsewhere must not be a path.
 */
export const VARIANT_NAME = /^[a-z][a-z0-9-]*$/;
const variantName = z.string().regex(VARIANT_NAME, 'not a variant name (lower-case letters, digits and -), so not a file name in the results directory');
/** A file of the results directory itself: a plain name, never a path out of it. */
const resultsFile = z.string().regex(/^(?!\.\.?$)[^/\\\0]+$/, 'not a plain file name in the results directory');
const window = z.object({ start: iso, end: iso, seconds: z.number() });
const outcome = z.enum(['held', 'failed', 'no-data']);

export const checkSchema = z.object({
  /** Stable id: arrival-rate, arrival-rate-phase, arrival-rate-fault-seconds, vu-pool, load-schedule, load-cpu, machine-load, sut-saturation, fault-effect, fault-visible, fault-unverified, hypothesis-data. */
  check: z.string(),
  variant: variantName.optional(),
  ok: z.boolean(),
  detail: z.string(),
});

const faultSchema = z.object({
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
    .object({ description: z.string(), query: z.string(), observed: z.number().nullable(), expected: z.string(), visible: z.boolean().nullable() })
    .nullable(),
});

/** One threshold of the load script as the engine judged it. */
const thresholdSchema = z.object({ metric: z.string(), expression: z.string(), ok: z.boolean(), observed: z.number().nullable(), bound: z.number().nullable() });

/** What the engine's process used of the machine over the run. */
const cpuSchema = z.object({
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
});

/** What other work used of the machine while the load ran (lab/runner/machine-load.ts). */
const machineSchema = z.object({
  seconds: z.number(),
  /** Cores the whole machine used on average, the lab's processes of those, and the rest. */
  machineCores: z.number(),
  labCores: z.number(),
  otherCores: z.number(),
  /** The busiest commands of the other work, with their cores. */
  busiestOther: z.array(z.object({ command: z.string(), cores: z.number() })),
});

const engineSchema = z.object({
  /** embedded (load/) or k6 (a user's own, from PATH). */
  engine: z.string(),
  exitCode: z.number().nullable(),
  /** The engine's end-of-test metrics (k6's summary export), keyed by metric then stat. */
  metrics: z.record(z.string(), z.record(z.string(), z.number())),
  arrival: z.object({
    plannedIterations: z.number(),
    achievedIterations: z.number(),
    droppedIterations: z.number(),
    droppedRatio: z.number(),
    plannedRate: z.number(),
    achievedRate: z.number(),
  }),
  /** An iteration's actual start minus its due time, ms (null: the engine does not measure it, as k6 does not). */
  startLag: z.object({ p50Ms: z.number().nullable(), p99Ms: z.number().nullable(), maxMs: z.number().nullable(), boundMs: z.number() }).nullable(),
  vus: z.object({ peak: z.number(), allocated: z.number(), exhausted: z.boolean() }),
  /** The load script's thresholds as the engine judged them. */
  thresholds: z.array(thresholdSchema),
  cpu: cpuSchema,
  /** Null where it was not watched (a run recorded before it was). */
  machine: machineSchema.nullable(),
  /** Files in the results dir: the summary export, the per-second HDR file (embedded only), k6's web dashboard (k6 only), the log. */
  summaryFile: resultsFile.nullable(),
  secondsFile: resultsFile.nullable(),
  dashboard: resultsFile.nullable(),
  log: resultsFile.nullable(),
});

/** One app service (Prometheus job) in one phase: how hard it worked. */
const serviceLoadSchema = z.object({ cpuCores: z.number().nullable(), eventLoopP99Ms: z.number().nullable(), residentMiB: z.number().nullable() });

/** What the variant's resilience cost the servers, over its load window. */
const costSchema = z.object({
  /** App CPU seconds (every service) per successful client request. */
  cpuSecondsPerSuccess: z.number().nullable(),
  /** Requests the services sent each other (retries included) per client request: retry amplification. */
  downstreamPerRequest: z.number().nullable(),
  /** Peak resident memory of all app services together, MiB. */
  peakMemoryMiB: z.number().nullable(),
});

const variantSchema = z.object({
  name: variantName,
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
  autoscaler: z.array(z.object({ at: z.number(), current: z.number(), average: z.number().nullable(), desired: z.number() })).nullable(),
});

/** The machine and checkout a run ran on. */
const environmentSchema = z.object({
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  versions: z.record(z.string(), z.string()),
  host: z.object({ cpus: z.number(), memoryGiB: z.number() }),
  ports: z.object({ offset: z.number(), prometheus: z.number(), gateway: z.number() }),
  /** The load engine and profile the run used. */
  engine: z.string(),
  profile: z.string(),
});

export const summarySchema = z.object({
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
    z.object({
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
  environment: environmentSchema,
  files: z.object({ junit: resultsFile, report: resultsFile, dashboards: z.array(resultsFile) }),
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

/** The versions a reader can read: v1 (k6 only, load figures under `k6`) and the current one. */
export const READABLE_VERSIONS = [1, SUMMARY_VERSION] as const;

/**
 * What readers get: the current shape, from any readable version. Where an older file lacks a
 * field, the reading fills what it can say truthfully (v1 ran k6 only, which measures no start
 * lag; an autoscaler or a threshold's figures that were not recorded are null) and leaves optional
 * only what it cannot: the thresholds v1 never recorded, and early v1's scheduling delay.
 */
const storedSummarySchema = summarySchema.extend({
  schema: z.string(),
  variants: z.array(
    variantSchema.extend({
      engine: engineSchema
        .extend({
          thresholds: z.array(thresholdSchema.extend({ observed: thresholdSchema.shape.observed.default(null), bound: thresholdSchema.shape.bound.default(null) })).optional(),
          cpu: cpuSchema.partial({ schedulingDelayMs: true }),
          machine: machineSchema.nullable().default(null),
        })
        .nullable(),
      autoscaler: variantSchema.shape.autoscaler.default(null),
    }),
  ),
});

export type StoredSummary = z.infer<typeof storedSummarySchema>;
export type StoredVariant = StoredSummary['variants'][number];
export type StoredEngine = NonNullable<StoredVariant['engine']>;
export type StoredFault = StoredVariant['faults'][number];
export type StoredHypothesis = StoredSummary['hypotheses'][number];

/** A summary.json no reader can use: one line naming the problem and the fix, exit 2. */
export class SummaryError extends LabError {
  constructor(code: string, message: string) {
    super(code, message, 2);
  }
}

function fields(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** v1 in the current shape: its `k6` figures are the engine's, and what v1 did not record is said so. */
function fromV1(v1: Record<string, unknown>): Record<string, unknown> {
  const variants = (Array.isArray(v1.variants) ? v1.variants : []).map((entry: unknown) => {
    const { k6, ...variant } = fields(entry);
    const noCost = { cpuSecondsPerSuccess: null, downstreamPerRequest: null, peakMemoryMiB: null };
    return { services: {}, cost: noCost, autoscaler: null, ...variant, engine: k6 ? { engine: 'k6', startLag: null, secondsFile: null, log: null, ...fields(k6) } : null };
  });
  return { ...v1, variants, environment: { engine: 'k6', profile: v1.profile, ...fields(v1.environment) } };
}

function declaredVersion(declared: unknown): number | null {
  const match = typeof declared === 'string' ? /^faultline\.summary\/v(\d+)$/.exec(declared) : null;
  return match ? Number(match[1]) : null;
}

export interface SummaryReader {
  /** Who reads, for the error line: 'the report', 'the gate'. */
  reader: string;
  /** The oldest version this reader accepts (default: every readable one). */
  oldest?: (typeof READABLE_VERSIONS)[number];
}

/** The parsed JSON of `source` in the current shape, whatever readable version wrote it; anything else is one SummaryError. */
export function readSummary(json: unknown, source: string, { reader, oldest = READABLE_VERSIONS[0] }: SummaryReader): StoredSummary {
  const declared = fields(json).schema;
  const version = declaredVersion(declared);
  const reads = READABLE_VERSIONS.filter((v) => v >= oldest).map((v) => `v${v}`);
  if (version === null || version < oldest) {
    throw new SummaryError(
      'SUMMARY_ERR_OLD_SCHEMA',
      `${source} is from an older schema (${declared === undefined ? 'no schema field' : JSON.stringify(declared)}); ${reader} reads faultline.summary/${reads.join(' and ')}: run the scenario again to record it anew`,
    );
  }
  if (version > SUMMARY_VERSION) {
    throw new SummaryError('SUMMARY_ERR_NEW_SCHEMA', `${source} is from a newer schema (faultline.summary/v${version}) than this faultline reads (v${SUMMARY_VERSION}): update this checkout, then read it again`);
  }
  const parsed = storedSummarySchema.safeParse(version === 1 ? fromV1(fields(json)) : json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SummaryError('SUMMARY_ERR_INCOMPLETE', `${source} is incomplete: ${issue.path.join('.') || '(top level)'}: ${issue.message}: the run was cut short or the file was edited; run the scenario again`);
  }
  return parsed.data;
}

/** summary.json's name in a results directory (results/<scenario>/<run id>/). */
export const SUMMARY_FILE = 'summary.json';

/** Writes a summary the writer has parsed with summarySchema (so it holds the contract's fields only). */
export function writeSummary(dir: string, summary: Summary): void {
  writeFileSync(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
}

/** readSummary of a results directory's summary.json: a missing or cut-short file is one SummaryError too. */
export function readSummaryIn(dir: string, reader: SummaryReader): StoredSummary {
  const path = join(dir, SUMMARY_FILE);
  if (!existsSync(path)) throw new SummaryError('SUMMARY_ERR_MISSING', `${path} does not exist: the run stopped before it wrote its results; run the scenario again`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SummaryError('SUMMARY_ERR_CUT', `${path} is not JSON (the file was cut short): run the scenario again`);
  }
  return readSummary(json, path, reader);
}
