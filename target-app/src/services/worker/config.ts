/** worker's environment, parsed once with zod (topology.ts sets it). */
import { z } from 'zod';
import { envInt, parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/index.ts';

const envSchema = serviceEnvSchema.extend({
  /** Redis through the worker-redis Toxiproxy listener. */
  REDIS_URL: z.string().min(1),
  /** PostgreSQL through the worker-postgres Toxiproxy listener: where confirmations and sales counters are kept. */
  DATABASE_URL: z.string().min(1),
  /** Database connections (the consumer handles one event at a time). */
  DB_POOL_SIZE: envInt(2, 1, 50),
  /** The consumer group on the order stream. */
  CONSUMER_GROUP: z.string().min(1).default('worker'),
  /** How long one XREADGROUP blocks waiting for entries, ms. */
  STREAM_BLOCK_MS: envInt(1_000, 10, 60_000),
  /** How often pending entries are claimed or dead-lettered and the lag gauge refreshed, ms. */
  CLAIM_INTERVAL_MS: envInt(1_000, 10, 60_000),
  REDIS_COMMAND_TIMEOUT_MS: envInt(2_000, 10),
});

export interface WorkerConfig {
  service: ServiceConfig;
  redisUrl: string;
  databaseUrl: string;
  dbPoolSize: number;
  consumerGroup: string;
  blockMs: number;
  claimIntervalMs: number;
  redisCommandTimeoutMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    service: serviceConfigFromEnv(parsed),
    redisUrl: parsed.REDIS_URL,
    databaseUrl: parsed.DATABASE_URL,
    dbPoolSize: parsed.DB_POOL_SIZE,
    consumerGroup: parsed.CONSUMER_GROUP,
    blockMs: parsed.STREAM_BLOCK_MS,
    claimIntervalMs: parsed.CLAIM_INTERVAL_MS,
    redisCommandTimeoutMs: parsed.REDIS_COMMAND_TIMEOUT_MS,
  };
}
