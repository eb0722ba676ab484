/** Freezes an app instance with SIGSTOP: the process that hangs (a long GC, a stuck host). */
import { z } from 'zod';
import { defineFault } from '../fault.ts';
import { controlOf, podForm, scrapeDownCheck, signal } from './process-control.ts';

export const processStop = defineFault({
  type: 'process_stop',
  summary: 'freeze an app instance (SIGSTOP); revert resumes it (SIGCONT)',
  target: 'instance',
  attributes: z.strictObject({}),
  async apply(ctx, instance) {
    const pod = await podForm(ctx, 'process_stop', instance);
    if (pod) return pod;
    const { pid } = controlOf(ctx, instance);
    signal(pid, 'SIGSTOP');
    return {
      detail: { pid },
      revert: async () => {
        signal(pid, 'SIGCONT');
      },
    };
  },
  visibility: (instance) => scrapeDownCheck(instance),
});
