/**
 * The Prometheus config and rules as promtool (Debian's prometheus package) judges them: the
 * config and every rule file check clean, and the rule unit tests pass, which show each SLO alert
 * firing when its budget burns and staying quiet when it does not.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lab/paths.ts';

const DIR = join(PROJECT_ROOT, 'observability', 'prometheus');
const files = (sub: string) => readdirSync(join(DIR, sub)).filter((f) => f.endsWith('.yml')).map((f) => join(sub, f));

function promtool(...args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync('promtool', args, { cwd: DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('Prometheus config and rules', () => {
  it('promtool check config: valid, and it loads every rule file', () => {
    const result = promtool('check', 'config', 'prometheus.yml');
    expect(result.output, result.output).toContain('is valid prometheus config file syntax');
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain(`SUCCESS: ${files('rules').length} rule files found`);
  });

  it('promtool check rules: every rule file is clean', () => {
    const result = promtool('check', 'rules', ...files('rules'));
    expect(result.ok, result.output).toBe(true);
    expect(result.output).not.toMatch(/WARNING|FAILED/);
  });

  it('promtool test rules: recorded series hold their values, SLO alerts fire and stay quiet as the tests say', () => {
    const tests = files('tests');
    expect(tests.length).toBeGreaterThan(0);
    const result = promtool('test', 'rules', ...tests);
    expect(result.ok, result.output).toBe(true);
    expect(result.output.match(/SUCCESS/g)?.length).toBe(tests.length);
  });
});
