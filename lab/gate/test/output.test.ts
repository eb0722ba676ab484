/**
 * What a decided gate leaves behind, read the way CI reads it: the markdown table a job summary
 * shows, junit.xml checked and parsed as CI parses it, gate.json, and the exit code per verdict.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkRun, FigureName } from '../figures.ts';
import { junitXml, markdownTable, writeGateOutputs, type GateReport } from '../output.ts';
import { decideGate, FIGURE_RULES } from '../verdict.ts';
import { NOISE, runs } from './fixture-runs.ts';
import { parseJunit } from './junit.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-gate-output-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const baseline = runs('A', NOISE);
/** Every figure 10% up, in another order of noise: latency and CPU regress, errors and the guard hold. */
const slower = runs('B', [...NOISE].reverse().map((f) => f * 1.1));
const unchanged = runs('B', [...NOISE].reverse());
/** Rounds so noisy that neither no change nor twice the floor can be ruled out. */
const wild = { a: runs('A', [1, 1.4, 0.7, 1.3, 0.8]), b: runs('B', [0.75, 1.35, 1, 0.8, 1.3]) };

function report(a: BenchmarkRun[], b: BenchmarkRun[], title = 'performance gate'): GateReport {
  const decision = decideGate(a, b, { floor: 0.05, paired: true });
  return { title, baselineLabel: 'origin/main', candidateLabel: 'this checkout', floor: 0.05, paired: true, rounds: a.length, warnings: [], decision, baseline: a, candidate: b, wallSeconds: 61.2 };
}

