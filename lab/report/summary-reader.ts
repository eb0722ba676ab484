/**
 * Reads a run's summary.json for the report. The runner writes it against lab/runner/summary.ts;
 * the report reads only the fields it shows, leniently (fields it does not show are ignored,
 * optional figures are shown when present), and accepts the schema versions whose shape it knows:
 * v1 (load figures under `k6`) and v2 (under `engine`, plus services and cost).
 */
import { z } from 'zod';
import { ReportInputError } from './report-errors.ts';

const KNOWN_VERSIONS = [1, 2];
const CURRENT_VERSION = Math.max(...KNOWN_VERSIONS);

const window = z.object({ start: z.string(), end: z.string(), seconds: z.number() });
const nullableNumber = z.number().nullable().optional();

const fault = z.object({
  id: z.string(),
  fault: z.string(),
  target: z.string(),
  plannedAt: z.number(),
  plannedDuration: z.number(),
  state: z.string(),
  appliedAt: z.string().nullable(),
  revertedAt: z.string().nullable(),
});

const engine = z.object({
  engine: z.string().optional(),
  exitCode: z.number().nullable(),
  metrics: z.record(z.string(), z.record(z.string(), z.number())),
  arrival: z.object({ plannedRate: z.number(), achievedRate: z.number(), droppedIterations: z.number(), droppedRatio: z.number() }),
  startLag: z.object({ p50Ms: nullableNumber, p99Ms: nullableNumber, maxMs: nullableNumber, boundMs: z.number().optional() }).nullable().optional(),
  thresholds: z.array(z.object({ metric: z.string(), expression: z.string(), ok: z.boolean() })).optional(),
  cpu: z.object({ averageCores: z.number(), peakCores: z.number(), starved: z.boolean() }).optional(),
  secondsFile: z.string().nullable().optional(),
});

const serviceLoad = z.object({ cpuCores: nullableNumber, eventLoopP99Ms: nullableNumber, residentMiB: nullableNumber });

const variant = z.object({
  name: z.string(),
  description: z.string(),
  switches: z.record(z.string(), z.record(z.string(), z.unknown())),
  load: window,
  phases: z.record(z.string(), window),
  faults: z.array(fault),
  engine: engine.nullable().optional(),
  k6: engine.nullable().optional(),
  services: z.record(z.string(), z.record(z.string(), serviceLoad)).optional(),
  cost: z.record(z.string(), z.number().nullable()).optional(),
});

const summary = z.object({
  schema: z.string(),
  scenario: z.string(),
  title: z.string(),
  teaches: z.string().optional(),
  profile: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  wallSeconds: z.number(),
  verdict: z.enum(['passed', 'failed', 'broken', 'inconclusive', 'interrupted']),
  exitCode: z.number(),
  reasons: z.array(z.string()),
  variants: z.array(variant),
  hypotheses: z.array(
    z.object({
      name: z.string(),
      variant: z.string(),
      phase: z.string(),
      measure: z.string(),
      observed: z.number().nullable(),
      bound: z.number().nullable(),
      expected: z.string(),
      outcome: z.enum(['held', 'failed', 'no-data']),
    }),
  ),
  checks: z.array(z.object({ check: z.string(), variant: z.string().optional(), ok: z.boolean(), detail: z.string() })),
  environment: z.object({
    gitCommit: z.string().nullable(),
    gitDirty: z.boolean().nullable(),
    versions: z.record(z.string(), z.string()),
    host: z.object({ cpus: z.number(), memoryGiB: z.number() }),
    engine: z.string().optional(),
    profile: z.string().optional(),
  }),
});

type RawSummary = z.infer<typeof summary>;
export type EngineFigures = z.infer<typeof engine>;
export type ReportVariant = Omit<RawSummary['variants'][number], 'k6' | 'engine'> & { engine: EngineFigures | null };
export type ReportSummary = Omit<RawSummary, 'variants'> & { variants: ReportVariant[] };
export type ReportHypothesis = ReportSummary['hypotheses'][number];
export type ReportFault = ReportVariant['faults'][number];

function schemaVersion(value: unknown): number | null {
  const match = typeof value === 'string' ? /^faultline\.summary\/v(\d+)$/.exec(value) : null;
  return match ? Number(match[1]) : null;
}

/** Validates the parsed JSON of `file`; every failure is one ReportInputError line. */
export function readSummary(json: unknown, file: string): ReportSummary {
  const declared = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).schema : undefined;
  const version = schemaVersion(declared);
  if (version === null || version < Math.min(...KNOWN_VERSIONS)) {
    throw new ReportInputError(
      'REPORT_ERR_OLD_SCHEMA',
      `${file} is from an older schema (${declared === undefined ? 'no schema field' : JSON.stringify(declared)}); this report reads faultline.summary/v${KNOWN_VERSIONS.join(' and v')}: run the scenario again to record it anew`,
    );
  }
  if (version > CURRENT_VERSION) {
    throw new ReportInputError('REPORT_ERR_NEW_SCHEMA', `${file} is from a newer schema (faultline.summary/v${version}) than this faultline reads (v${CURRENT_VERSION}): update this checkout, then render again`);
  }
  const parsed = summary.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ReportInputError('REPORT_ERR_BAD_SUMMARY', `${file} is incomplete: ${issue.path.join('.') || '(top level)'}: ${issue.message}: the run was cut short or the file was edited; run the scenario again`);
  }
  const { variants, ...rest } = parsed.data;
  return { ...rest, variants: variants.map(({ k6, engine: figures, ...v }) => ({ ...v, engine: figures ?? k6 ?? null })) };
}
