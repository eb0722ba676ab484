/** gateway's process: config from env, tracing, then listen. */
import { ConfigError } from '../../platform/config.ts';
import { runService } from '../../platform/service.ts';
import { startTracing } from '../../platform/tracing.ts';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

try {
  const config = loadConfig();
  await runService(createApp(config), startTracing(config.service));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gateway: ${error.message}\n`);
  process.exit(2);
}
