/** The licence check end to end: list, classify, judge, count. */
import { join } from 'node:path';
import { classifyLicenceFiles } from './classify.ts';
import { debianPackages, type DebianPackage } from './debian.ts';
import { binaryGoModules, goModules, npmPackages, type Dependency } from './inventory.ts';
import { judge, judgeDebian, LICENCE_EXCEPTIONS, type LicenceException, type Verdict } from './policy.ts';

export interface LicenceReport {
  verdicts: Verdict[];
  failures: Verdict[];
  /** Exceptions that no dependency needs any more: they only hide a future change. */
  unusedExceptions: LicenceException[];
  /** Packages of the lab's Debian lists that are not installed here (none read). */
  debianNotInstalled: string[];
}

async function judged(toolsDir: string, dependencies: Dependency[], debian: DebianPackage[] = []): Promise<Verdict[]> {
  const undeclared = [...dependencies, ...debian].filter((d) => !d.declared).flatMap((d) => d.licenceFiles);
  const texts = await classifyLicenceFiles(toolsDir, undeclared);
  return [...dependencies.map((d) => judge(d, texts)), ...debian.map((d) => judgeDebian(d, texts))];
}

/** Every npm package of the lockfile, every Go module built into a tool, every Debian package the lab installs. */
export async function licenceReport(root: string): Promise<LicenceReport> {
  const toolsDir = join(root, 'tools');
  const dependencies: Dependency[] = [...npmPackages(root), ...(await goModules(toolsDir))];
  const debian = await debianPackages(root);
  const verdicts = await judged(toolsDir, dependencies, debian.packages);
  return {
    verdicts,
    failures: verdicts.filter((v) => !v.ok),
    unusedExceptions: unused(LICENCE_EXCEPTIONS.filter((e) => !e.binary), verdicts),
    debianNotInstalled: debian.notInstalled,
  };
}

function unused(exceptions: readonly LicenceException[], verdicts: Verdict[]): LicenceException[] {
  const used = verdicts.filter((v) => v.note?.startsWith('exception:'));
  return exceptions.filter((e) => !used.some((v) => v.dependency.ecosystem === e.ecosystem && v.dependency.name === e.name));
}

/** Every module compiled into a built Go binary (the Docker Compose plugin), judged like the tools'. */
export async function binaryLicenceReport(root: string, binary: string, name: string, version: string): Promise<LicenceReport> {
  const verdicts = await judged(join(root, 'tools'), await binaryGoModules(binary, name, version));
  return {
    verdicts,
    failures: verdicts.filter((v) => !v.ok),
    unusedExceptions: unused(LICENCE_EXCEPTIONS.filter((e) => e.binary === name), verdicts),
    debianNotInstalled: [],
  };
}

const WHAT: Record<Dependency['ecosystem'], string> = {
  npm: 'npm packages',
  go: 'Go modules built into the tools',
  debian: 'Debian packages the lab installs',
};

/** One line per ecosystem present: how many, and how many of each licence. */
export function licenceCounts(verdicts: Verdict[], what: Partial<Record<Dependency['ecosystem'], string>> = {}): string[] {
  return (['npm', 'go', 'debian'] as const).flatMap((ecosystem) => {
    const of = verdicts.filter((v) => v.dependency.ecosystem === ecosystem);
    if (of.length === 0) return [];
    const counts = new Map<string, number>();
    for (const v of of) counts.set(v.licence, (counts.get(v.licence) ?? 0) + 1);
    const byCount = [...counts].sort((a, b) => b[1] - a[1]).map(([licence, n]) => `${licence} ${n}`);
    return [`${of.length} ${what[ecosystem] ?? WHAT[ecosystem]}: ${byCount.join(', ')}`];
  });
}

/** One line per dependency: name@version, licence, and for a Debian package what else its copyright file names. */
export function licenceListing(verdicts: Verdict[]): string[] {
  return verdicts.map((v) => {
    const d = v.dependency as Dependency & { allLicences?: string[] };
    const others = (d.allLicences ?? []).filter((l) => l !== v.licence);
    return `${d.name}@${d.version}: ${v.licence}${others.length > 0 ? ` (its copyright file also names: ${others.join(', ')})` : ''} [${d.usedBy.join(', ')}]`;
  });
}

export function describeFailure(v: Verdict): string {
  const d = v.dependency;
  return `${d.ecosystem} ${d.name}@${d.version} (${d.usedBy.join(', ')}): ${v.licence}: ${v.note ?? 'refused'}`;
}
