/**
 * Turns zod issues into the one line a person needs: which file, which field, what was expected.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** "field a.b[2]: expected number, got string" for the first issue (the rest rarely help). */
export function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid value';
  const issue = closestIssue(first, []);
  const where = issue.path.length === 0 ? 'the value' : `field ${formatPath(issue.path)}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${where}: ${issue.message}${more}`;
}

/**
 * A value that matches no branch of a union: "Invalid input" says nothing, so report the
 * branch it came closest to (fewest issues, then the deepest one) with its own first issue.
 */
function closestIssue(issue: Issue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { path, message: issue.message };
  const ranked = [...issue.errors].filter((b) => b.length > 0).sort((a, b) => a.length - b.length || depth(b) - depth(a));
  const best = ranked[0]?.[0];
  return best ? closestIssue(best, path) : { path, message: issue.message };
}

function depth(branch: Issue[]): number {
  return Math.max(...branch.map((i) => i.path.length));
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
