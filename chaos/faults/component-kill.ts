/**
 * Kills a lab component (the broker, the database) with SIGKILL: the crash of the datastore itself,
 * not of a network path to it. Revert starts it again and waits until it answers. With
 * discardData it comes back without its data dir: a datastore run without persistence, or one
 * whose disk went with its host; without it, it recovers what it had made durable.
 */
import { z } from 'zod';
import { LabError } from '../../errors/lab-error.ts';
import { defineFault } from '../fault.ts';
import { podForm, signal } from './process-control.ts';

export const componentKill = defineFault({
  type: 'component_kill',
  summary: 'kill a lab component such as redis (SIGKILL); revert starts it again, with its data or without it',
  target: 'component',
  attributes: z.strictObject({
    /** Start it again without its data (default false: it recovers what it persisted). */
    discardData: z.boolean().default(false),
  }),
  async apply(ctx, component, attributes) {
    const pod = await podForm(ctx, 'component_kill', component);
    if (pod) return pod;
    const processes = ctx.processes;
    if (!processes?.restartComponent) throw new LabError('CHAOS_ERR_NO_PROCESSES', `component_kill on ${component}: the run has no stack handle that restarts components`);
    const pid = processes.pidOf(component);
    if (pid === undefined) throw new LabError('CHAOS_ERR_NO_INSTANCE', `component_kill on ${component}: it does not run (see make status for the component names)`);
    signal(pid, 'SIGKILL');
    return {
      detail: { pid, discardData: attributes.discardData },
      revert: async () => {
        await processes.restartComponent!(component, { discardData: attributes.discardData });
      },
    };
  },
  // The lab's components are not all scraped (Redis is not): the scenario says how the crash shows in its data.
});
