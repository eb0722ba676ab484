/**
 * What a gate leaves behind: a markdown table (baseline, candidate, ratio or difference with its
 * 95% interval, verdict per figure, the guard's failures) for a CI job summary, junit.xml with one test case per figure, and
 * gate.json with every run's figures so a verdict can be checked or recomputed later.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeMarkup } from '../escape-markup.ts';
import type { BenchmarkRun, FigureName } from './figures.ts';
import { ERROR_RATE_STEP, FIGURE_RULES, type FigureResult, type GateDecision } from './verdict.ts';

/** gate.json's schema: v2 has t-intervals (`estimate.value`), the error rate's difference and the arrivals guard. */
export const GATE_SCHEMA = 'faultline.gate/v2';

export interface GateReport {
  title: string;
  baselineLabel: string;
  candidateLabel: string;
  floor: number;
  paired: boolean;
  rounds: number;
  warnings: string[];
  decision: GateDecision;
  baseline: BenchmarkRun[];
  candidate: BenchmarkRun[];
  wallSeconds: number;
}

/** What a figure's row says of its part in the verdict. */
const role = (f: FigureResult) => (FIGURE_RULES[f.figure].compare === 'guard' ? '' : !f.gating ? ' (informative)' : f.decides ? '' : ' (fails on a regression only)');

const VERDICT_MARK = { pass: 'pass', regression: '**REGRESSION**', inconclusive: 'inconclusive', 'no-data': 'no data' } as const;

function value(figure: FigureName, v: number | null): string {
  if (v === null) return '–';
  if (figure === 'errorRate' || figure === 'achieved') return `${(v * 100).toFixed(2)} %`;
  if (figure === 'cpuPerRequest') return `${(v * 1000).toFixed(3)} ms`;
  const unit = FIGURE_RULES[figure].unit;
  return `${v.toFixed(2)} ${unit}`;
}

/** The ratio (or, for the error rate, the difference in points) with its interval. */
function ratio(f: FigureResult): string {
  if (!f.estimate) return '–';
  const { value: v, low, high } = f.estimate;
  const shown = FIGURE_RULES[f.figure].compare === 'difference' ? (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)} pt` : (x: number) => x.toFixed(3);
  return Number.isFinite(low) ? `${shown(v)} [${shown(low)}, ${shown(high)}]` : `${shown(v)} [no interval: one run a side]`;
}

export function markdownTable(r: GateReport): string {
  const how = r.paired ? `${r.rounds} rounds interleaved (A B, B A, ...); ratio = geometric mean of the per-round ratios, error rate = mean per-round difference` : `${r.candidate.length} candidate runs against ${r.baseline.length} stored baseline runs; ratio of geometric means, difference of means`;
  const lines = [
    `### ${r.title}: ${r.decision.verdict.toUpperCase()}`,
    '',
    `Baseline: ${r.baselineLabel}. Candidate: ${r.candidateLabel}. ${how}, 95% t-interval; floor ${(r.floor * 100).toFixed(0)}% (regression: interval above 1 and ratio ≥ 1 + floor; error rate: above 0 and ≥ +${(100 * ERROR_RATE_STEP).toFixed(1)} pt). ${Math.round(r.wallSeconds)} s.`,
    '',
    '| figure | baseline | candidate | ratio [95% CI] | verdict |',
    '|---|---|---|---|---|',
    ...r.decision.figures.map((f) => `| ${FIGURE_RULES[f.figure].label}${role(f)} | ${value(f.figure, f.baseline)} | ${value(f.figure, f.candidate)} | ${ratio(f)} | ${VERDICT_MARK[f.verdict]} |`),
  ];
  for (const g of r.decision.guardFailures) lines.push('', `> guard: ${g}`);
  for (const w of r.warnings) lines.push('', `> warning: ${w}`);
  return `${lines.join('\n')}\n`;
}


export function junitXml(r: GateReport): string {
  const cases = r.decision.figures.map((f) => {
    const name = escapeMarkup(FIGURE_RULES[f.figure].label);
    const detail = escapeMarkup(`baseline ${value(f.figure, f.baseline)}, candidate ${value(f.figure, f.candidate)}, ratio ${ratio(f)}, floor ${r.floor}`);
    if (f.verdict === 'regression' && f.gating) return `    <testcase classname="gate" name="${name}"><failure message="regression">${detail}</failure></testcase>`;
    if (f.verdict !== 'pass') return `    <testcase classname="gate" name="${name}"><skipped message="${f.verdict}${role(f)}">${detail}</skipped></testcase>`;
    return `    <testcase classname="gate" name="${name}"><system-out>${detail}</system-out></testcase>`;
  });
  const failures = r.decision.figures.filter((f) => f.gating && f.verdict === 'regression').length;
  const skipped = r.decision.figures.filter((f) => f.verdict !== 'pass' && !(f.gating && f.verdict === 'regression')).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${escapeMarkup(r.title)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${r.wallSeconds.toFixed(1)}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}

/** Writes summary.md (also appended to $GITHUB_STEP_SUMMARY when set), junit.xml and gate.json; returns the table. */
export function writeGateOutputs(dir: string, r: GateReport, env: NodeJS.ProcessEnv): string {
  const table = markdownTable(r);
  writeFileSync(join(dir, 'summary.md'), table);
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, table);
  writeFileSync(join(dir, 'junit.xml'), junitXml(r));
  writeFileSync(join(dir, 'gate.json'), `${JSON.stringify({ schema: GATE_SCHEMA, ...r }, null, 2)}\n`);
  return table;
}
