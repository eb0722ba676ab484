/**
 * pricing: GET /prices/:id answers the product's price. Slowness and failures normally come
 * from Toxiproxy faults on the gateway-pricing edge; the switches add latency or errors for
 * tests that need a misbehaving dependency without a proxy.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/config.ts';
import { ProblemError } from '../../platform/problem.ts';
import { createService, type Service } from '../../platform/service.ts';
import { productIdParams } from '../../platform/product-id.ts';
import { parseParams } from '../../platform/validation.ts';
import { priceOf } from './price.ts';

export const pricingSwitches = z.object({
  /** Latency added to every answer, ms. */
  addedLatencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Fraction of requests answered 500, 0..1. */
  errorRate: z.number().min(0).max(1).default(0),
});

export type PricingService = Service<typeof pricingSwitches>;
export interface PricingConfig {
  service: ServiceConfig;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PricingConfig {
  return { service: serviceConfigFromEnv(parseEnv(serviceEnvSchema, env)) };
}


export function createApp(config: PricingConfig): PricingService {
  const service = createService({ config: config.service, switches: pricingSwitches });
  service.routes.get('/prices/:id', async (req, res) => {
    const { id } = parseParams(productIdParams, req);
    const { addedLatencyMs, errorRate } = service.switches.current;
    if (addedLatencyMs > 0) await sleep(addedLatencyMs);
    if (errorRate > 0 && Math.random() < errorRate) throw new ProblemError('internal', 'injected pricing failure (errorRate switch)');
    res.json(priceOf(id));
  });
  return service;
}
