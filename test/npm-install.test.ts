/**
 * How the project installs its npm packages: no dependency's install script runs (not on the
 * host, not in the app image's build), and the app's image gets the target-app workspace's
 * production dependencies only, never the lab's (testcontainers and the native ssh2 under it).
 * The two installs run for real in scratch copies of the manifests, with the exact commands the
 * Makefile and images/app/Dockerfile use.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lab/paths.ts';
import { importsOf } from './imports.ts';

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
interface LockEntry {
  hasInstallScript?: boolean;
  dev?: boolean;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(PROJECT_ROOT, path), 'utf8')) as T;
const LOCK = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
const ROOT = readJson<Manifest>('package.json');
const APP = readJson<Manifest>('target-app/package.json');
/** What the app image's build context holds of the npm setup (.dockerignore lets these in). */
const MANIFESTS = ['package.json', 'package-lock.json', '.npmrc', 'target-app/package.json'];
const NPM_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/|$)/;
/** The lab's dependencies that must never reach the app's image. */
const LAB_ONLY = ['testcontainers', 'ssh2', 'cpu-features', 'commander', 'vitest', 'uplot'];

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch dir holding the manifests (and any extra files), npm's debug log kept inside it. */
function scratchCopy(extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-npm-'));
  scratch.push(dir);
  for (const file of [...MANIFESTS, ...extra]) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    cpSync(join(PROJECT_ROOT, file), join(dir, file));
  }
  return dir;
}

/** Runs a command in dir with npm's debug log in dir/npm-logs; returns the lifecycle scripts npm ran. */
function installIn(dir: string, argv: string[]): string[] {
  const logs = join(dir, 'npm-logs');
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_logs_dir: logs } });
  expect(r.status, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
  // npm logs every script it runs as `info run <package>@<version> <event> <path> <command>`
  return readdirSync(logs)
    .flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n'))
    .filter((line) => / info run \S+@\S+ (preinstall|install|postinstall|prepare) /.test(line));
}

/** The packages in node_modules/ (a scope's packages as @scope/name). */
function installed(dir: string): string[] {
  const top = join(dir, 'node_modules');
  return readdirSync(top).flatMap((e) => (e.startsWith('@') ? readdirSync(join(top, e)).map((s) => `${e}/${s}`) : [e]));
}

/** The npm packages (not node: built-ins, not relative paths) the source files under a folder import. */
function packagesImportedBy(folder: string, keep: (path: string) => boolean): Set<string> {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', `${folder}*.ts`], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const names = new Set<string>();
  for (const file of files.split('\n').filter((f) => f !== '' && keep(f))) {
    for (const spec of importsOf(readFileSync(join(PROJECT_ROOT, file), 'utf8'))) {
      // relative paths, built-ins, k6's modules (the load engine's) and a template's placeholders are no packages
      if (!NPM_NAME.test(spec) || spec.startsWith('node:') || spec === 'k6' || spec.startsWith('k6/')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return names;
}

describe('npm install', () => {
  it('every package with an install script has its decision recorded in allowScripts, and .npmrc runs none', () => {
    const withScripts = Object.entries(LOCK.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => ROOT.allowScripts?.[name] === undefined)).toEqual([]);
    const npmrc = readFileSync(join(PROJECT_ROOT, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/^ignore-scripts=true$/m);
    expect(npmrc).toMatch(/^strict-allow-scripts=true$/m);
  });

  it('the target app declares every package its code imports, and none of the lab-only ones', () => {
    const imported = packagesImportedBy('target-app/src/', () => true);
    const declared = Object.keys(APP.dependencies ?? {});
    expect([...imported].filter((name) => !declared.includes(name))).toEqual([]);
    expect(declared.filter((name) => LAB_ONLY.includes(name))).toEqual([]);
    // the lab's code and tests use the root's packages; the app's tests may use the app's too
    const labDeclared = [...Object.keys(ROOT.dependencies ?? {}), ...Object.keys(ROOT.devDependencies ?? {})];
    const labImports = packagesImportedBy('', (f) => !f.startsWith('target-app/'));
    expect([...labImports].filter((name) => !labDeclared.includes(name))).toEqual([]);
    const appTestImports = packagesImportedBy('target-app/test/', () => true);
    expect([...appTestImports].filter((name) => !labDeclared.includes(name) && !declared.includes(name))).toEqual([]);
  });

  it("the Makefile's npm ci installs everything and runs no install script", () => {
    const dir = scratchCopy(['Makefile']);
    const ran = installIn(dir, ['make', '-s', 'node_modules/.faultline-installed']);
    expect(ran).toEqual([]);
    expect(installed(dir)).toEqual(expect.arrayContaining(['testcontainers', 'express', 'vitest']));
    // cpu-features' and ssh2's install scripts compile these; nothing else creates them
    expect(existsSync(join(dir, 'node_modules/cpu-features/build'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules/ssh2/lib/protocol/crypto/build'))).toBe(false);
  }, 600_000);

  it("the app image's npm ci installs the app's production dependencies only, with no install script", () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'images/app/Dockerfile'), 'utf8');
    const command = /\bnpm ci [^\\&\n]*/.exec(dockerfile)?.[0].trim().split(/\s+/);
    expect(command).toBeDefined();
    const dir = scratchCopy();
    expect(installIn(dir, command!)).toEqual([]);
    const packages = installed(dir);
    expect(packages.filter((name) => LAB_ONLY.includes(name))).toEqual([]);
    expect(packages).toEqual(expect.arrayContaining([...Object.keys(APP.dependencies ?? {})]));
    expect(existsSync(join(dir, 'node_modules/.bin/node'))).toBe(true);
  }, 600_000);
});
