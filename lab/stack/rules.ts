/**
 * Prometheus' recording and alerting rules (observability/prometheus/rules/): the native stack
 * runs a copy of prometheus.yml under the lab dir, so its `rule_files: [rules/*.yml]` looks beside
 * that copy; the rules are copied there on each start so an edit shows on the next `make up`.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import type { StackContext } from './context.ts';

export const RULES_DIR = join(PROJECT_ROOT, 'observability', 'prometheus', 'rules');

export function installRules(ctx: StackContext): void {
  const target = join(ctx.dir, 'prometheus', 'rules');
  rmSync(target, { recursive: true, force: true });
  cpSync(RULES_DIR, target, { recursive: true });
}
