/**
 * The Prometheus config and rules as promtool (Debian's prometheus package) judges them: the
 * config and every rule file check clean, and the rule unit tests pass, which show each SLO alert
 * firing when its budget burns and staying quiet when it does not. The config is checked as the
 * native stack lays it out: a copy with the rules and the stack's own file_sd target files beside it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lab/paths.ts';
import { PROMETHEUS_CONFIG } from '../../lab/stack/components/prometheus.ts';
import { stackContext } from '../../lab/stack/context.ts';
import { installRules } from '../../lab/stack/rules.ts';
import { targetsDir, writeTargets, type TargetPool } from '../../lab/stack/targets.ts';

const DIR = join(PROJECT_ROOT, 'observability', 'prometheus');
const files = (sub: string) => readdirSync(join(DIR, sub)).filter((f) => f.endsWith('.yml')).map((f) => join(sub, f));

function promtool(args: string[], cwd = DIR): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('Prometheus config and rules', () => {
  it('promtool check config: clean (no warning) where the stack runs it, with every rule file and target file found', () => {
    const lab = mkdtempSync(join(tmpdir(), 'faultline-promtool-'));
    try {
      const ctx = stackContext({ ...process.env, LAB_DIR: lab });
      const dir = join(ctx.dir, 'prometheus');
      mkdirSync(dir, { recursive: true });
      installRules(ctx);
      copyFileSync(PROMETHEUS_CONFIG, join(dir, 'prometheus.yml'));
      // every file_sd file the config names, written as the stack writes it, with one target in it
      const config = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as { scrape_configs: { job_name: string; file_sd_configs?: { files: string[] }[] }[] };
      const sdFiles = config.scrape_configs.flatMap((c) => (c.file_sd_configs ?? []).flatMap((sd) => sd.files));
      expect(sdFiles.length).toBeGreaterThan(0);
      for (const file of sdFiles) {
        expect(join(dir, file), `${file} is one of the stack's target pools`).toBe(join(targetsDir(ctx), basename(file)));
        writeTargets(ctx, basename(file, '.json') as TargetPool, [{ address: '127.0.0.1:9', job: 'catalog', instance: 'catalog-1' }]);
      }
      const result = promtool(['check', 'config', 'prometheus.yml'], dir);
      expect(result.output, result.output).toContain('is valid prometheus config file syntax');
      expect(result.ok, result.output).toBe(true);
      expect(result.output).toContain(`SUCCESS: ${files('rules').length} rule files found`);
      expect(result.output).not.toMatch(/WARNING|FAILED/);
    } finally {
      rmSync(lab, { recursive: true, force: true });
    }
  });

  it('promtool check rules: every rule file is clean', () => {
    const result = promtool(['check', 'rules', ...files('rules')]);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).not.toMatch(/WARNING|FAILED/);
  });

  it('promtool test rules: recorded series hold their values, SLO alerts fire and stay quiet as the tests say', () => {
    const tests = files('tests');
    expect(tests.length).toBeGreaterThan(0);
    const result = promtool(['test', 'rules', ...tests]);
    expect(result.ok, result.output).toBe(true);
    expect(result.output.match(/SUCCESS/g)?.length).toBe(tests.length);
  });
});
