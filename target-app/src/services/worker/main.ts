/** worker's process: config from env, tracing before the datastore clients, then listen (platform's serviceMain). */
import { serviceMain } from '../../platform/index.ts';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

await serviceMain('worker', loadConfig, createApp);
