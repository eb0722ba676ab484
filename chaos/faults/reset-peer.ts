/** Resets connections with a TCP RST: the crashing peer. */
import { count, defineToxicFault } from '../toxic-fault.ts';
import { edgeErrorsCheck } from '../edges.ts';

export const resetPeer = defineToxicFault({
  type: 'reset_peer',
  toxic: 'reset_peer',
  summary: 'reset connections on an edge after timeout ms',
  attributes: {
    /** Milliseconds before the reset (default 0: at once). */
    timeout: count().default(0),
  },
  visibility: (proxy) => edgeErrorsCheck(proxy),
});
