/**
 * summary.json has one writer (the runner) and three readers (the report, the gate, the
 * dashboards' run range); all of them go through lab/run-summary/summary.ts. A summary the runner
 * writes is read alike by every reader, and a summary no reader can use is refused by each of
 * them with the same line, never read as something else.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunFigures } from '../../gate/figures.ts';
import { readResultsSummary } from '../../report/results-dir.ts';
import { runRangeOf } from '../run-range.ts';
import { SUMMARY_FILE, SUMMARY_SCHEMA, readSummaryIn, summarySchema, writeSummary } from '../summary.ts';

/** A real run's results directory (a smoke run of cache-stampede, one variant kept for the gate). */
const FIXTURE = join(import.meta.dirname, '..', '..', 'report', 'test', 'fixtures', 'cache-stampede');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-summary-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A summary file as JSON, edited freely. */
type Json = Record<string, any>;

/** A copy of the fixture whose summary.json is what `edit` makes of the runner's summary. */
function runDir(name: string, edit: (summary: Json) => Json | void = () => {}): string {
  const dir = join(scratch, 'cache-stampede', name);
  mkdirSync(dir, { recursive: true });
  cpSync(FIXTURE, dir, { recursive: true });
  // the fixture predates fields v2 gained later: read it, then write it as today's runner does
  const written = summarySchema.parse(readSummaryIn(FIXTURE, { reader: 'a test' }));
  // the gate measures one variant: the protected one, first
  written.variants = written.variants.filter((v) => v.name === 'protected');
  writeSummary(dir, written);
  const summary = JSON.parse(readFileSync(join(dir, SUMMARY_FILE), 'utf8')) as Json;
  writeFileSync(join(dir, SUMMARY_FILE), JSON.stringify(edit(summary) ?? summary));
  return dir;
}

const READERS: [string, (dir: string) => unknown][] = [
  ['the report', readResultsSummary],
  ['the gate', readRunFigures],
  ['the dashboards', runRangeOf],
];

describe('summary.json, one contract for its writer and every reader', () => {
  it('a summary the runner writes is read by the report, the gate and the dashboards alike', () => {
    const dir = runDir('as-written');
    const report = readResultsSummary(dir);
    const gate = readRunFigures(dir);
    const range = runRangeOf(dir);
    expect(report.schema).toBe(SUMMARY_SCHEMA);
    expect(range.values.variant).toEqual(report.variants.map((v) => v.name));
    expect(range.start.toISOString()).toBe(report.startedAt);
    expect(gate.p50).toBeGreaterThan(0);
    expect(gate.cpuPerRequest).toBe(report.variants[0]!.cost.cpuSecondsPerSuccess);
  });

  it('a field a later writer of the same version added is ignored by every reader', () => {
    const dir = runDir('added-field', (s) => {
      s.addedLater = { figure: 1 };
      s.variants[0].engine.addedLater = 1;
    });
    for (const [, read] of READERS) expect(() => read(dir)).not.toThrow();
  });

  it.each(READERS)('%s refuses a summary of a newer schema, naming it and the fix', (_name, read) => {
    const dir = runDir(`newer-${_name}`, (s) => void (s.schema = 'faultline.summary/v9'));
    expect(() => read(dir)).toThrow(/is from a newer schema \(faultline\.summary\/v9\) than this faultline reads \(v2\): update this checkout/);
  });

  it.each(READERS)('%s refuses a summary missing a field of its version, naming the field', (_name, read) => {
    const dir = runDir(`incomplete-${_name}`, (s) => void delete s.variants[0].load);
    expect(() => read(dir)).toThrow(/summary\.json is incomplete: variants\.0\.load: .*run the scenario again/);
  });

  it('a v1 summary (k6 figures under `k6`) is read as the engine k6 by the report and the dashboards; the gate names the version it reads', () => {
    const dir = runDir('v1', (s) => {
      s.schema = 'faultline.summary/v1';
      for (const v of s.variants) {
        const { engine, startLag: _lag, thresholds: _t, secondsFile: _s, log: _l, ...k6 } = v.engine;
        void engine;
        v.k6 = k6;
        delete v.engine;
        delete v.services;
        delete v.cost;
        delete v.autoscaler;
      }
      delete s.environment.engine;
      delete s.environment.profile;
    });
    const report = readResultsSummary(dir);
    const engine = report.variants[0]!.engine!;
    expect(engine.engine).toBe('k6');
    expect(engine.startLag).toBeNull();
    expect(engine.thresholds).toBeUndefined();
    expect(report.variants[0]!.cost.cpuSecondsPerSuccess).toBeNull();
    expect(report.environment.engine).toBe('k6');
    expect(runRangeOf(dir).values.variant).toEqual(['protected']);
    expect(() => readRunFigures(dir)).toThrow(/is from an older schema \("faultline\.summary\/v1"\); the gate reads faultline\.summary\/v2: run the scenario again/);
  });
});
