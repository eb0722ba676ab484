/**
 * The env a service that talks to PostgreSQL and Redis reads (catalog, orders): the URLs of its
 * Toxiproxy listeners, the pool size and the Redis command timeout. Services spread these
 * fields into their own env schema and config.
 */
import { z } from 'zod';
import { envInt } from '../platform/index.ts';

export const datastoreEnv = {
  /** PostgreSQL through the service's Toxiproxy listener (<service>-postgres). */
  DATABASE_URL: z.string().min(1),
  /** Redis through the service's Toxiproxy listener (<service>-redis). */
  REDIS_URL: z.string().min(1),
  /** Database pool size per instance. */
  DB_POOL_SIZE: envInt(10, 1, 200),
  /** Most checkouts waiting for a pool connection; one more is refused at once (503). */
  DB_POOL_MAX_WAITING: envInt(256, 0, 10_000),
  /** A Redis command slower than this fails, ms. */
  REDIS_COMMAND_TIMEOUT_MS: envInt(1_000, 10),
};

export interface DatastoreConfig {
  databaseUrl: string;
  redisUrl: string;
  dbPoolSize: number;
  /** Most checkouts waiting for a pool connection; default 256. */
  dbPoolMaxWaiting?: number;
  redisCommandTimeoutMs: number;
}

export function datastoreConfigOf(env: { DATABASE_URL: string; REDIS_URL: string; DB_POOL_SIZE: number; DB_POOL_MAX_WAITING: number; REDIS_COMMAND_TIMEOUT_MS: number }): DatastoreConfig {
  return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, dbPoolSize: env.DB_POOL_SIZE, dbPoolMaxWaiting: env.DB_POOL_MAX_WAITING, redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS };
}
