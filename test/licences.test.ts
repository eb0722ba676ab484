/**
 * Only permissively licensed open source is fetched, built or linked: every npm package of the
 * lockfile and every Go module compiled into a tool, checked against test/licences/policy.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lab/paths.ts';
import { classifyLicenceFiles } from './licences/classify.ts';
import type { Dependency } from './licences/inventory.ts';
import { judge } from './licences/policy.ts';
import { describeFailure, licenceCounts, licenceReport } from './licences/report.ts';

const TOOLS = join(PROJECT_ROOT, 'tools');

function npm(name: string, declared?: string): Dependency {
  return { ecosystem: 'npm', name, version: '1.0.0', ...(declared ? { declared } : {}), licenceFiles: [], usedBy: ['test'] };
}

describe('licences', () => {
  it('every npm package and every Go module the tools build carries an allowed licence', async () => {
    const report = await licenceReport(PROJECT_ROOT);
    for (const line of licenceCounts(report.verdicts)) process.stdout.write(`licences: ${line}\n`);
    process.stdout.write(`licences: ${report.failures.length} refused, ${report.verdicts.filter((v) => v.note?.startsWith('exception')).length} passed by exception\n`);
    expect(report.verdicts.filter((v) => v.dependency.ecosystem === 'go').length).toBeGreaterThan(0);
    expect(report.failures.map(describeFailure)).toEqual([]);
    expect(report.unusedExceptions).toEqual([]);
  }, 600_000);

  it('refuses AGPL, GPL, LGPL, SSPL, BUSL, Commons Clause and unknown licences, and takes a permissive choice', () => {
    const none = new Map();
    const refused = ['AGPL-3.0-only', 'GPL-2.0-or-later', 'LGPL-2.1-only', 'SSPL-1.0', 'BUSL-1.1', 'MIT AND Commons-Clause', 'MIT AND GPL-3.0-only', 'UNLICENSED', 'SEE LICENSE IN LICENSE.txt'];
    expect(refused.map((l) => judge(npm('p', l), none)).filter((v) => v.ok)).toEqual([]);
    expect(judge(npm('p', 'AGPL-3.0-only'), none).note).toBe('AGPL is not allowed');
    expect(judge(npm('p'), none)).toMatchObject({ ok: false, note: 'unknown licence' });
    expect(['MIT', '(MIT OR GPL-3.0-only)', 'Apache-2.0 AND BSD-3-Clause', 'MPL-2.0'].map((l) => judge(npm('p', l), none).ok)).toEqual([true, true, true, true]);
  });

  it('tells a licence from its text: GPL-3 and LGPL-2.1 refused, Apache-2.0 taken', async () => {
    // the full texts Debian ships, classified by the same program as every Go module's files
    const files = ['GPL-3', 'LGPL-2.1', 'Apache-2.0'].map((f) => join('/usr/share/common-licenses', f));
    const texts = await classifyLicenceFiles(TOOLS, files);
    const verdict = (file: string) => judge({ ecosystem: 'go', name: 'example.com/m', version: 'v1.0.0', licenceFiles: [file], usedBy: ['test'] }, texts);
    expect(files.map((f) => [verdict(f).licence, verdict(f).ok])).toEqual([
      ['GPL-3.0', false],
      ['LGPL-2.1', false],
      ['Apache-2.0', true],
    ]);
  }, 120_000);
});
