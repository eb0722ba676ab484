/** The shared step of the process faults: find the instance's pid through the stack handle. */
import { LabError } from '../../errors/lab-error.ts';
import type { AppliedFault, FaultContext, ProcessControl, VisibilityCheck } from '../fault.ts';

/** The fault in its pod form, when the stack's processes are pods; undefined where they are processes. */
export async function podForm(ctx: FaultContext, type: string, target: string): Promise<AppliedFault | undefined> {
  if (!ctx.processes?.podFault) return undefined;
  const { experiment, revert } = await ctx.processes.podFault(type, target);
  return { detail: { experiment }, revert };
}

export function controlOf(ctx: FaultContext, instance: string): { processes: ProcessControl; pid: number } {
  const processes = ctx.processes;
  if (!processes) throw new LabError('CHAOS_ERR_NO_PROCESSES', `process fault on ${instance}: the run has no stack handle to reach processes through`);
  const pid = processes.pidOf(instance);
  if (pid === undefined) throw new LabError('CHAOS_ERR_NO_INSTANCE', `process fault on ${instance}: no such running instance (see make status for the instance names)`);
  return { processes, pid };
}

/** Sends a signal, treating "already gone" as done: a revert must not fail on a dead process. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Prometheus scrapes every instance each second: a dead or frozen one shows as up == 0. */
export function scrapeDownCheck(instance: string): VisibilityCheck {
  return {
    description: `Prometheus sees ${instance} down while the fault is on`,
    promql: `min(min_over_time(up{instance="${instance}"}[$window]))`,
    op: '==',
    value: 0,
  };
}