/** The table's rows as cells, header first, the |---| line left out. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('|---'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

describe('gate output', () => {
  it('the table gives every figure its baseline, candidate, ratio with its 95% interval and verdict', () => {
    const r = report(baseline, slower);
    const table = markdownTable(r);
    expect(table.split('\n')[0]).toBe('### performance gate: REGRESSION');
    const [header, ...rows] = tableRows(table);
    expect(header).toEqual(['figure', 'baseline', 'candidate', 'ratio [95% CI]', 'verdict']);
    const expected: Record<FigureName, [string, string, string]> = {
      p50: ['10.00 ms', '11.00 ms', '**REGRESSION**'],
      p95: ['10.00 ms', '11.00 ms', '**REGRESSION**'],
      p99: ['10.00 ms', '11.00 ms', '**REGRESSION**'],
      hotP95: ['10.00 ms', '11.00 ms', '**REGRESSION**'],
      hotTailMean: ['10.00 ms', '11.00 ms', '**REGRESSION**'],
      errorRate: ['0.00 %', '0.00 %', 'pass'],
      cpuPerRequest: ['10000.000 ms', '11000.000 ms', '**REGRESSION**'],
      achieved: ['100.00 %', '100.00 %', 'pass'],
    };
    // the row's label says the figure's part in the verdict
    const role: Record<FigureName, string> = {
      p50: '',
      p95: ' (fails on a regression only)',
      p99: ' (informative)',
      hotP95: ' (fails on a regression only)',
      hotTailMean: ' (fails on a regression only)',
      errorRate: '',
      cpuPerRequest: ' (fails on a regression only)',
      achieved: '',
    };
    expect(rows).toHaveLength(r.decision.figures.length);
    r.decision.figures.forEach((f, k) => {
      const [label, base, candidate, ratio, verdict] = rows[k]!;
      expect(label).toBe(`${FIGURE_RULES[f.figure].label}${role[f.figure]}`);
      expect([base, candidate, verdict], f.figure).toEqual(expected[f.figure]);
      if (f.figure === 'errorRate') {
        // judged on its difference in points: a baseline of 0 has no ratio
        expect(ratio).toBe('+0.00 pt [+0.00 pt, +0.00 pt]');
        return;
      }
      if (f.figure === 'achieved') {
        // a guard, not a comparison
        expect(ratio).toBe('–');
        return;
      }
      const [, point, low, high] = ratio!.match(/^(\d+\.\d{3}) \[(\d+\.\d{3}), (\d+\.\d{3})\]$/) ?? [];
      expect(point, `${f.figure}: ${ratio}`).toBeDefined();
      expect([Number(point), Number(low), Number(high)]).toEqual([f.estimate!.value, f.estimate!.low, f.estimate!.high].map((v) => Number(v.toFixed(3))));
      expect(Number(low)).toBeGreaterThan(1);
    });
  });

  it('a run that fell short of its planned arrivals is named under the table, and the verdict is inconclusive', () => {
    const short = unchanged.map((r, k) => (k === 1 ? { ...r, figures: { ...r.figures, achieved: 0.97 } } : r));
    const table = markdownTable(report(baseline, short));
    expect(table.split('\n')[0]).toBe('### performance gate: INCONCLUSIVE');
    expect(table).toContain('> guard: round 2, build B: 97.0% of the planned arrivals started (the guard asks 99%)');
    expect(tableRows(table).find((row) => row[0] === FIGURE_RULES.achieved.label)).toEqual([FIGURE_RULES.achieved.label, '100.00 %', '100.00 %', '–', 'inconclusive']);
  });

  it('the table goes to summary.md, and is appended to $GITHUB_STEP_SUMMARY when that is set', () => {
    const r = report(baseline, slower);
    const local = mkdtempSync(join(scratch, 'local-'));
    const table = writeGateOutputs(local, r, {});
    expect(readFileSync(join(local, 'summary.md'), 'utf8')).toBe(table);
    expect(readdirSync(local).sort()).toEqual(['gate.json', 'junit.xml', 'summary.md']);

    const ci = mkdtempSync(join(scratch, 'ci-'));
    const stepSummary = join(scratch, 'step-summary.md');
    writeFileSync(stepSummary, '### an earlier step\n\n');
    writeGateOutputs(ci, r, { GITHUB_STEP_SUMMARY: stepSummary });
    expect(readFileSync(stepSummary, 'utf8')).toBe(`### an earlier step\n\n${table}`);
    expect(readFileSync(join(ci, 'summary.md'), 'utf8')).toBe(table);
  });

  it('junit.xml is well-formed with a test case per figure and a failure exactly for the gating figures that regressed', () => {
    const r = report(baseline, slower, 'gate: origin/main <-> "this" & that');
    const suite = parseJunit(junitXml(r));
    expect(suite['@name']).toBe('gate: origin/main <-> "this" & that');
    expect(suite.testcase.map((c) => c['@name'])).toEqual(r.decision.figures.map((f) => FIGURE_RULES[f.figure].label));
    const regressed = r.decision.figures.filter((f) => f.gating && f.verdict === 'regression').map((f) => FIGURE_RULES[f.figure].label);
    expect(regressed).toEqual([FIGURE_RULES.p50.label, FIGURE_RULES.p95.label, FIGURE_RULES.hotP95.label, FIGURE_RULES.hotTailMean.label, FIGURE_RULES.cpuPerRequest.label]);
    expect(suite.testcase.filter((c) => c.failure).map((c) => c['@name'])).toEqual(regressed);
    expect(suite['@tests']).toBe(String(r.decision.figures.length));
    expect(suite['@failures']).toBe(String(regressed.length));
    const p95 = suite.testcase.find((c) => c['@name'] === FIGURE_RULES.p95.label)!;
    expect(p95.failure!['@message']).toBe('regression');
    expect(p95.failure!['#text']).toMatch(/^baseline 10\.00 ms, candidate 11\.00 ms, ratio 1\.\d{3} \[1\.\d{3}, 1\.\d{3}\], floor 0\.05$/);
    // an informative figure that regressed is reported, never failed
    expect(suite.testcase.find((c) => c['@name'] === FIGURE_RULES.p99.label)!.skipped).toBeDefined();

    const passed = parseJunit(junitXml(report(baseline, unchanged)));
    expect(passed.testcase).toHaveLength(r.decision.figures.length);
    expect(passed.testcase.filter((c) => c.failure)).toEqual([]);
    expect(passed['@failures']).toBe('0');
  });

  it('the exit code follows the verdict: 0 pass, 1 regression, 3 inconclusive; gate.json keeps both', () => {
    const cases = [
      { r: report(baseline, unchanged), verdict: 'pass', exitCode: 0 },
      { r: report(baseline, slower), verdict: 'regression', exitCode: 1 },
      { r: report(wild.a, wild.b), verdict: 'inconclusive', exitCode: 3 },
    ];
    for (const { r, verdict, exitCode } of cases) {
      expect([r.decision.verdict, r.decision.exitCode]).toEqual([verdict, exitCode]);
      const dir = mkdtempSync(join(scratch, `${verdict}-`));
      writeGateOutputs(dir, r, {});
      expect(readFileSync(join(dir, 'summary.md'), 'utf8').split('\n')[0]).toBe(`### performance gate: ${verdict.toUpperCase()}`);
      const stored = JSON.parse(readFileSync(join(dir, 'gate.json'), 'utf8')) as GateReport & { schema: string };
      expect(stored.schema).toBe('faultline.gate/v2');
      expect([stored.decision.verdict, stored.decision.exitCode]).toEqual([verdict, exitCode]);
      expect(stored.candidate.map((run) => run.figures.p95)).toEqual(r.candidate.map((run) => run.figures.p95));
    }
  });
});
