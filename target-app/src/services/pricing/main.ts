/** pricing's process: config from env, tracing, then listen. */
import { ConfigError } from '../../platform/config.ts';
import { runService } from '../../platform/service.ts';
import { startTracing } from '../../platform/tracing.ts';
import { createApp, loadConfig } from './app.ts';

try {
  const config = loadConfig();
  await runService(createApp(config), startTracing(config.service));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`pricing: ${error.message}\n`);
  process.exit(2);
}
