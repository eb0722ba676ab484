/**
 * A summary.json from elsewhere names files the report reads and writes (series-<variant>.json,
 * the engine's per-second file): a variant name or file name that is a path out of the results
 * directory is refused with one line, exit 2, and nothing is read or written outside it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT, labDir } from '../../paths.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'cache-stampede');
const WORK = join(labDir(), 'report-foreign-names-test');

type Edit = (summary: { variants: { name: string; engine: { secondsFile: string | null } | null }[]; checks: { variant?: string }[] }) => void;

const cases: [string, Edit][] = [
  ['a variant named as a path out of the directory', (s) => (s.variants[0]!.name = '../../escaped')],
  ['a variant named as an absolute path', (s) => (s.variants[0]!.name = '/tmp/escaped')],
  ["an engine's per-second file named as a path out of the directory", (s) => (s.variants[0]!.engine!.secondsFile = '../../../etc/hostname')],
  ["a check's variant named as a path", (s) => (s.checks[0]!.variant = '../x')],
];

describe('faultline report on a summary.json whose names are paths', () => {
  test.each(cases)('%s: one line, exit 2, nothing written outside', (name, edit) => {
    const run = join(WORK, name.replace(/\W+/g, '-'));
    const dir = join(run, 'results');
    rmSync(run, { recursive: true, force: true });
    mkdirSync(run, { recursive: true });
    cpSync(FIXTURE, dir, { recursive: true });
    const path = join(dir, 'summary.json');
    const summary = JSON.parse(readFileSync(path, 'utf8')) as Parameters<Edit>[0];
    edit(summary);
    writeFileSync(path, JSON.stringify(summary));

    const result = spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/node'), [join(PROJECT_ROOT, 'lab/cli.ts'), 'report', '--offline', dir], { encoding: 'utf8', env: { ...process.env, LAB_PORT_OFFSET: process.env.LAB_PORT_OFFSET ?? '34000' }, timeout: 60_000 });
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^faultline: .*summary\.json is incomplete: .*not a (variant name|plain file name)/);
    expect(result.status).toBe(2);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
    expect(readdirSync(run)).toEqual(['results']);
    expect(existsSync('/tmp/escaped')).toBe(false);
  });
});
