/** Kills an app instance with SIGKILL: the crash. Revert starts it again. */
import { z } from 'zod';
import { defineFault } from '../fault.ts';
import { controlOf, podForm, scrapeDownCheck, signal } from './process-control.ts';

export const processKill = defineFault({
  type: 'process_kill',
  summary: 'kill an app instance (SIGKILL); revert starts it again',
  target: 'instance',
  attributes: z.strictObject({
    /** Start the instance again when the fault ends (default true). */
    restart: z.boolean().default(true),
  }),
  async apply(ctx, instance, attributes) {
    const pod = await podForm(ctx, 'process_kill', instance);
    if (pod) return pod;
    const { processes, pid } = controlOf(ctx, instance);
    signal(pid, 'SIGKILL');
    return {
      detail: { pid },
      revert: async () => {
        if (attributes.restart) await processes.restart(instance);
      },
    };
  },
  visibility: (instance) => scrapeDownCheck(instance),
});
