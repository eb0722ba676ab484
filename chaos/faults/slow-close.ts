/** Delays the closing of connections: the peer that lingers. */
import { count, defineToxicFault } from '../toxic-fault.ts';

export const slowClose = defineToxicFault({
  type: 'slow_close',
  toxic: 'slow_close',
  summary: 'delay closing connections on an edge by delay ms',
  attributes: {
    /** Delay before the close is passed on, in milliseconds (required). */
    delay: count(),
  },
});
