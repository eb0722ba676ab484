/**
 * How the app is run (contract 2), published by the app for whoever runs it: the ports it is
 * handed, the instances to spawn with the env that is their whole configuration, and the
 * Toxiproxy proxies every faultable edge goes through. The lab fills the ports in and spawns
 * what `serviceSpecs` lists; the app knows nothing of the lab beyond this shape.
 */

/** The ports the app is handed (127.0.0.1); the runner's port map has these and more. */
export interface AppPorts {
  readonly gateway: number;
  /** catalog-1; catalog-i listens on catalog + i - 1 */
  readonly catalog: number;
  readonly pricing: number;
  readonly orders: number;
  readonly worker: number;
  /** the proxy in front of catalog-1; catalog-i's on proxyCatalog + i - 1 */
  readonly proxyCatalog: number;
  readonly proxyPricing: number;
  readonly proxyOrders: number;
  readonly proxyCatalogPostgres: number;
  readonly proxyOrdersPostgres: number;
  readonly proxyCatalogRedis: number;
  readonly proxyWorkerRedis: number;
  readonly proxyOrdersRedis: number;
  readonly proxyWorkerPostgres: number;
  readonly postgres: number;
  readonly redis: number;
  readonly otlpHttp: number;
  readonly victoriaLogs: number;
}

/** One Toxiproxy proxy (the shape of Toxiproxy's API). */
export interface ProxyDefinition {
  name: string;
  /** host:port Toxiproxy listens on */
  listen: string;
  /** host:port it forwards to */
  upstream: string;
  enabled?: boolean;
}

/** One instance of a service, as the runner spawns it: `node <entry>` with `env`. */
export interface ServiceSpec {
  service: string;
  instance: string;
  /** Absolute path of the service's main.ts. */
  entry: string;
  env: Record<string, string>;
  port: number;
  adminPort: number;
  readyPath: string;
  /** Where Prometheus scrapes it (default: the public port, /metrics). */
  metricsPort?: number;
  metricsPath?: string;
}

/** The secrets one lab shares with its app: generated per lab, never constants. */
export interface LabSecrets {
  /** Bearer token every admin call must carry (ADMIN_TOKEN). */
  adminToken: string;
  /** HS256 key of the gateway's customer tokens (JWT_SECRET). */
  jwtSecret: string;
  /** Password of the services' database role `faultline` (in DATABASE_URL). */
  databasePassword: string;
}

export interface TopologyOptions {
  /** Catalog instances (catalog-1..n); default 1. */
  catalogReplicas?: number;
  /** Initial runtime switches per service (becomes the SWITCHES env JSON). */
  appConfig?: Record<string, Record<string, unknown>>;
  /** Telemetry of every service (TELEMETRY=on|off); default on. */
  telemetry?: boolean;
  /** Log level of every service; default info. */
  logLevel?: string;
  /** Share of new traces sampled; default 0.1 (see target-app/src/topology.ts). */
  tracesSampleRatio?: number;
  /** The lab's secrets; without them the admin API and order routes refuse every call. */
  secrets?: LabSecrets;
}

/** What a topology module exports. */
export interface Topology {
  serviceSpecs(ports: AppPorts, options: TopologyOptions): ServiceSpec[];
  proxySpecs(ports: AppPorts, replicas: number): ProxyDefinition[];
}

/** How many catalog instances the app can run at once (the autoscaler's ceiling): the span of its upstream ports. */
export const MAX_CATALOG_INSTANCES = 8;

/** Offset between a service's public port and its loopback-only admin port. */
export const ADMIN_PORT_OFFSET = 100;

/** Public port of catalog instance i (1-based). */
export function catalogPort(ports: Pick<AppPorts, 'catalog'>, instance: number): number {
  return ports.catalog + instance - 1;
}

/** Toxiproxy listener in front of catalog instance i (1-based). */
export function catalogProxyPort(ports: Pick<AppPorts, 'proxyCatalog'>, instance: number): number {
  return ports.proxyCatalog + instance - 1;
}

export function adminPort(publicPort: number): number {
  return publicPort + ADMIN_PORT_OFFSET;
}
