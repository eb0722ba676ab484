/**
 * The Debian packages the lab installs (tools/install-system-packages.sh, and for the compose
 * runtime the Makefile's extra list), with the licences their /usr/share/doc/<pkg>/copyright files
 * name, and the check that Redis stays a BSD-licensed release.
 *
 * Each named package comes with the installed packages it depends on directly that carry the same
 * program: those of the same Debian source package (redis-server's redis-tools) or named after it
 * (the postgresql metapackage's postgresql-15, chromium's chromium-common).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Dependency } from './inventory.ts';

const run = promisify(execFile);

/** The packages the lab installs, read from where the install commands name them. */
export function labDebianPackages(root: string): { native: string[]; compose: string[] } {
  const script = readFileSync(join(root, 'tools', 'install-system-packages.sh'), 'utf8');
  const makefile = readFileSync(join(root, 'Makefile'), 'utf8');
  const native = /FAULTLINE_SYSTEM_PACKAGES:-([^}"]+)\}/.exec(script)?.[1];
  const compose = /FAULTLINE_SYSTEM_PACKAGES="([^"]+)"/.exec(makefile)?.[1];
  if (!native || !compose) throw new Error('the Debian package lists were not found in tools/install-system-packages.sh and the Makefile: update test/licences/debian.ts');
  return { native: native.trim().split(/\s+/), compose: compose.trim().split(/\s+/) };
}

interface Installed {
  name: string;
  version: string;
  source: string;
  depends: string[];
}

/** dpkg's record of installed packages (the others are left out). */
async function installedPackages(names: string[]): Promise<Map<string, Installed>> {
  const format = '${Package}\t${db:Status-Abbrev}\t${Version}\t${source:Package}\t${Depends}\n';
  const { stdout } = await run('dpkg-query', ['-W', `-f=${format}`, ...names]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const found = new Map<string, Installed>();
  for (const line of stdout.split('\n')) {
    const [name = '', status = '', version = '', source = '', depends = ''] = line.split('\t');
    if (!status.startsWith('ii')) continue;
    const deps = depends.split(/[,|]/).map((d) => d.trim().split(/[\s:(]/)[0]!).filter((d) => d !== '');
    found.set(name, { name, version, source, depends: deps });
  }
  return found;
}

/** A copyright file's licences: its `Files: *` stanza's, and every one it names (DEP-5 format). */
export function copyrightLicences(text: string): { main?: string; all: string[] } {
  const stanzas = text.split(/\n\s*\n/);
  const licenceOf = (stanza: string) => /^License:[ \t]*(.+)$/m.exec(stanza)?.[1]?.trim();
  const main = stanzas.find((s) => /^Files:[ \t]*\*[ \t]*$/m.test(s));
  const all = new Set(stanzas.map(licenceOf).filter((l): l is string => !!l));
  return { ...(main && licenceOf(main) ? { main: licenceOf(main)! } : {}), all: [...all].sort() };
}

export interface DebianPackage extends Dependency {
  /** Every licence the copyright file names (bundled parts included). */
  allLicences: string[];
  copyrightFile: string;
}

/**
 * The installed packages of the lists, with their same-program dependencies, each with its
 * copyright file's licences. Names not installed here are returned apart.
 */
export async function debianPackages(root: string): Promise<{ packages: DebianPackage[]; notInstalled: string[] }> {
  const lists = labDebianPackages(root);
  const named = [...lists.native, ...lists.compose];
  const installed = await installedPackages(named);
  const candidates = new Map<string, string>(); // package -> which named package brought it
  for (const name of named) if (installed.has(name)) candidates.set(name, name);
  const deps = await installedPackages([...new Set([...installed.values()].flatMap((p) => p.depends))]);
  for (const p of [...installed.values()]) {
    for (const dep of p.depends.map((d) => deps.get(d)).filter((d): d is Installed => !!d)) {
      if (dep.source === p.source || dep.name.startsWith(`${p.name}-`)) candidates.set(dep.name, p.name);
      if (!installed.has(dep.name) && candidates.has(dep.name)) installed.set(dep.name, dep);
    }
  }
  const packages: DebianPackage[] = [];
  for (const [name, broughtBy] of candidates) {
    const p = installed.get(name)!;
    const copyrightFile = `/usr/share/doc/${name}/copyright`;
    const licences = existsSync(copyrightFile) ? copyrightLicences(readFileSync(copyrightFile, 'utf8')) : { all: [] };
    const usedBy = lists.compose.includes(broughtBy) ? `compose runtime (${broughtBy})` : name === broughtBy ? 'native stack' : `native stack (${broughtBy})`;
    packages.push({
      ecosystem: 'debian',
      name,
      version: p.version,
      ...(licences.main ? { declared: licences.main } : {}),
      licenceFiles: existsSync(copyrightFile) ? [copyrightFile] : [],
      usedBy: [usedBy],
      allLicences: licences.all,
      copyrightFile,
    });
  }
  return { packages: packages.sort((a, b) => a.name.localeCompare(b.name)), notInstalled: named.filter((n) => !installed.has(n)) };
}

/**
 * Why a redis-server is not acceptable, or undefined when it is: Redis up to 7.2 is BSD-3-Clause;
 * 7.4 and later are RSALv2/SSPLv1 and 8.0 and later also AGPLv3, none allowed here. Valkey, the
 * BSD-3-Clause fork, is fine at any version.
 */
export function redisLicenceProblem(versionLine: string, mainLicence: string | undefined): string | undefined {
  if (/^Valkey server v=/.test(versionLine)) return undefined;
  const version = /^Redis server v=(\d+)\.(\d+)\.(\d+)/.exec(versionLine);
  if (!version) return `redis-server --version says '${versionLine.trim()}': neither Redis nor Valkey`;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const fix = 'install a Redis 7.2 or older release (Debian 12 has 7.0) or Valkey (valkey-server)';
  if (major > 7 || (major === 7 && minor >= 4)) return `Redis ${version.slice(1).join('.')} is not BSD-licensed (7.4+: RSALv2/SSPLv1, 8+: also AGPLv3): ${fix}`;
  if (!mainLicence || !/^BSD-3-clause$/i.test(mainLicence)) return `redis-server's copyright file names '${mainLicence ?? 'no licence'}' for its own files, not BSD-3-Clause: ${fix}`;
  return undefined;
}
