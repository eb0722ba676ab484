/**
 * The one table of fault types, looked up by the name a scenario uses. A new fault type is one
 * new module in faults/ and one line here.
 */
import { z } from 'zod';
import { LabError } from '../errors/lab-error.ts';
import { describeIssues } from '../errors/describe-issues.ts';
import type { FaultType } from './fault.ts';
import { latency } from './faults/latency.ts';
import { bandwidth } from './faults/bandwidth.ts';
import { slowClose } from './faults/slow-close.ts';
import { timeout } from './faults/timeout.ts';
import { resetPeer } from './faults/reset-peer.ts';
import { slicer } from './faults/slicer.ts';
import { limitData } from './faults/limit-data.ts';
import { proxyDown } from './faults/proxy-down.ts';
import { processKill } from './faults/process-kill.ts';
import { processStop } from './faults/process-stop.ts';
import { processRestart } from './faults/process-restart.ts';
import { cacheExpire } from './faults/cache-expire.ts';
import { componentKill } from './faults/component-kill.ts';

export type FaultRegistry = ReadonlyMap<string, FaultType<never>>;

const all = [latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData, proxyDown, processKill, processStop, processRestart, componentKill, cacheExpire];

export const FAULTS: FaultRegistry = new Map(all.map((f) => [f.type, f as unknown as FaultType<never>]));

export function faultType(name: string, registry: FaultRegistry = FAULTS): FaultType<never> {
  const found = registry.get(name);
  if (!found) {
    throw new LabError('CHAOS_ERR_UNKNOWN_FAULT', `unknown fault type '${name}': use one of ${[...registry.keys()].join(', ')}`);
  }
  return found;
}

/** Validates a fault's attributes against its type, naming the fault and the field on error. */
export function parseAttributes(name: string, raw: unknown, where: string, registry: FaultRegistry = FAULTS): Record<string, unknown> {
  const fault = faultType(name, registry);
  const parsed = (fault.attributes as z.ZodType).safeParse(raw ?? {});
  if (!parsed.success) {
    throw new LabError('CHAOS_ERR_BAD_ATTRIBUTE', `${where}: fault ${name} has a bad attribute: ${describeIssues(parsed.error)}`);
  }
  return parsed.data as Record<string, unknown>;
}
