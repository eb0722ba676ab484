/** junit.xml: one test case per hypothesis and variant, plus one per inconclusive-run check. */
import { escapeMarkup as escape } from '../escape-markup.ts';
import { format } from './hypotheses.ts';
import type { Summary } from '../run-summary/summary.ts';


export function junitXml(summary: Summary): string {
  const cases: string[] = [];
  for (const h of summary.hypotheses) {
    const name = escape(`${h.name} [${h.variant}/${h.phase}]`);
    const message = escape(`observed ${format(h.observed)}, expected ${h.expected}: ${h.measure}`);
    const body =
      h.outcome === 'failed' ? `<failure message="${message}"/>` : h.outcome === 'no-data' ? `<error message="${escape(`no data: ${h.measure}`)}"/>` : `<system-out>${message}</system-out>`;
    cases.push(`    <testcase classname="${escape(`${summary.scenario}.hypotheses`)}" name="${name}">${body}</testcase>`);
  }
  for (const c of summary.checks) {
    const name = escape(`${c.check}${c.variant ? ` [${c.variant}]` : ''}`);
    const body = c.ok ? `<system-out>${escape(c.detail)}</system-out>` : `<error message="${escape(`inconclusive: ${c.detail}`)}"/>`;
    cases.push(`    <testcase classname="${escape(`${summary.scenario}.checks`)}" name="${name}">${body}</testcase>`);
  }
  if (summary.verdict === 'broken' || summary.verdict === 'interrupted') {
    cases.push(`    <testcase classname="${escape(summary.scenario)}" name="run"><error message="${escape(summary.reasons.join('; '))}"/></testcase>`);
  }
  const failures = summary.hypotheses.filter((h) => h.outcome === 'failed').length;
  const errors = cases.filter((c) => c.includes('<error')).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${summary.wallSeconds.toFixed(1)}">`,
    `  <testsuite name="${escape(`${summary.scenario} (${summary.profile})`)}" tests="${cases.length}" failures="${failures}" errors="${errors}" timestamp="${summary.startedAt}" time="${summary.wallSeconds.toFixed(1)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
