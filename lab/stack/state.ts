/** The stack's state file (.lab/run/stack.json): what the last `up` started, and whether it finished. */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import type { PortMap } from '../ports.ts';
import type { StackContext } from './context.ts';
import type { TopologyOptions } from './topology.ts';
import { shortPath } from './health.ts';

export interface StackState {
  version: 1;
  /** `starting` until every component is healthy; a crashed start leaves it so. */
  phase: 'starting' | 'up';
  ports: PortMap;
  withApp: boolean;
  /** Indexes of the catalog instances that run (catalog-1 is 1). */
  catalog: number[];
  /** What topology.ts was given beyond the replica count (switches, telemetry, log level). */
  appOptions: Omit<TopologyOptions, 'catalogReplicas' | 'secrets'>;
  startedAt: string;
}

function statePath(ctx: StackContext): string {
  return join(ctx.runDir, 'stack.json');
}

/** The state, null when there is none; a file that is not a state is a LabError naming the fix. */
export function readState(ctx: StackContext): StackState | null {
  let text: string;
  try {
    text = readFileSync(statePath(ctx), 'utf8');
  } catch {
    return null;
  }
  try {
    const state = JSON.parse(text) as StackState;
    if (state?.version === 1 && (state.phase === 'starting' || state.phase === 'up') && typeof state.ports === 'object') return state;
  } catch {
    // reported below
  }
  throw new LabError('LAB_ERR_STATE_CORRUPT', `the lab state ${shortPath(statePath(ctx))} is unreadable: run \`make down\` (faultline down) to clear it, then start again`);
}

export function writeState(ctx: StackContext, state: StackState): void {
  mkdirSync(ctx.runDir, { recursive: true });
  const path = statePath(ctx);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function removeState(ctx: StackContext): void {
  rmSync(statePath(ctx), { force: true });
}
