/** Cuts the data into small delayed packets: the fragmenting network. */
import { count, defineToxicFault } from '../toxic-fault.ts';

export const slicer = defineToxicFault({
  type: 'slicer',
  toxic: 'slicer',
  summary: 'slice the data on an edge into average_size-byte packets, delay µs apart',
  attributes: {
    /** Mean packet size in bytes (required). */
    average_size: count(),
    /** Random ± variation of the packet size in bytes (default 0). */
    size_variation: count().default(0),
    /** Delay between packets in microseconds (default 0). */
    delay: count().default(0),
  },
});
