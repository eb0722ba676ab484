/**
 * What the project fetches and builds, with where each piece keeps its licence: every npm package
 * of package-lock.json, every Go module compiled into a tool that tools/build.sh builds, and every
 * module compiled into the Docker Compose plugin that tools/build-compose.sh builds.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One package or module and what it says about its licence. */
export interface Dependency {
  ecosystem: 'npm' | 'go' | 'debian';
  name: string;
  version: string;
  /** The SPDX expression the package declares (npm's `license`); Go modules declare none; a
   * Debian package's licence of its `Files: *` stanza. */
  declared?: string;
  /** Licence files at the root of its installed copy, to classify when nothing is declared. */
  licenceFiles: string[];
  /** Where it comes from: the lockfile path, or the tools that compile it in. */
  usedBy: string[];
}

const LICENCE_FILE = /^(licen[cs]e|copying|unlicense)([-._].*)?$/i;
/** Code that happens to be named like a licence file (licensecheck's own license.go). */
const SOURCE_FILE = /\.(go|[cm]?[jt]s|json|map)$/i;

/** The licence files at the top of a package or module directory. */
export function licenceFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && LICENCE_FILE.test(e.name) && !SOURCE_FILE.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

interface LockEntry {
  version?: string;
  license?: string;
  link?: boolean;
}

interface PackageJson {
  name?: string;
  license?: string | { type?: string };
  licenses?: { type?: string }[];
}

/** A package.json's licence as one SPDX expression (the old `licenses` array means OR). */
function declaredLicence(pkg: PackageJson): string | undefined {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license?.type) return pkg.license.type;
  const types = (pkg.licenses ?? []).map((l) => l.type).filter((t): t is string => !!t);
  return types.length > 0 ? `(${types.join(' OR ')})` : undefined;
}

/**
 * Every package of the lockfile. An installed one is read from its own package.json; one not
 * installed here (an optional build for another platform) from the licence the lockfile records.
 */
export function npmPackages(root: string): Dependency[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const out: Dependency[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link) continue;
    const dir = join(root, path);
    const manifest = join(dir, 'package.json');
    const pkg = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson) : undefined;
    const declared = pkg ? declaredLicence(pkg) : entry.license;
    out.push({
      ecosystem: 'npm',
      name: pkg?.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: entry.version ?? '?',
      ...(declared ? { declared } : {}),
      licenceFiles: licenceFilesIn(dir),
      usedBy: [path],
    });
  }
  return out;
}

/** The wrapper modules under tools/: each dir with a go.mod. */
export function goWrapperDirs(toolsDir: string): string[] {
  return readdirSync(toolsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(toolsDir, e.name, 'go.mod')))
    .map((e) => join(toolsDir, e.name))
    .sort();
}

const GO_ENV = { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' };

/** The programs a wrapper module builds: what its tools.go imports, or its own main package. */
async function wrapperPrograms(dir: string): Promise<string[]> {
  const { stdout } = await run('go', ['list', '-e', '-tags', 'tools', '-f', '{{if eq .Name "tools"}}{{join .Imports " "}}{{else}}{{.ImportPath}}{{end}}', '.'], { cwd: dir, env: GO_ENV });
  return stdout.trim().split(/\s+/).filter((p) => p !== '');
}

const MODULE_LINE = '{{with .Module}}{{if not .Main}}{{with .Replace}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{else}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}{{end}}';

/**
 * Every module compiled into the programs of each wrapper module (as built: CGO off, the wrapper's
 * go.sum), from `go list -deps`, which fetches a missing module from the Go module proxy.
 */
export async function goModules(toolsDir: string): Promise<Dependency[]> {
  const modules = new Map<string, Dependency>();
  for (const dir of goWrapperDirs(toolsDir)) {
    const tool = dir.slice(dir.lastIndexOf('/') + 1);
    const programs = await wrapperPrograms(dir);
    const { stdout } = await run('go', ['list', '-deps', '-f', MODULE_LINE, ...programs], { cwd: dir, env: GO_ENV, maxBuffer: 64 * 1024 * 1024 });
    for (const line of new Set(stdout.split('\n').filter((l) => l !== ''))) {
      const [name = '', version = '', moduleDir = ''] = line.split('\t');
      const key = `${name}@${version}`;
      const known = modules.get(key);
      if (known) {
        if (!known.usedBy.includes(tool)) known.usedBy.push(tool);
        continue;
      }
      modules.set(key, { ecosystem: 'go', name, version, licenceFiles: licenceFilesIn(moduleDir), usedBy: [tool] });
    }
  }
  return [...modules.values()];
}

/**
 * Every module compiled into a built Go binary, as the binary itself records them (`go version -m`:
 * its main module and each `dep`, or the `=>` replacement of one), with the licence files of each
 * module's copy in Go's module cache (`go mod download` fetches one that is missing). A main module
 * built from a copied source says `(devel)`: mainVersion names its version.
 */
export async function binaryGoModules(binary: string, usedBy: string, mainVersion: string): Promise<Dependency[]> {
  const { stdout } = await run('go', ['version', '-m', binary], { env: GO_ENV, maxBuffer: 16 * 1024 * 1024 });
  const modules: { name: string; version: string }[] = [];
  for (const line of stdout.split('\n')) {
    const [kind = '', name = '', version = ''] = line.trim().split(/\s+/);
    if (kind === 'mod') modules.push({ name, version: version === '(devel)' ? mainVersion : version });
    else if (kind === 'dep') modules.push({ name, version });
    else if (kind === '=>') modules[modules.length - 1] = { name, version };
  }
  if (modules.length === 0) throw new Error(`go version -m ${binary}: no modules recorded (not a Go binary, or built without module information)`);
  // outside any module: GOFLAGS=-mod=readonly is refused there
  const { stdout: json } = await run('go', ['mod', 'download', '-json', ...modules.map((m) => `${m.name}@${m.version}`)], {
    cwd: '/',
    env: { ...GO_ENV, GOFLAGS: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const dirs = new Map<string, string>();
  for (const chunk of json.split(/\n}\n?/).filter((c) => c.trim() !== '')) {
    const info = JSON.parse(`${chunk}}`) as { Path: string; Version: string; Dir?: string; Error?: string };
    if (info.Error || !info.Dir) throw new Error(`go mod download ${info.Path}@${info.Version}: ${info.Error ?? 'no directory'}`);
    dirs.set(`${info.Path}@${info.Version}`, info.Dir);
  }
  return modules.map((m) => ({ ecosystem: 'go', name: m.name, version: m.version, licenceFiles: licenceFilesIn(dirs.get(`${m.name}@${m.version}`) ?? ''), usedBy: [usedBy] }));
}
