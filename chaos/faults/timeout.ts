/** Stops all data and closes the connection after a while: the black hole. */
import { count, defineToxicFault } from '../toxic-fault.ts';
import { edgeErrorsCheck } from '../edges.ts';

export const timeout = defineToxicFault({
  type: 'timeout',
  toxic: 'timeout',
  summary: 'swallow the data on an edge and close after timeout ms (0: never)',
  attributes: {
    /** Milliseconds before the connection is closed; 0 keeps it open with no data (required). */
    timeout: count(),
  },
  visibility: (proxy) => edgeErrorsCheck(proxy),
});
