/**
 * The service factory every service builds on. `createService` returns the express pieces
 * (routes, admin router), metrics, logger, switches and readiness registry; tests use it
 * without listening, `listen()` binds both ports on 127.0.0.1, `shutdown()` drains.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router, type Express } from 'express';
import type { z } from 'zod';
import { createAdminApp } from './admin.ts';
import { ConfigError, type ServiceConfig } from './config.ts';
import { deadlineMiddleware, deadlineScopeMiddleware, serverTelemetry } from './http-server.ts';
import { createLogger, flushLogger, requestFailureLogger, type Logger } from './logger.ts';
import { ServiceMetrics } from './metrics.ts';
import { ProblemError, notFoundHandler, problemHandler, sendProblem } from './problem.ts';
import { LoadShedder, type SheddingOptions } from './resilience/shedding.ts';
import { Switches, type SwitchSchema } from './switches.ts';
import { recordFailure, startTracing, trace, type Tracing } from './tracing.ts';

export type ReadinessCheck = () => Promise<unknown>;

export interface ServiceOptions<S extends SwitchSchema> {
  config: ServiceConfig;
  /** The service's runtime switches (flat zod object, every field defaulted). */
  switches: S;
  /** Use this logger instead of creating one (tests). */
  logger?: Logger;
  /** The load shedder's settings from the switches (read again on every change); none = no shedder. */
  shedding?: (switches: z.infer<S>) => SheddingOptions;
}

export interface Service<S extends SwitchSchema> {
  readonly config: ServiceConfig;
  /** The whole public express app (health, metrics, telemetry, routes, problem handler). */
  readonly app: Express;
  /** Mount the service's routes and its own middleware (shedding, auth...) here. */
  readonly routes: Router;
  /** Extra admin routes (the admin app already has GET/PATCH /admin/config). */
  readonly adminRoutes: Router;
  readonly adminApp: Express;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly switches: Switches<S>;
  /** Adds a dependency check to /readyz (e.g. `SELECT 1`, `PING`); it should fail fast. */
  readiness(name: string, check: ReadinessCheck): void;
  /** Runs at shutdown after requests drained, before telemetry flush (close pools, clients). */
  onClose(hook: () => Promise<void> | void): void;
  /** Binds public and admin ports on 127.0.0.1 (config ports; 0 = any free port). */
  listen(): Promise<{ port: number; adminPort: number }>;
  /** Stops accepting, drains in-flight requests within the shutdown timeout, runs onClose hooks. */
  shutdown(): Promise<void>;
  readonly port: number;
  readonly adminPort: number;
}

const READINESS_TIMEOUT_MS = 1_000;

