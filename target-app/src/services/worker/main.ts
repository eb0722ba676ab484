/** worker's process: config from env, tracing before the datastore clients, then listen. */
import { ConfigError, runService, startTracing } from '../../platform/index.ts';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

try {
  const config = loadConfig();
  const tracing = startTracing(config.service);
  await runService(createApp(config), tracing);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`worker: ${error.message}\n`);
  process.exit(2);
}
