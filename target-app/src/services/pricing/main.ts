/** pricing's process: config from env, tracing, then listen. */
import { serviceMain } from '../../platform/service.ts';
import { createApp, loadConfig } from './app.ts';

await serviceMain('pricing', loadConfig, createApp);
