/** catalog's environment, parsed once with zod (topology.ts sets it). */
import { datastoreConfigOf, datastoreEnv, type DatastoreConfig } from '../../db/datastore-config.ts';
import { parseEnv, serviceConfigFromEnv, serviceEnvSchema, type ServiceConfig } from '../../platform/index.ts';

// A slower Redis command (REDIS_COMMAND_TIMEOUT_MS) fails and the read falls through to the database.
const envSchema = serviceEnvSchema.extend(datastoreEnv);

export interface CatalogConfig extends DatastoreConfig {
  service: ServiceConfig;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const parsed = parseEnv(envSchema, env);
  return { service: serviceConfigFromEnv(parsed), ...datastoreConfigOf(parsed) };
}
