/**
 * The licence policy: only permissively licensed open source is fetched, built or linked. A
 * package passes when its licence is on the allowed list, or when an exception names the package,
 * its exact licence and why. AGPL, GPL, LGPL, SSPL, BUSL, Commons Clause and anything unknown fail.
 *
 * LGPL fails too: the Go tools are static binaries, and LGPL asks that a user can relink the
 * program against a changed library, which a static Go binary allows only by shipping the source
 * of the whole program, GPL in all but name. An npm package under LGPL would need an exception
 * that says why that does not apply to it.
 */
import satisfies from 'spdx-satisfies';
import type { LicenceText } from './classify.ts';
import type { Dependency } from './inventory.ts';

/** Licences anything may carry. */
export const ALLOWED_LICENCES = [
  'MIT',
  'MIT-0',
  'ISC',
  '0BSD',
  'BSD-2-Clause',
  'BSD-2-Clause-Views',
  'BSD-3-Clause',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'Zlib',
  'BSL-1.0', // the Boost licence (not BUSL, the Business Source License)
  'Python-2.0',
  'Unlicense',
  'CC0-1.0',
  // copyleft per file: a changed file of the package stays MPL, nothing of ours is bound
  'MPL-2.0',
] as const;

/** A package allowed with a licence outside the list, and why. */
export interface LicenceException {
  ecosystem: Dependency['ecosystem'];
  name: string;
  /** The licence exactly as judged (declared expression, or the IDs found joined by AND). */
  licence: string;
  reason: string;
  /** Set for a module of a binary checked on its own (the Docker Compose plugin, when it is built). */
  binary?: string;
}

export const LICENCE_EXCEPTIONS: readonly LicenceException[] = [
  {
    ecosystem: 'npm',
    name: 'spdx-exceptions',
    licence: 'CC-BY-3.0',
    reason: 'data, not code: the list of SPDX exception IDs that spdx-satisfies reads; CC-BY asks only for attribution',
  },
  {
    ecosystem: 'npm',
    name: 'spdx-ranges',
    licence: '(MIT AND CC-BY-3.0)',
    reason: 'MIT code over CC-BY data (the ranges of SPDX licence versions); CC-BY asks only for attribution',
  },
  {
    ecosystem: 'go',
    name: 'github.com/opencontainers/go-digest',
    licence: 'Apache-2.0 AND CC-BY-SA-4.0',
    reason: 'the code is Apache-2.0 (LICENSE); CC-BY-SA-4.0 (LICENSE.docs) covers its documentation only, none of which is compiled in',
    binary: 'docker-compose',
  },
  {
    ecosystem: 'go',
    name: 'github.com/opencontainers/go-digest',
    licence: 'Apache-2.0 AND CC-BY-SA-4.0',
    reason: 'the code is Apache-2.0 (LICENSE), compiled into kwok; CC-BY-SA-4.0 (LICENSE.docs) covers its documentation only, none of which is compiled in',
  },
];

/** Below this share of recognised words a licence file holds terms nobody has named. */
export const MIN_RECOGNISED_PERCENT = 75;

export interface Verdict {
  dependency: Dependency;
  /** The licence as judged: the declared expression, the IDs found, or `unknown (...)`. */
  licence: string;
  ok: boolean;
  /** Why it fails, or which exception lets it pass. */
  note?: string;
}

const FORBIDDEN: [RegExp, string][] = [
  [/\bAGPL/i, 'AGPL'],
  [/\bLGPL/i, 'LGPL'],
  [/\bGPL/i, 'GPL'],
  [/\bSSPL/i, 'SSPL'],
  [/\bBUSL/i, 'BUSL'],
  [/Commons.?Clause/i, 'Commons Clause'],
];

function failure(licence: string): string {
  const family = FORBIDDEN.find(([pattern]) => pattern.test(licence))?.[1];
  return family ? `${family} is not allowed` : 'not on the allowed list';
}

function allowedExpression(expression: string): boolean {
  try {
    return satisfies(expression, [...ALLOWED_LICENCES]);
  } catch {
    return false; // not an SPDX expression: UNLICENSED, "SEE LICENSE IN ...", a misspelling
  }
}

/** The licence of a dependency from its files, or why it cannot be told. */
function licenceFromFiles(dependency: Dependency, texts: ReadonlyMap<string, LicenceText>): { licence: string; ids: string[] } {
  if (dependency.licenceFiles.length === 0) return { licence: 'unknown (no licence declared, no licence file)', ids: [] };
  const ids = new Set<string>();
  for (const file of dependency.licenceFiles) {
    const text = texts.get(file);
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (!text || text.licences.length === 0) return { licence: `unknown (${name}: no known licence)`, ids: [] };
    if (text.percent < MIN_RECOGNISED_PERCENT) {
      return { licence: `unknown (${name}: ${text.licences.join(', ')} cover only ${text.percent.toFixed(0)}% of it)`, ids: [] };
    }
    for (const id of text.licences) ids.add(id);
  }
  const sorted = [...ids].sort();
  return { licence: sorted.join(' AND '), ids: sorted };
}

export function judge(dependency: Dependency, texts: ReadonlyMap<string, LicenceText>): Verdict {
  let licence: string;
  let ok: boolean;
  if (dependency.declared) {
    licence = dependency.declared;
    ok = allowedExpression(licence);
  } else {
    const found = licenceFromFiles(dependency, texts);
    licence = found.licence;
    ok = found.ids.length > 0 && found.ids.every((id) => (ALLOWED_LICENCES as readonly string[]).includes(id));
  }
  if (ok) return { dependency, licence, ok };
  const exception = exceptionFor(dependency, licence);
  if (exception) return { dependency, licence, ok: true, note: `exception: ${exception.reason}` };
  return { dependency, licence, ok: false, note: licence.startsWith('unknown') ? 'unknown licence' : failure(licence) };
}

export function exceptionFor(dependency: Dependency, licence: string): LicenceException | undefined {
  return LICENCE_EXCEPTIONS.find((e) => e.ecosystem === dependency.ecosystem && e.name === dependency.name && e.licence === licence);
}

/**
 * Debian packages the lab installs are judged apart: they are programs the lab runs as separate
 * processes, unmodified from Debian; nothing of them is linked into the project's code or into the
 * binaries it builds, so GPL and LGPL (iproute2's `ss`, the postgresql metapackage's scripts,
 * parts bundled in chromium) bind nothing of ours. What is refused, anywhere in a package's
 * copyright file: AGPL (network use is distribution), the source-available licences (SSPL, BUSL,
 * Redis' RSAL, Commons Clause), and a package whose own licence cannot be told.
 */
const DEBIAN_REFUSED: [RegExp, string][] = [
  [/\bAGPL/i, 'AGPL'],
  [/\bSSPL/i, 'SSPL'],
  [/\bBUSL|Business.?Source/i, 'BUSL'],
  [/\bRSAL/i, 'RSAL'],
  [/Commons.?Clause/i, 'Commons Clause'],
];

export function judgeDebian(dependency: Dependency & { allLicences: string[] }, texts: ReadonlyMap<string, LicenceText>): Verdict {
  const licence = dependency.declared ?? licenceFromFiles(dependency, texts).licence;
  for (const l of [licence, ...dependency.allLicences]) {
    const family = DEBIAN_REFUSED.find(([pattern]) => pattern.test(l))?.[1];
    if (family) return { dependency, licence, ok: false, note: `${family} is not allowed (${l})` };
  }
  if (licence.startsWith('unknown')) return { dependency, licence, ok: false, note: 'unknown licence' };
  return { dependency, licence, ok: true };
}
