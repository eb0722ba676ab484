/**
 * Which catalog addresses PUT /admin/upstreams/catalog may name. The gateway probes and proxies
 * to every address it is given, so an open list would make it a relay to anywhere: only http
 * on loopback, on the ports the lab set aside for catalog upstreams, is accepted.
 */
import { z } from 'zod';

/** Inclusive port range, from CATALOG_UPSTREAM_PORTS ("8281-8288"). */
export interface PortRange {
  first: number;
  last: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const portRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, 'must be a port range like 8281-8288')
  .transform((raw) => {
    const [first, last] = raw.split('-').map(Number) as [number, number];
    return { first, last };
  })
  .refine((r) => r.first >= 1 && r.first <= r.last && r.last <= 65535, 'must be first-last with 1 <= first <= last <= 65535');

/** The range the initial upstreams span, for a gateway started without CATALOG_UPSTREAM_PORTS. */
export function rangeOf(urls: string[]): PortRange | undefined {
  const ports = urls.map((u) => Number(new URL(u).port)).filter((p) => p > 0);
  return ports.length === 0 ? undefined : { first: Math.min(...ports), last: Math.max(...ports) };
}

/** Why the address may not be a catalog upstream, or undefined when it may. */
export function upstreamRefusal(url: string, range: PortRange | undefined): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  if (parsed.protocol !== 'http:') return `${url}: only http upstreams are accepted`;
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) return `${url}: only loopback addresses (127.0.0.1) are accepted`;
  const port = Number(parsed.port);
  if (!range || port < range.first || port > range.last) {
    return `${url}: the port must be one of the lab's catalog upstream ports (${range ? `${range.first}-${range.last}` : 'none are configured'})`;
  }
  return undefined;
}

/** The body of PUT /admin/upstreams/catalog, every URL checked against the policy. */
export function upstreamsBody(range: PortRange | undefined) {
  return z.object({
    urls: z
      .array(z.string())
      .max(64)
      .superRefine((urls, ctx) => {
        for (const [i, url] of urls.entries()) {
          const refusal = upstreamRefusal(url, range);
          if (refusal) ctx.addIssue({ code: 'custom', path: [i], message: refusal });
        }
      }),
  });
}
