/**
 * Jaeger's pin: an approved release (the module proxy also serves newer module versions that are
 * not approved releases), the same in the tool build, the image and the compose file, built with
 * the replace directives of Jaeger's own go.mod, and the binary saying which release it is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readToolVersions } from './versions.ts';

const TOOLS = import.meta.dirname;
const ROOT = join(TOOLS, '..');
/** The newest approved Jaeger module version: v1.75.0 is Jaeger v2.12.0; v1.76.0 is served but not approved. */
const NEWEST_APPROVED_MODULE = 'v1.75.0';
const GO_ENV = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' };

const numbers = (version: string) => version.replace(/^v/, '').split('.').map(Number);
function newer(a: string, b: string): boolean {
  const [x, y] = [numbers(a), numbers(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/** The replace directives of a go.mod, one `old => new` string each, comments dropped. */
function replaces(goMod: string): string[] {
  const code = goMod.replace(/\/\/.*$/gm, '');
  const single = [...code.matchAll(/^replace\s+([^(\n].*)$/gm)].map((m) => m[1]!);
  const blocks = [...code.matchAll(/^replace\s*\(([\s\S]*?)\)/gm)].flatMap((m) => m[1]!.split('\n'));
  return [...single, ...blocks].map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l !== '').sort();
}

describe('the Jaeger pin', () => {
  const v = readToolVersions();

  it('is an approved release, its module version and its v2 release agreeing', () => {
    expect(newer(v.jaegerModule, NEWEST_APPROVED_MODULE), `${v.jaegerModule} is newer than ${NEWEST_APPROVED_MODULE}`).toBe(false);
    // Jaeger tags each v2 release on the same commit as v1.(minor + 63)
    const [major, minor, patch] = numbers(v.jaegerModule);
    expect(v.jaeger).toBe(`v2.${minor! - 63}.${patch}`);
    expect(major).toBe(1);
  });

  it('names the same release in images/build.sh and docker-compose.yml', () => {
    const tag = `faultline/jaeger:${v.jaeger}`;
    expect(readFileSync(join(ROOT, 'images/build.sh'), 'utf8')).toMatch(new RegExp(`jaeger\\) echo ${tag.replaceAll('.', '\\.')} ;;`));
    expect(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')).toContain(`image: ${tag}\n`);
  });

  it("repeats the replace directives of Jaeger's own go.mod at that version", () => {
    const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `github.com/jaegertracing/jaeger@${v.jaegerModule}`], { cwd: join(TOOLS, 'jaeger'), env: GO_ENV, encoding: 'utf8' })) as { GoMod: string };
    const upstream = replaces(readFileSync(info.GoMod, 'utf8'));
    expect(upstream.length).toBeGreaterThan(0);
    expect(replaces(readFileSync(join(TOOLS, 'jaeger', 'go.mod'), 'utf8'))).toEqual(upstream);
  }, 120_000);

  it('is what the built jaeger says it is, built from that module version', () => {
    const binary = join(ROOT, '.tools', 'bin', 'jaeger');
    const said = execFileSync(binary, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(JSON.parse(said.trim().split('\n').at(-1)!)).toMatchObject({ gitVersion: v.jaeger });
    const built = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
    expect(built).toMatch(new RegExp(`^\\s*mod\\s+github\\.com/jaegertracing/jaeger\\s+${v.jaegerModule.replaceAll('.', '\\.')}\\s`, 'm'));
  }, 60_000);
});
