/** Caps the throughput of a proxy: the saturated link. */
import { count, defineToxicFault } from '../toxic-fault.ts';

export const bandwidth = defineToxicFault({
  type: 'bandwidth',
  toxic: 'bandwidth',
  summary: 'limit an edge to rate KB/s',
  attributes: {
    /** Throughput in kilobytes per second (required). */
    rate: count(),
  },
});
