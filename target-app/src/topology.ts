/**
 * The target app as the lab runs it (contract 2): every service instance with the env that is
 * its whole configuration, in start order, and the Toxiproxy proxies every edge goes through.
 * The stack spawns `node_modules/.bin/node <entry>` with `env`; chaos/ faults the proxies by name.
 */
import { join } from 'node:path';
import { catalogPort, catalogProxyPort, adminPort, type PortMap } from '../../lab/ports.ts';
import type { ServiceSpec } from '../../lab/stack/topology.ts';
import type { ProxyDefinition as ProxySpec } from '../../lab/stack/toxiproxy-api.ts';
import { LAB_JWT_SECRET } from './platform/auth.ts';

// The stack's side of contract 2 is the one definition of a spec; this module fills it in.
export type { ServiceSpec } from '../../lab/stack/topology.ts';
export type { ProxyDefinition as ProxySpec } from '../../lab/stack/toxiproxy-api.ts';

export interface TopologyOptions {
  /** Catalog instances (catalog-1..n); default 1. */
  catalogReplicas?: number;
  /** Initial runtime switches per service (becomes the SWITCHES env JSON). */
  appConfig?: Record<string, Record<string, unknown>>;
  /** Telemetry of every service (TELEMETRY=on|off); default on. */
  telemetry?: boolean;
  /** Log level of every service; default info. */
  logLevel?: string;
  /**
   * Share of new traces sampled (parent-based: a sampled caller's trace stays whole); default 0.1.
   * bench/telemetry.bench.ts measured tracing every request at about a fifth of the CPU per
   * request, a tenth at a few percent, and a tenth still gives dozens of traces a second.
   */
  tracesSampleRatio?: number;
}

/** Start order: dependencies first, the gateway last. */
export const SERVICES = ['pricing', 'catalog', 'orders', 'worker', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

const SERVICES_DIR = join(import.meta.dirname, 'services');
const DATABASE = 'faultline';

const loopback = (port: number) => `127.0.0.1:${port}`;
const postgresUrl = (port: number) => `postgres://${DATABASE}@127.0.0.1:${port}/${DATABASE}`;
const redisUrl = (port: number) => `redis://127.0.0.1:${port}`;

/** Every faultable edge; catalog edges for instances 1..replicas. */
export function proxySpecs(ports: PortMap, replicas = 1): ProxySpec[] {
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
  ];
}

/** The catalog URLs the gateway balances over: their Toxiproxy listeners. */
export function catalogUpstreams(ports: PortMap, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `http://${loopback(catalogProxyPort(ports, i + 1))}`);
}

function spec(ports: PortMap, options: TopologyOptions, service: ServiceName, instance: string, port: number, env: Record<string, string>): ServiceSpec {
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
      PORT: String(port),
      ADMIN_PORT: String(adminPort(port)),
      TELEMETRY: options.telemetry === false ? 'off' : 'on',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlpHttp}`,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: String(options.tracesSampleRatio ?? 0.1),
      // VictoriaLogs' Loki endpoint; _msg_field: pino's `msg` is the message of each entry
      LOGS_PUSH_URL: `http://127.0.0.1:${ports.victoriaLogs}/insert/loki/api/v1/push?_msg_field=msg`,
      LOG_LEVEL: options.logLevel ?? 'info',
      SWITCHES: JSON.stringify(switches),
      ...env,
    },
  };
}

/** Every instance to run, in start order. */
export function serviceSpecs(ports: PortMap, options: TopologyOptions = {}): ServiceSpec[] {
  const replicas = Math.max(1, options.catalogReplicas ?? 1);
  const specs: ServiceSpec[] = [spec(ports, options, 'pricing', 'pricing', ports.pricing, {})];
  for (let i = 1; i <= replicas; i++) {
    specs.push(
      spec(ports, options, 'catalog', `catalog-${i}`, catalogPort(ports, i), {
        DATABASE_URL: postgresUrl(ports.proxyCatalogPostgres),
        REDIS_URL: redisUrl(ports.proxyCatalogRedis),
      }),
    );
  }
  specs.push(
    spec(ports, options, 'orders', 'orders', ports.orders, {
      DATABASE_URL: postgresUrl(ports.proxyOrdersPostgres),
      REDIS_URL: redisUrl(ports.proxyOrdersRedis),
    }),
    spec(ports, options, 'worker', 'worker', ports.worker, { REDIS_URL: redisUrl(ports.proxyWorkerRedis) }),
    spec(ports, options, 'gateway', 'gateway', ports.gateway, {
      CATALOG_URLS: catalogUpstreams(ports, replicas).join(','),
      PRICING_URL: `http://${loopback(ports.proxyPricing)}`,
      ORDERS_URL: `http://${loopback(ports.proxyOrders)}`,
      JWT_SECRET: LAB_JWT_SECRET,
    }),
  );
  return specs;
}
