import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVersionsEnv, readToolVersions } from './versions.ts';

const TOOLS = import.meta.dirname;

function run(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd ?? '', args, { cwd: join(TOOLS, '..'), env, encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.trim().split('\n').filter((l) => l !== '');
  return { status: r.status, lines };
}

describe('pinned versions', () => {
  it('parses KEY=value lines and ignores comments', () => {
    expect(parseVersionsEnv('# c\n\nA=1\n B = v2 \n')).toEqual({ A: '1', B: 'v2' });
    expect(() => parseVersionsEnv('nonsense')).toThrow(/not KEY=value/);
  });

  it('agree between versions.env and the wrapper modules that build.sh builds', () => {
    const v = readToolVersions();
    const requires = (tool: string, mod: string, version: string) =>
      expect(readFileSync(join(TOOLS, tool, 'go.mod'), 'utf8')).toMatch(
        new RegExp(`^\\s*(require\\s+)?${mod.replaceAll('.', '\\.')}\\s+${version.replaceAll('.', '\\.')}\\b`, 'm'),
      );
    requires('toxiproxy', 'github.com/Shopify/toxiproxy/v2', v.toxiproxy);
    requires('jaeger', 'github.com/jaegertracing/jaeger', v.jaegerModule);
    requires('victoria-logs', 'github.com/VictoriaMetrics/VictoriaLogs', v.victoriaLogs);
    for (const tool of ['toxiproxy', 'jaeger', 'victoria-logs']) {
      expect(readdirSync(join(TOOLS, tool))).toContain('go.sum');
    }
  });
});

describe('tools/build.sh', () => {
  it('names an unknown tool in one line and exits non-zero', () => {
    const r = run(['tools/build.sh', 'nosuchtool']);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([expect.stringMatching(/unknown tool 'nosuchtool': choose from toxiproxy jaeger victoria-logs/)]);
  });

  it('says in one line that Go is missing when a tool must be built, and builds nothing', () => {
    const cache = mkdtempSync(join(tmpdir(), 'faultline-cache-'));
    try {
      const r = run(['tools/build.sh', 'toxiproxy'], { ...process.env, PATH: '/usr/bin:/bin', FAULTLINE_CACHE: cache });
      expect(r.status).toBe(1);
      expect(r.lines).toEqual([expect.stringMatching(/go not found: install Go >= [\d.]+/)]);
      expect(readdirSync(cache)).toEqual([]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('--prune deletes only the cache dirs of the tools no longer built (k6, xk6, loki)', () => {
    const cache = mkdtempSync(join(tmpdir(), 'faultline-cache-'));
    try {
      for (const tool of ['k6/v2.2.0/bin', 'xk6/v1.4.11/bin', 'loki/v3.7.8/bin', 'jaeger/v2.13.0/bin']) mkdirSync(join(cache, 'tools', tool), { recursive: true });
      const r = run(['tools/build.sh', '--prune'], { ...process.env, FAULTLINE_CACHE: cache });
      expect(r.status).toBe(0);
      expect(r.lines).toHaveLength(3);
      expect(readdirSync(join(cache, 'tools'))).toEqual(['jaeger']);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('tools/install-system-packages.sh', () => {
  it('is a quiet no-op when every package is installed', () => {
    const r = run(['tools/install-system-packages.sh']);
    expect(r).toEqual({ status: 0, lines: [] });
  });

  it('as a non-root user, says in one line what to install and exits non-zero', () => {
    // as root the test becomes nobody; as anyone else it already is a non-root user.
    // nobody may not reach the checkout: run a copy of the script from a temp dir
    const dir = mkdtempSync(join(tmpdir(), 'faultline-isp-'));
    try {
      cpSync(join(TOOLS, 'install-system-packages.sh'), join(dir, 'isp.sh'));
      spawnSync('chmod', ['-R', 'a+rx', dir]);
      const script = `FAULTLINE_SYSTEM_PACKAGES='bash faultline-no-such-package' ${join(dir, 'isp.sh')}`;
      const r = process.getuid?.() === 0 ? run(['su', 'nobody', '-s', '/bin/bash', '-c', script]) : run(['/bin/bash', '-c', script]);
      expect(r.status).toBe(1);
      expect(r.lines).toEqual([
        expect.stringMatching(/missing Debian packages: faultline-no-such-package: run: sudo apt-get update && sudo apt-get install -y/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
