/**
 * Did each applied fault show in the data? A fault's check (its type's default, or the
 * scenario's `visible`) is judged over the window the fault was on; one that did not show
 * makes the run inconclusive, because then the run did not test what it claims.
 */
import type { VisibilityCheck } from '../../chaos/fault.ts';
import { faultType } from '../../chaos/registry.ts';
import type { FaultRecord } from '../../chaos/timeline.ts';
import { compare, expandPromql } from './hypotheses.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import type { FaultEntryInput } from './schema.ts';
import type { FaultSummary } from '../run-summary/summary.ts';

/** The check for a timeline entry: the scenario's override, false (not checkable), or the type's default. */
export function visibilityCheck(entry: FaultEntryInput | undefined, fault: string, target: string, attributes: Record<string, unknown>): VisibilityCheck | undefined {
  if (entry?.visible === false) return undefined;
  if (entry?.visible) return entry.visible;
  return faultType(fault).visibility?.(target, attributes as never);
}

export async function judgeFault(
  record: FaultRecord,
  check: VisibilityCheck | undefined,
  prometheus: PrometheusClient,
  vars: Record<string, string>,
): Promise<FaultSummary['visibility']> {
  if (!check) return null;
  if (record.appliedAt === undefined) return { description: check.description, query: check.promql, observed: null, expected: `${check.op} ${check.value}`, visible: null };
  const window = { start: record.appliedAt / 1000, end: (record.revertedAt ?? Date.now()) / 1000 };
  const query = expandPromql(check.promql, window, vars);
  const observed = await prometheus.value(query, window.end, `the visibility check of ${record.entry.fault} on ${record.entry.target}`);
  return { description: check.description, query, observed, expected: `${check.op} ${check.value}`, visible: observed !== null && compare(check.op, observed, check.value) };
}
