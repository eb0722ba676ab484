/**
 * `faultline report` on a results directory it cannot read (missing, partial, cut short, or of
 * another schema version): one line naming the problem and the fix, exit 2, no report written.
 * `faultline compare` reads runs through the same reader and fails the same way.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT, labDir } from '../../paths.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'cache-stampede');
const WORK = join(labDir(), 'report-bad-input-test');

function fixtureCopy(name: string, damage: (dir: string) => void): string {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  cpSync(FIXTURE, dir, { recursive: true });
  damage(dir);
  return dir;
}

function faultline(...args: string[]): { status: number | null; lines: string[] } {
  const run = spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/node'), [join(PROJECT_ROOT, 'lab/cli.ts'), ...args], { encoding: 'utf8', env: { ...process.env, LAB_PORT_OFFSET: process.env.LAB_PORT_OFFSET ?? '34000' }, timeout: 60_000 });
  return { status: run.status, lines: run.stderr.split('\n').filter(Boolean) };
}

const report = (dir: string) => faultline('report', '--offline', dir);

const editSummary = (edit: (s: Record<string, unknown>) => void) => (dir: string) => {
  const path = join(dir, 'summary.json');
  const summary = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(summary);
  writeFileSync(path, JSON.stringify(summary));
};

const cases: [string, (dir: string) => void, RegExp][] = [
  ['a directory that does not exist', (dir) => rmSync(dir, { recursive: true }), /results directory .* does not exist: give one of results\/<scenario>\/<timestamp>/],
  ['a run that stopped before its summary', (dir) => rmSync(join(dir, 'summary.json')), /has no summary\.json: the run stopped before it wrote its results; run the scenario again/],
  ['a summary cut short', (dir) => truncateSync(join(dir, 'summary.json'), 200), /summary\.json is not JSON \(the file was cut short\)/],
  ['a summary from before schema versions', editSummary((s) => delete s.schema), /is from an older schema \(no schema field\).*run the scenario again/],
  ['a summary from an older schema version', editSummary((s) => (s.schema = 'faultline.summary/v0')), /is from an older schema \("faultline\.summary\/v0"\)/],
  ['a summary from a newer schema version', editSummary((s) => (s.schema = 'faultline.summary/v9')), /is from a newer schema \(faultline\.summary\/v9\).*update this checkout/],
  ['a summary missing its hypotheses', editSummary((s) => delete s.hypotheses), /summary\.json is incomplete: hypotheses: /],
  ['a per-second file the summary names but the directory lacks', (dir) => rmSync(join(dir, 'load-seconds-protected.ndjson')), /lacks load-seconds-protected\.ndjson, which summary\.json names/],
  ['a per-second file cut short', (dir) => truncateSync(join(dir, 'load-seconds-unprotected.ndjson'), statSync(join(dir, 'load-seconds-unprotected.ndjson')).size - 40), /load-seconds-unprotected\.ndjson line \d+ is not JSON \(the file was cut short\)/],
];

describe('faultline report on bad input', () => {
  test.each(cases)('%s: one line, exit 2, no report', (name, damage, message) => {
    const dir = fixtureCopy(name.replace(/\W+/g, '-'), damage);
    const { status, lines } = report(dir);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^faultline: /);
    expect(lines[0]).toMatch(message);
    expect(status).toBe(2);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });

  test('compare with run B from an older schema version: one line, exit 2, no page', () => {
    const a = fixtureCopy('compare-a', () => {});
    const b = fixtureCopy('compare-b-older', editSummary((s) => (s.schema = 'faultline.summary/v0')));
    const out = join(WORK, 'compare.html');
    rmSync(out, { force: true });
    const { status, lines } = faultline('compare', '--out', out, a, b);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^faultline: .*compare-b-older.* is from an older schema \("faultline\.summary\/v0"\)/);
    expect(status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  test('the recorded directory itself renders (exit 0)', () => {
    const dir = fixtureCopy('intact', () => {});
    const { status, lines } = report(dir);
    expect(lines).toEqual([]);
    expect(status).toBe(0);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
});
