/** catalog's environment, parsed once with zod (topology.ts sets it). */
import { z } from 'zod';
import { envInt, parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/index.ts';

const envSchema = serviceEnvSchema.extend({
  /** PostgreSQL through the catalog-postgres Toxiproxy listener. */
  DATABASE_URL: z.string().min(1),
  /** Redis through the catalog-redis Toxiproxy listener. */
  REDIS_URL: z.string().min(1),
  /** Database pool size per instance. */
  DB_POOL_SIZE: envInt(10, 1, 200),
  /** A Redis command slower than this fails and the cache falls through to the database, ms. */
  REDIS_COMMAND_TIMEOUT_MS: envInt(1_000, 10),
});

export interface CatalogConfig {
  service: ServiceConfig;
  databaseUrl: string;
  redisUrl: string;
  dbPoolSize: number;
  redisCommandTimeoutMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    service: serviceConfigFromEnv(parsed),
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    dbPoolSize: parsed.DB_POOL_SIZE,
    redisCommandTimeoutMs: parsed.REDIS_COMMAND_TIMEOUT_MS,
  };
}
