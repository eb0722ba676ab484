/** orders' environment, parsed once with zod (topology.ts sets it). */
import { z } from 'zod';
import { envInt, parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/index.ts';
import type { OutboxOptions } from './outbox.ts';

const envSchema = serviceEnvSchema.extend({
  /** PostgreSQL through the orders-postgres Toxiproxy listener. */
  DATABASE_URL: z.string().min(1),
  /** Redis through the orders-redis Toxiproxy listener. */
  REDIS_URL: z.string().min(1),
  DB_POOL_SIZE: envInt(10, 1, 200),
  REDIS_COMMAND_TIMEOUT_MS: envInt(1_000, 10),
  /** How often the outbox relay republishes events that did not get out, ms. */
  OUTBOX_RELAY_INTERVAL_MS: envInt(1_000, 10),
  /** An order younger than this is left to the request path's own publish, ms. */
  OUTBOX_GRACE_MS: envInt(2_000, 0),
});

export interface OrdersConfig {
  service: ServiceConfig;
  databaseUrl: string;
  redisUrl: string;
  dbPoolSize: number;
  redisCommandTimeoutMs: number;
  outbox: OutboxOptions;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    service: serviceConfigFromEnv(parsed),
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    dbPoolSize: parsed.DB_POOL_SIZE,
    redisCommandTimeoutMs: parsed.REDIS_COMMAND_TIMEOUT_MS,
    outbox: { relayIntervalMs: parsed.OUTBOX_RELAY_INTERVAL_MS, graceMs: parsed.OUTBOX_GRACE_MS, batchSize: 100 },
  };
}
