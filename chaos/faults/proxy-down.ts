/** Takes a proxy down (refuses connections): the dependency that is gone. */
import { z } from 'zod';
import { defineFault } from '../fault.ts';
import { edgeErrorsCheck } from '../edges.ts';

export const proxyDown = defineFault({
  type: 'proxy_down',
  summary: 'take an edge down: new connections are refused, open ones closed',
  target: 'proxy',
  attributes: z.strictObject({}),
  async apply(ctx, proxy) {
    await ctx.toxiproxy.setEnabled(proxy, false);
    return { detail: {}, revert: () => ctx.toxiproxy.setEnabled(proxy, true) };
  },
  visibility: (proxy) => edgeErrorsCheck(proxy),
});
