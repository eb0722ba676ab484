/** Restarts an app instance (graceful stop, then start): the deploy. */
import { z } from 'zod';
import { defineFault } from '../fault.ts';
import { controlOf, podForm } from './process-control.ts';

export const processRestart = defineFault({
  type: 'process_restart',
  summary: 'restart an app instance (SIGTERM, drain, start again)',
  target: 'instance',
  attributes: z.strictObject({}),
  async apply(ctx, instance) {
    const pod = await podForm(ctx, 'process_restart', instance);
    if (pod) return pod;
    const { processes, pid } = controlOf(ctx, instance);
    await processes.restart(instance);
    return { detail: { pid, newPid: processes.pidOf(instance) }, revert: async () => {} };
  },
  visibility: (instance) => ({
    description: `${instance} came back with a new start time`,
    promql: `sum(changes(process_start_time_seconds{instance="${instance}"}[$window]))`,
    op: '>',
    value: 0,
  }),
});
