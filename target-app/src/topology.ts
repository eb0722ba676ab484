/**
 * The target app as it is run (contracts/topology.ts): every service instance with the env that
 * is its whole configuration, in start order, and the Toxiproxy proxies every edge goes through.
 * Whoever runs the app hands it the ports; chaos/ faults the proxies by name.
 */
import { join } from 'node:path';
import { adminPort, catalogPort, catalogProxyPort, MAX_CATALOG_INSTANCES, type AppPorts, type ProxyDefinition, type ServiceSpec, type TopologyOptions } from './contracts/topology.ts';

export type { ProxyDefinition, ServiceSpec, TopologyOptions } from './contracts/topology.ts';

/**
 * Share of new traces sampled (parent-based: a sampled caller's trace stays whole).
 * bench/telemetry.bench.ts measured tracing every request at about a fifth of the CPU per
 * request, a tenth at a few percent, and a tenth still gives dozens of traces a second.
 */
const DEFAULT_TRACES_SAMPLE_RATIO = 0.1;

/** Start order: dependencies first, the gateway last. */
export const SERVICES = ['pricing', 'catalog', 'orders', 'worker', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

const SERVICES_DIR = join(import.meta.dirname, 'services');
const DATABASE = 'faultline';

const loopback = (port: number) => `127.0.0.1:${port}`;
/** The services' role `faultline` (no superuser; owns its schema only); without the lab's secrets, no password: PostgreSQL refuses it. */
const postgresUrl = (port: number, secrets: TopologyOptions['secrets']) => `postgres://${DATABASE}${secrets ? `:${encodeURIComponent(secrets.databasePassword)}` : ''}@127.0.0.1:${port}/${DATABASE}`;
const redisUrl = (port: number) => `redis://127.0.0.1:${port}`;

/** Every faultable edge; catalog edges for instances 1..replicas. */
export function proxySpecs(ports: AppPorts, replicas = 1): ProxyDefinition[] {
  const catalog = Array.from({ length: replicas }, (_, i) => ({
    name: `gateway-catalog-${i + 1}`,
    listen: loopback(catalogProxyPort(ports, i + 1)),
    upstream: loopback(catalogPort(ports, i + 1)),
  }));
  return [
    ...catalog,
    { name: 'gateway-pricing', listen: loopback(ports.proxyPricing), upstream: loopback(ports.pricing) },
    { name: 'gateway-orders', listen: loopback(ports.proxyOrders), upstream: loopback(ports.orders) },
    { name: 'catalog-postgres', listen: loopback(ports.proxyCatalogPostgres), upstream: loopback(ports.postgres) },
    { name: 'catalog-redis', listen: loopback(ports.proxyCatalogRedis), upstream: loopback(ports.redis) },
    { name: 'orders-postgres', listen: loopback(ports.proxyOrdersPostgres), upstream: loopback(ports.postgres) },
    { name: 'orders-redis', listen: loopback(ports.proxyOrdersRedis), upstream: loopback(ports.redis) },
    { name: 'worker-redis', listen: loopback(ports.proxyWorkerRedis), upstream: loopback(ports.redis) },
    { name: 'worker-postgres', listen: loopback(ports.proxyWorkerPostgres), upstream: loopback(ports.postgres) },
  ];
}

/** The catalog URLs the gateway balances over: their Toxiproxy listeners. */
export function catalogUpstreams(ports: AppPorts, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `http://${loopback(catalogProxyPort(ports, i + 1))}`);
}

/**
 * V8 grows the young generation with the allocation rate, on Node 24 to 128 MiB of new space
 * (measured on a catalog under load), and shrinks it when idle: resident memory then swings by
 * 100 MiB with the load, which hides a leak from any memory figure (the soak's). Semi-spaces of
 * 16 MiB (the older default) cap new space at 32 MiB, reached within seconds of load.
 */
export const NODE_OPTIONS = '--max-semi-space-size=16';

function spec(ports: AppPorts, options: TopologyOptions, service: ServiceName, instance: string, port: number, env: Record<string, string>): ServiceSpec {
  const switches = options.appConfig?.[service] ?? {};
  return {
    service,
    instance,
    entry: join(SERVICES_DIR, service, 'main.ts'),
    port,
    adminPort: adminPort(port),
    readyPath: '/readyz',
    env: {
      SERVICE_NAME: service,
      SERVICE_INSTANCE: instance,
      NODE_OPTIONS: NODE_OPTIONS,
      PORT: String(port),
      ADMIN_PORT: String(adminPort(port)),
      TELEMETRY: options.telemetry === false ? 'off' : 'on',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlpHttp}`,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: String(options.tracesSampleRatio ?? DEFAULT_TRACES_SAMPLE_RATIO),
      // VictoriaLogs' Loki endpoint; _msg_field: pino's `msg` is the message of each entry
      LOGS_PUSH_URL: `http://127.0.0.1:${ports.victoriaLogs}/insert/loki/api/v1/push?_msg_field=msg`,
      LOG_LEVEL: options.logLevel ?? 'info',
      SWITCHES: JSON.stringify(switches),
      ...(options.secrets ? { ADMIN_TOKEN: options.secrets.adminToken } : {}),
      ...env,
    },
  };
}

/** Every instance to run, in start order. */
export function serviceSpecs(ports: AppPorts, options: TopologyOptions = {}): ServiceSpec[] {
  const replicas = Math.max(1, options.catalogReplicas ?? 1);
  const specs: ServiceSpec[] = [spec(ports, options, 'pricing', 'pricing', ports.pricing, {})];
  for (let i = 1; i <= replicas; i++) {
    specs.push(
      spec(ports, options, 'catalog', `catalog-${i}`, catalogPort(ports, i), {
        DATABASE_URL: postgresUrl(ports.proxyCatalogPostgres, options.secrets),
        REDIS_URL: redisUrl(ports.proxyCatalogRedis),
      }),
    );
  }
  specs.push(
    spec(ports, options, 'orders', 'orders', ports.orders, {
      DATABASE_URL: postgresUrl(ports.proxyOrdersPostgres, options.secrets),
      REDIS_URL: redisUrl(ports.proxyOrdersRedis),
    }),
    spec(ports, options, 'worker', 'worker', ports.worker, { REDIS_URL: redisUrl(ports.proxyWorkerRedis), DATABASE_URL: postgresUrl(ports.proxyWorkerPostgres, options.secrets) }),
    spec(ports, options, 'gateway', 'gateway', ports.gateway, {
      CATALOG_URLS: catalogUpstreams(ports, replicas).join(','),
      PRICING_URL: `http://${loopback(ports.proxyPricing)}`,
      ORDERS_URL: `http://${loopback(ports.proxyOrders)}`,
      CATALOG_UPSTREAM_PORTS: `${catalogProxyPort(ports, 1)}-${catalogProxyPort(ports, MAX_CATALOG_INSTANCES)}`,
      ...(options.secrets ? { JWT_SECRET: options.secrets.jwtSecret } : {}),
      // the edge: a caller's traceparent does not decide what is traced (platform/edge-sampler.ts)
      OTEL_TRACES_SAMPLER: 'faultline_edge',
    }),
  );
  return specs;
}
