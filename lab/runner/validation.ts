/**
 * Turns zod issues into the one line a person needs: which file, which field, what was expected.
 */
import type { z } from 'zod';

/** "field a.b[2]: expected number, got string" for the first issue (the rest rarely help). */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length === 0 ? 'the value' : `field ${formatPath(issue.path)}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${where}: ${issue.message}${more}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
