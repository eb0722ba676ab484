/** The licence check end to end: list, classify, judge, count. */
import { join } from 'node:path';
import { classifyLicenceFiles } from './classify.ts';
import { goModules, npmPackages, type Dependency } from './inventory.ts';
import { judge, LICENCE_EXCEPTIONS, type LicenceException, type Verdict } from './policy.ts';

export interface LicenceReport {
  verdicts: Verdict[];
  failures: Verdict[];
  /** Exceptions that no dependency needs any more: they only hide a future change. */
  unusedExceptions: LicenceException[];
}

export async function licenceReport(root: string): Promise<LicenceReport> {
  const toolsDir = join(root, 'tools');
  const dependencies: Dependency[] = [...npmPackages(root), ...(await goModules(toolsDir))];
  const undeclared = dependencies.filter((d) => !d.declared).flatMap((d) => d.licenceFiles);
  const texts = await classifyLicenceFiles(toolsDir, undeclared);
  const verdicts = dependencies.map((d) => judge(d, texts));
  const used = verdicts.filter((v) => v.note?.startsWith('exception:'));
  return {
    verdicts,
    failures: verdicts.filter((v) => !v.ok),
    unusedExceptions: LICENCE_EXCEPTIONS.filter((e) => !used.some((v) => v.dependency.ecosystem === e.ecosystem && v.dependency.name === e.name)),
  };
}

/** One line per ecosystem: how many, and how many of each licence. */
export function licenceCounts(verdicts: Verdict[]): string[] {
  return (['npm', 'go'] as const).map((ecosystem) => {
    const of = verdicts.filter((v) => v.dependency.ecosystem === ecosystem);
    const counts = new Map<string, number>();
    for (const v of of) counts.set(v.licence, (counts.get(v.licence) ?? 0) + 1);
    const byCount = [...counts].sort((a, b) => b[1] - a[1]).map(([licence, n]) => `${licence} ${n}`);
    const what = ecosystem === 'npm' ? 'npm packages' : 'Go modules built into the tools';
    return `${of.length} ${what}: ${byCount.join(', ')}`;
  });
}

export function describeFailure(v: Verdict): string {
  const d = v.dependency;
  return `${d.ecosystem} ${d.name}@${d.version} (${d.usedBy.join(', ')}): ${v.licence}: ${v.note ?? 'refused'}`;
}
