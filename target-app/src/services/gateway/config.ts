/**
 * The gateway's config: upstream addresses and the JWT secret from env, and the runtime
 * switches of every resilience pattern it owns (GET/PATCH /admin/config on its admin port).
 */
import { z } from 'zod';
import { parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/config.ts';
import { sheddingSwitches } from '../../platform/resilience/shedding.ts';

const urlList = z
  .string()
  .default('')
  .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.url()));

export const gatewayEnvSchema = serviceEnvSchema.extend({
  /** Catalog instances at start (their Toxiproxy listeners), comma-separated; later ones come by PUT /admin/upstreams/catalog. */
  CATALOG_URLS: urlList,
  PRICING_URL: z.url(),
  ORDERS_URL: z.url(),
  /** HS256 secret of the bearer tokens on the order routes. */
  JWT_SECRET: z.string().min(16),
});

export const gatewaySwitches = z.object({
  /** Per-attempt timeout of a catalog call, ms. */
  catalogTimeoutMs: z.number().int().min(1).max(60_000).default(1_000),
  /** Per-attempt timeout of a pricing call, ms. */
  pricingTimeoutMs: z.number().int().min(1).max(60_000).default(300),
  /** Per-attempt timeout of an orders call, ms. */
  ordersTimeoutMs: z.number().int().min(1).max(60_000).default(2_000),
  /** off: round robin over every instance; on: active health checks, outlier ejection, retry on another instance. */
  failover: z.enum(['off', 'on']).default('on'),
  /** Interval of the active health checks (failover on), ms. */
  healthCheckIntervalMs: z.number().int().min(50).max(60_000).default(1_000),
  /** Consecutive failures that eject an instance (failover on). */
  outlierConsecutiveFailures: z.number().int().min(1).max(1_000).default(3),
  /** How long an ejected instance is left out, ms. */
  outlierEjectionMs: z.number().int().min(100).max(600_000).default(5_000),
  /** Circuit breaker around pricing, with fallback to the last known price. */
  breaker: z.enum(['off', 'on']).default('on'),
  /** Consecutive pricing failures that open the breaker. */
  breakerConsecutiveFailures: z.number().int().min(1).max(1_000).default(5),
  /** How long the breaker stays open before a trial call, ms. */
  breakerHalfOpenAfterMs: z.number().int().min(10).max(600_000).default(2_000),
  /**
   * none | naive (again at once, within the retry budget) | storm (again at once, no budget: every
   * failure costs retryMaxAttempts calls, the retry storm) | backoff (exponential, full jitter, retry budget).
   */
  retries: z.enum(['none', 'naive', 'storm', 'backoff']).default('backoff'),
  /** Attempts in all, the first included. */
  retryMaxAttempts: z.number().int().min(1).max(10).default(3),
  retryBaseDelayMs: z.number().int().min(1).max(10_000).default(25),
  retryMaxDelayMs: z.number().int().min(1).max(60_000).default(500),
  /** Retries allowed as a fraction of requests over the last 10 s. */
  retryBudgetRatio: z.number().min(0).max(10).default(0.2),
  ...sheddingSwitches,
  /** Requests per second per client (IP) on the public API; 0 turns the rate limit off. */
  rateLimitPerSecond: z.number().int().min(0).max(1_000_000).default(10_000),
});

export type GatewaySwitches = z.infer<typeof gatewaySwitches>;

export interface GatewayConfig {
  service: ServiceConfig;
  catalogUrls: string[];
  pricingUrl: string;
  ordersUrl: string;
  jwtSecret: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = parseEnv(gatewayEnvSchema, env);
  return {
    service: serviceConfigFromEnv(parsed),
    catalogUrls: parsed.CATALOG_URLS,
    pricingUrl: parsed.PRICING_URL,
    ordersUrl: parsed.ORDERS_URL,
    jwtSecret: parsed.JWT_SECRET,
  };
}
