/**
 * worker: consumes order.created events from the order stream in a consumer group, confirms
 * each order durably in PostgreSQL (mirrored into Redis), retries failures up to a cap and dead-letters what it cannot process.
 * Its HTTP side is /healthz, /readyz, /metrics and the admin switches.
 */
import { z } from 'zod';
import { createDatabase, createRedis, createService, type Service } from '../../platform/index.ts';
import { decodeOrderEvent, ORDER_DEAD_LETTER_STREAM, ORDER_STREAM, PoisonMessageError } from '../../contracts/order-stream.ts';
import type { WorkerConfig } from './config.ts';
import { confirmOrder } from './confirmations.ts';
import { StreamConsumer } from './consumer.ts';

export const workerSwitches = z.object({
  /** Deliveries of one event before it goes to the dead-letter stream. */
  maxDeliveries: z.number().int().min(1).max(100).default(5),
  /** How long a failed or orphaned event stays pending before it is tried again, ms. */
  claimIdleMs: z.number().int().min(0).max(600_000).default(5_000),
  /** Most events read at once. */
  batchSize: z.number().int().min(1).max(1_000).default(32),
  /** Extra time spent on each event, ms (a slow consumer, so a scenario can build lag). */
  processingCostMs: z.number().int().min(0).max(60_000).default(0),
});

export type WorkerService = Service<typeof workerSwitches>;

export function createApp(config: WorkerConfig): WorkerService {
  const service = createService({ config: config.service, switches: workerSwitches });
  const redis = createRedis(config.redisUrl, { commandTimeout: config.redisCommandTimeoutMs });
  const db = createDatabase(config.databaseUrl, service.metrics, { max: config.dbPoolSize, applicationName: config.service.instance });
  const blockingRedis = createRedis(config.redisUrl, { commandTimeout: config.blockMs + config.redisCommandTimeoutMs });
  const consumer = new StreamConsumer({
    redis,
    blockingRedis,
    stream: ORDER_STREAM,
    group: config.consumerGroup,
    consumer: config.service.instance,
    deadLetterStream: ORDER_DEAD_LETTER_STREAM,
    blockMs: config.blockMs,
    claimIntervalMs: config.claimIntervalMs,
    settings: () => service.switches.current,
    handle: (fields) => confirmOrder(db, decodeOrderEvent(fields), config.service.instance),
    // An entry that does not decode never will: retrying it only delays the dead-letter stream.
    isPoison: (error) => error instanceof PoisonMessageError,
    metrics: service.metrics,
    logger: service.logger,
  });
  consumer.start();
  service.readiness('redis', () => redis.ping());
  service.readiness('postgres', () => db.ping());
  service.onClose(async () => {
    await consumer.stop();
    for (const client of [blockingRedis, redis]) await client.quit().catch(() => client.disconnect());
    await db.close();
  });
  return service;
}
