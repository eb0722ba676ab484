/**
 * Builds a fault type from one Toxiproxy toxic: the toxic's own attributes plus the stream it
 * acts on and its toxicity, applied as a toxic named after the timeline entry.
 */
import { z } from 'zod';
import { defineFault, type FaultType, type VisibilityCheck } from './fault.ts';

const common = {
  /** Which direction of the connection the toxic acts on (default downstream: responses). */
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  /** Share of connections the toxic applies to, 0..1 (default 1: all). */
  toxicity: z.number().min(0).max(1).default(1),
};

type Shape = Record<string, z.ZodType<number>>;

export interface ToxicFaultOptions<S extends Shape> {
  type: string;
  /** Toxiproxy's name for the toxic when it differs from the fault's (e.g. slow-close -> slow_close). */
  toxic: string;
  summary: string;
  attributes: S;
  visibility?: (proxy: string, attributes: z.infer<z.ZodObject<S>> & { toxicity: number }) => VisibilityCheck | undefined;
}

export function defineToxicFault<S extends Shape>(options: ToxicFaultOptions<S>) {
  const schema = z.strictObject({ ...common, ...options.attributes });
  type Attributes = z.infer<typeof schema>;
  const fault: FaultType<Attributes> = defineFault<Attributes>({
    type: options.type,
    summary: options.summary,
    target: 'proxy',
    attributes: schema as unknown as z.ZodType<Attributes>,
    async apply(ctx, proxy, attributes, id) {
      const { stream, toxicity, ...rest } = attributes as { stream: 'upstream' | 'downstream'; toxicity: number } & Record<string, number>;
      const name = `faultline-${id}`;
      await ctx.toxiproxy.addToxic(proxy, { name, type: options.toxic, stream, toxicity, attributes: rest });
      return {
        detail: { toxic: name, stream, toxicity },
        revert: async () => {
          const present = await ctx.toxiproxy.toxics(proxy);
          if (present.some((t) => t.name === name)) await ctx.toxiproxy.removeToxic(proxy, name);
        },
      };
    },
  });
  if (options.visibility) {
    const visibility = options.visibility;
    fault.visibility = (proxy, attributes) => visibility(proxy, attributes as never);
  }
  return fault;
}

/** Non-negative whole number of milliseconds, bytes, ... */
export const count = () => z.number().int().min(0);
