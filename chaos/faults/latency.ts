/** Adds a delay to the data on a proxy: the slow dependency. */
import { count, defineToxicFault } from '../toxic-fault.ts';
import { edgeLatencyCheck } from '../edges.ts';

export const latency = defineToxicFault({
  type: 'latency',
  toxic: 'latency',
  summary: 'delay the data on an edge by latency ms (± jitter ms)',
  attributes: {
    /** Added delay in milliseconds (required). */
    latency: count(),
    /** Random ± variation of the delay in milliseconds (default 0). */
    jitter: count().default(0),
  },
  // Half the added mean delay must show in the client's measured latency.
  visibility: (proxy, a) => edgeLatencyCheck(proxy, (a.latency * a.toxicity) / 2 / 1000),
});
