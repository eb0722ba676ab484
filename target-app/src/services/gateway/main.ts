/** gateway's process: config from env, tracing, then listen. */
import { serviceMain } from '../../platform/service.ts';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

await serviceMain('gateway', loadConfig, createApp);
