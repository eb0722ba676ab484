/**
 * junit.xml stays XML whatever a run's text holds: control characters (an ANSI colour code, a
 * NUL from a log line or an engine's error) are stripped, markup is escaped, the rest is kept.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../run-summary/summary.ts';
import { junitXml } from '../junit.ts';

type Hypothesis = Summary['hypotheses'][number];
const hypothesis: Omit<Hypothesis, 'name'> = { variant: 'protected', phase: 'during', outcome: 'held', observed: 0.12, bound: 0.5, expected: '< 0.5', measure: 'p99 of http_req_duration' };
/** What junit.xml reads of a summary. */
const fixture = {
  scenario: 'cache-stampede',
  profile: 'smoke',
  verdict: 'passed',
  reasons: [],
  startedAt: '2026-12-06T20:00:00.000Z',
  wallSeconds: 61.5,
  checks: [{ check: 'load-schedule', variant: 'protected', ok: true, detail: 'start lag p99 4 ms' }],
  hypotheses: [{ ...hypothesis, name: 'first' }, { ...hypothesis, name: 'second' }],
} as unknown as Summary;
/** What XML 1.0's Char production excludes. */
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

describe('junit.xml', () => {
  it('strips control characters and escapes markup from names and messages', () => {
    const [first, ...rest] = fixture.hypotheses;
    const summary: Summary = {
      ...fixture,
      verdict: 'broken',
      reasons: ['the engine said \x1b[31mERROR\x1b[0m at <line 1> & died\x00'],
      hypotheses: [{ ...first!, name: 'p99 \x07under\x1b[0m "bound"', outcome: 'failed' }, ...rest],
    };
    const xml = junitXml(summary);
    expect(xml).not.toMatch(NOT_XML);
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' }).parse(xml) as { testsuites: { testsuite: { testcase: { '@name': string; error?: { '@message': string } }[] } } };
    const cases = parsed.testsuites.testsuite.testcase;
    expect(cases[0]!['@name']).toContain('p99 under[0m "bound"');
    expect(cases.at(-1)!.error!['@message']).toBe('the engine said [31mERROR[0m at <line 1> & died');
  });
});
