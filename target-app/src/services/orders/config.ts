/** orders' environment, parsed once with zod (topology.ts sets it). */
import { datastoreConfigOf, datastoreEnv, type DatastoreConfig } from '../../db/datastore-config.ts';
import { envInt, parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/index.ts';
import type { OutboxOptions } from './outbox.ts';

const envSchema = serviceEnvSchema.extend({
  ...datastoreEnv,
  /** How often the outbox relay republishes events that did not get out, ms. */
  OUTBOX_RELAY_INTERVAL_MS: envInt(1_000, 10),
  /** An order younger than this is left to the request path's own publish, ms. */
  OUTBOX_GRACE_MS: envInt(2_000, 0),
  /** confirmed-outbox: an event unconfirmed this long after it was published is published again, ms. */
  OUTBOX_CONFIRM_DEADLINE_MS: envInt(10_000, 100),
});

export interface OrdersConfig extends DatastoreConfig {
  service: ServiceConfig;
  outbox: OutboxOptions;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    service: serviceConfigFromEnv(parsed),
    ...datastoreConfigOf(parsed),
    outbox: { relayIntervalMs: parsed.OUTBOX_RELAY_INTERVAL_MS, graceMs: parsed.OUTBOX_GRACE_MS, batchSize: 100, confirmDeadlineMs: parsed.OUTBOX_CONFIRM_DEADLINE_MS },
  };
}
