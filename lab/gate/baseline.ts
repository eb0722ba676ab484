/**
 * bench/baseline.json: the stored baseline `make gate` compares against when no git ref is given.
 * Written only by `make gate-baseline`. It holds each baseline run's figures, the benchmark's
 * identity (scenario, profile and a hash of its files) and the machine's shape; a baseline of
 * another benchmark or machine still compares, with a warning, since a user may have no other.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LabError } from '../../errors/lab-error.ts';
import { FIGURES, type BenchmarkRun } from './figures.ts';

/** v2: the figures of the steady window's route histograms, the arrivals guard in place of throughput. */
export const BASELINE_SCHEMA = 'faultline.gate-baseline/v2';

const figure = z.number().nullable();
/** Figures added after v2 was first written: a v2 file without them reads them as no data, so it still gates the others. */
const ADDED_IN_V2: readonly string[] = ['hotTailMean'];
const figureOf = (name: string) => (ADDED_IN_V2.includes(name) ? figure.default(null) : figure);
const baselineSchema = z.strictObject({
  schema: z.literal(BASELINE_SCHEMA),
  createdAt: z.string(),
  gitCommit: z.string().nullable(),
  benchmark: z.strictObject({ scenario: z.string(), profile: z.string(), variant: z.string(), digest: z.string() }),
  machine: z.strictObject({ cpus: z.number(), memoryGiB: z.number(), node: z.string() }),
  runs: z.array(z.strictObject({ dir: z.string(), exitCode: z.number(), figures: z.strictObject(Object.fromEntries(FIGURES.map((f) => [f, figureOf(f)])) as Record<(typeof FIGURES)[number], typeof figure>) })).min(1),
});

export type Baseline = z.infer<typeof baselineSchema>;
export type BenchmarkIdentity = Baseline['benchmark'];
export type MachineShape = Baseline['machine'];

export function machineShape(): MachineShape {
  return { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** A hash of the benchmark's own files: a changed mix or rate makes another benchmark. */
export function benchmarkIdentity(scenarioDir: string, scenario: string, profile: string, variant: string): BenchmarkIdentity {
  const hash = createHash('sha256');
  for (const file of readdirSync(scenarioDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) hash.update(file).update(readFileSync(join(scenarioDir, file)));
  return { scenario, profile, variant, digest: hash.digest('hex').slice(0, 16) };
}

export function readBaseline(path: string): Baseline {
  if (!existsSync(path)) throw new LabError('GATE_ERR_NO_BASELINE', `no baseline at ${path}: run make gate-baseline on the main branch first, or compare with a ref: make gate AGAINST=origin/main`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new LabError('GATE_ERR_BAD_BASELINE', `${path} is not JSON: write it again with make gate-baseline`);
  }
  const parsed = baselineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LabError('GATE_ERR_BAD_BASELINE', `${path} is not a ${BASELINE_SCHEMA} baseline (${issue.path.join('.') || 'top'}: ${issue.message}): write it again with make gate-baseline`);
  }
  return parsed.data;
}

/** Why this baseline is not quite comparable, one line each (empty when it is). */
export function baselineMismatches(baseline: Baseline, benchmark: BenchmarkIdentity, machine: MachineShape): string[] {
  const out: string[] = [];
  const b = baseline.benchmark;
  if (b.scenario !== benchmark.scenario || b.profile !== benchmark.profile || b.digest !== benchmark.digest) {
    out.push(`the baseline is of another benchmark (${b.scenario}/${b.profile} ${b.digest}, now ${benchmark.scenario}/${benchmark.profile} ${benchmark.digest}): still compared; run make gate-baseline to renew it`);
  }
  const m = baseline.machine;
  if (m.cpus !== machine.cpus || m.memoryGiB !== machine.memoryGiB || m.node !== machine.node) {
    out.push(`the baseline was taken on another machine shape (${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node}; here ${machine.cpus}, ${machine.memoryGiB} GiB, ${machine.node}): still compared; take it on the CI runner`);
  }
  return out;
}

export function writeBaseline(path: string, o: { gitCommit: string | null; benchmark: BenchmarkIdentity; runs: BenchmarkRun[] }): void {
  const baseline: Baseline = {
    schema: BASELINE_SCHEMA,
    createdAt: new Date().toISOString(),
    gitCommit: o.gitCommit,
    benchmark: o.benchmark,
    machine: machineShape(),
    runs: o.runs.map((r) => ({ dir: r.dir, exitCode: r.exitCode, figures: r.figures })),
  };
  writeFileSync(path, `${JSON.stringify(baselineSchema.parse(baseline), null, 2)}\n`);
}

/** Stored runs as the baseline side of a comparison. */
export function baselineRuns(baseline: Baseline): BenchmarkRun[] {
  return baseline.runs.map((r, k) => ({ build: 'A', round: k + 1, variant: baseline.benchmark.variant, dir: r.dir, exitCode: r.exitCode, figures: r.figures }));
}
