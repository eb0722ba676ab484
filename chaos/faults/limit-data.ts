/** Closes the connection after a number of bytes: the truncated response. */
import { count, defineToxicFault } from '../toxic-fault.ts';
import { edgeErrorsCheck } from '../edges.ts';

export const limitData = defineToxicFault({
  type: 'limit_data',
  toxic: 'limit_data',
  summary: 'close connections on an edge after bytes bytes',
  attributes: {
    /** Bytes let through before the connection is closed (required). */
    bytes: count(),
  },
  visibility: (proxy) => edgeErrorsCheck(proxy),
});