export function createService<S extends SwitchSchema>(options: ServiceOptions<S>): Service<S> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const metrics = new ServiceMetrics();
  const switches = new Switches(options.switches, config.switches);
  const checks = new Map<string, ReadinessCheck>();
  const closeHooks: (() => Promise<void> | void)[] = [];
  const routes = Router();
  const adminRoutes = Router();
  let server: Server | undefined;
  let adminServer: Server | undefined;
  let stopping = false;
  let boundPort = config.port;
  let boundAdminPort = config.adminPort;

  const logFailure = requestFailureLogger(logger);
  const onServerError = (error: unknown, problem: { code: string; status: number }) => {
    const span = trace.getActiveSpan();
    if (span) recordFailure(span, error);
    logFailure(error, problem);
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    if (stopping) res.setHeader('Connection', 'close');
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/readyz', async (req, res) => {
    if (stopping) {
      sendProblem(res, new ProblemError('not-ready', 'shutting down'), req.originalUrl);
      return;
    }
    // anyone may ask the public port: it says which dependency failed, never how (addresses, users, driver errors)
    const results = await runChecks(checks);
    const failed = Object.keys(results).filter((name) => results[name] !== 'ok');
    const outcome = Object.fromEntries(Object.entries(results).map(([name, result]) => [name, result === 'ok' ? 'ok' : 'failed']));
    if (failed.length === 0) res.json({ status: 'ready', checks: outcome });
    else sendProblem(res, new ProblemError('not-ready', `not ready: ${failed.join(', ')} failed (the admin port's /admin/readyz says why)`, { extensions: { checks: outcome } }), req.originalUrl);
  });
  // the same checks with each failure's own message, behind the admin token
  adminRoutes.get('/admin/readyz', async (_req, res) => {
    const results = await runChecks(checks);
    res.status(Object.values(results).every((r) => r === 'ok') ? 200 : 503).json({ status: stopping ? 'stopping' : 'checked', checks: results });
  });
  app.get('/metrics', async (req, res) => {
    const { contentType, body } = await metrics.expose(req.headers.accept);
    res.setHeader('Content-Type', contentType);
    res.send(body);
  });
  // Probes and scrapes come every second from the lab: traced, they would bury the requests in Jaeger.
  // A shed request is still traced and measured: its 503 is what the dashboards show.
  if (config.telemetry) app.use(serverTelemetry(metrics, () => boundPort));
  app.use(deadlineMiddleware(config.defaultDeadlineMs, metrics));
  if (options.shedding) {
    const sheddingOf = options.shedding;
    const shedder = new LoadShedder(metrics, sheddingOf(switches.current));
    switches.onChange((next) => shedder.reconfigure(sheddingOf(next)));
    // Before the body parser: a request refused for capacity costs no parsing.
    app.use(shedder.middleware());
  }
  app.use(express.json({ limit: config.bodyLimitBytes }));
  app.use(deadlineScopeMiddleware(metrics));
  app.use(routes);
  app.use(notFoundHandler);
  app.use(problemHandler(onServerError));

  const adminApp = createAdminApp({ service: config.name, instance: config.instance, adminToken: config.adminToken, switches: switches as unknown as Switches<SwitchSchema>, router: adminRoutes, onServerError });

  async function listenOn(target: Express, port: number): Promise<Server> {
    return await new Promise((resolve, reject) => {
      const s = target.listen(port, config.host);
      s.once('listening', () => resolve(s));
      s.once('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE' ? new Error(`${config.instance}: port ${port} on ${config.host} is already in use: stop what holds it or change LAB_PORT_OFFSET`) : error);
      });
    });
  }

  return {
    config,
    app,
    routes,
    adminRoutes,
    adminApp,
    metrics,
    logger,
    switches,
    readiness(name, check) {
      checks.set(name, check);
    },
    onClose(hook) {
      closeHooks.push(hook);
    },
    async listen() {
      server = await listenOn(app, config.port);
      server.keepAliveTimeout = 65_000;
      adminServer = await listenOn(adminApp, config.adminPort);
      boundPort = (server.address() as AddressInfo).port;
      boundAdminPort = (adminServer.address() as AddressInfo).port;
      return { port: boundPort, adminPort: boundAdminPort };
    },
    async shutdown() {
      if (stopping) return;
      stopping = true;
      await drain(server, config.shutdownTimeoutMs, logger);
      await drain(adminServer, 1_000, logger);
      for (const hook of closeHooks.reverse()) {
        try {
          await hook();
        } catch (error) {
          logger.warn({ err: error }, 'close hook failed');
        }
      }
    },
    get port() {
      return boundPort;
    },
    get adminPort() {
      return boundAdminPort;
    },
  };
}

async function runChecks(checks: Map<string, ReadinessCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    [...checks].map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS)))]);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Stops accepting, lets in-flight requests finish until `timeoutMs`, then cuts what is left. */
async function drain(server: Server | undefined, timeoutMs: number, logger: Logger): Promise<void> {
  if (!server?.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([closed.then(() => 'drained' as const), timedOut]);
  clearInterval(idleSweep);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger.warn({ timeoutMs }, 'shutdown deadline passed: closing the remaining connections');
    server.closeAllConnections();
    await closed;
  }
}

/**
 * main.ts's last step: listen, then on SIGTERM/SIGINT drain, close, flush traces and logs, exit.
 * The tracing SDK installs no signal handler of its own, so nothing keeps a stopping process alive.
 */
export async function runService<S extends SwitchSchema>(service: Service<S>, tracing: Tracing): Promise<void> {
  const { logger } = service;
  const { port, adminPort } = await service.listen();
  logger.info({ port, adminPort }, 'listening');
  let exiting = false;
  const stop = async (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => process.exit(1), service.config.shutdownTimeoutMs + 5_000);
    hardStop.unref();
    await service.shutdown();
    await tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'trace flush failed'));
    logger.info('stopped');
    await flushLogger(logger);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export type InferSwitches<S extends SwitchSchema> = z.infer<S>;

/**
 * A service's whole main.ts: parse the env, start tracing (before createApp builds datastore
 * clients, so pg/ioredis are instrumented), then runService. A bad env is one line and exit 2.
 */
export async function serviceMain<C extends { service: ServiceConfig }, S extends SwitchSchema>(name: string, loadConfig: () => C, createApp: (config: C) => Service<S>): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(2);
  }
  const tracing = startTracing(config.service);
  await runService(createApp(config), tracing);
}
