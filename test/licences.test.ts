/**
 * Only permissively licensed open source is fetched, built or linked: every npm package of the
 * lockfile, every Go module compiled into a tool or into the Docker Compose plugin, and the Debian
 * packages the lab installs, checked against test/licences/policy.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, toolCacheDir } from '../lab/paths.ts';
import { parseVersionsEnv } from '../tools/versions.ts';
import { classifyLicenceFiles } from './licences/classify.ts';
import { copyrightLicences, redisLicenceProblem } from './licences/debian.ts';
import type { Dependency } from './licences/inventory.ts';
import { judge, judgeDebian } from './licences/policy.ts';
import { binaryLicenceReport, describeFailure, licenceCounts, licenceListing, licenceReport } from './licences/report.ts';

const TOOLS = join(PROJECT_ROOT, 'tools');
const say = (line: string) => process.stdout.write(`licences: ${line}\n`);

// where tools/build-compose.sh puts the plugin it builds
const COMPOSE_VERSION = parseVersionsEnv(readFileSync(join(TOOLS, 'versions.env'), 'utf8')).COMPOSE_VERSION ?? '';
const KUBERNETES_VERSION = parseVersionsEnv(readFileSync(join(TOOLS, 'versions.env'), 'utf8')).KUBERNETES_VERSION ?? '';
const COMPOSE_BINARY = join(toolCacheDir(), 'tools', 'docker-compose', COMPOSE_VERSION, 'bin', 'docker-compose');
const COMPOSE_BUILT = existsSync(COMPOSE_BINARY);
const COMPOSE_TITLE = COMPOSE_BUILT
  ? `every Go module compiled into the Docker Compose plugin ${COMPOSE_VERSION} carries an allowed licence`
  : `SKIPPED: the Docker Compose plugin ${COMPOSE_VERSION} is not built (no ${COMPOSE_BINARY}): build it with tools/build-compose.sh (or LAB_RUNTIME=compose make setup), then run this test again`;

function npm(name: string, declared?: string): Dependency {
  return { ecosystem: 'npm', name, version: '1.0.0', ...(declared ? { declared } : {}), licenceFiles: [], usedBy: ['test'] };
}

describe('licences', () => {
  it('every npm package, every Go module the tools build and every Debian package the lab installs carries an allowed licence', async () => {
    const report = await licenceReport(PROJECT_ROOT);
    for (const line of licenceCounts(report.verdicts)) say(line);
    for (const line of licenceListing(report.verdicts.filter((v) => v.dependency.ecosystem === 'debian'))) say(`debian: ${line}`);
    if (report.debianNotInstalled.length > 0) say(`debian: not installed here, not read: ${report.debianNotInstalled.join(', ')}`);
    say(`${report.failures.length} refused, ${report.verdicts.filter((v) => v.note?.startsWith('exception')).length} passed by exception`);
    expect(report.verdicts.filter((v) => v.dependency.ecosystem === 'go').length).toBeGreaterThan(0);
    expect(report.verdicts.filter((v) => v.dependency.ecosystem === 'debian').map((v) => v.dependency.name)).toEqual(expect.arrayContaining(['postgresql-15', 'redis-server', 'prometheus']));
    expect(report.failures.map(describeFailure)).toEqual([]);
    expect(report.unusedExceptions).toEqual([]);
  }, 600_000);

  it.skipIf(!COMPOSE_BUILT)(COMPOSE_TITLE, async () => {
    const report = await binaryLicenceReport(PROJECT_ROOT, COMPOSE_BINARY, 'docker-compose', COMPOSE_VERSION);
    for (const line of licenceCounts(report.verdicts, { go: `Go modules built into the Docker Compose plugin ${COMPOSE_VERSION}` })) say(line);
    for (const line of licenceListing(report.verdicts)) say(`compose: ${line}`);
    expect(report.verdicts.map((v) => v.dependency.name)).toContain('github.com/docker/compose/v5');
    expect(report.failures.map(describeFailure)).toEqual([]);
    expect(report.unusedExceptions).toEqual([]);
  }, 600_000);

  // the local Kubernetes control plane (tools/build.sh kubernetes) is built inside a copy of
  // k8s.io/kubernetes, not through a wrapper module: each binary is judged by what it records
  for (const binary of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'etcd']) {
    const path = join(toolCacheDir(), 'tools', 'kube-control-plane', KUBERNETES_VERSION, 'bin', binary);
    it.skipIf(!existsSync(path))(`every Go module compiled into ${binary} of Kubernetes ${KUBERNETES_VERSION} carries an allowed licence${existsSync(path) ? '' : ' (SKIPPED: not built: make setup LAB_RUNTIME=kubernetes)'}`, async () => {
      const report = await binaryLicenceReport(PROJECT_ROOT, path, binary, KUBERNETES_VERSION);
      for (const line of licenceCounts(report.verdicts, { go: `Go modules built into ${binary}` })) say(line);
      expect(report.verdicts.length).toBeGreaterThan(10);
      expect(report.failures.map(describeFailure)).toEqual([]);
    }, 600_000);
  }

  it('the installed redis-server is a BSD-licensed release (Redis 7.2 or older, or Valkey), and a later Redis is refused', () => {
    const versionLine = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    const copyright = '/usr/share/doc/redis-server/copyright';
    const main = existsSync(copyright) ? copyrightLicences(readFileSync(copyright, 'utf8')).main : undefined;
    say(`redis-server: ${versionLine.trim()}; its own files: ${main ?? 'no copyright file'}`);
    expect(redisLicenceProblem(versionLine, main)).toBeUndefined();
    // what Debian 13 and later ship, and what the lab must then refuse
    expect(redisLicenceProblem('Redis server v=8.0.2 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1', 'BSD-3-clause')).toMatch(/Redis 8\.0\.2 is not BSD-licensed.*Valkey/);
    expect(redisLicenceProblem('Redis server v=7.4.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1', 'BSD-3-clause')).toMatch(/not BSD-licensed/);
    expect(redisLicenceProblem('Valkey server v=8.1.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1', 'BSD-3-clause')).toBeUndefined();
  });

  it("judges a Debian package by every licence its copyright file names: AGPL or source-available refused, a program's GPL run apart allowed", () => {
    const redis8 = 'Files: *\nCopyright: Redis Ltd.\nLicense: RSALv2 or SSPL-1.0 or AGPL-3\n\nFiles: deps/lua/*\nLicense: MIT\n';
    const licences = copyrightLicences(redis8);
    expect(licences).toEqual({ main: 'RSALv2 or SSPL-1.0 or AGPL-3', all: ['MIT', 'RSALv2 or SSPL-1.0 or AGPL-3'] });
    const debian = (name: string, declared: string, all: string[]) => ({ ecosystem: 'debian' as const, name, version: '1', declared, licenceFiles: [], usedBy: ['test'], allLicences: all });
    expect(judgeDebian(debian('redis-server', licences.main!, licences.all), new Map())).toMatchObject({ ok: false, note: expect.stringMatching(/^AGPL is not allowed/) });
    expect(judgeDebian(debian('iproute2', 'GPL-2', ['GPL-2']), new Map()).ok).toBe(true);
    expect(judgeDebian(debian('x', 'BSD-3-clause', ['BSD-3-clause', 'Commons-Clause']), new Map()).ok).toBe(false);
  });

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
