/**
 * The one port map of the lab. Every listener binds to 127.0.0.1; every port here
 * shifts together by LAB_PORT_OFFSET so that two labs can run side by side on one
 * machine, and any single port can be set with LAB_PORT_<NAME> (e.g. LAB_PORT_GATEWAY).
 */

const defaults = {
  // target-app services (public ports); each has an admin port at +100
  gateway: 8080,
  catalog: 8081, // catalog-1; catalog-i listens on catalog + i - 1 (8081..8088)
  pricing: 8089,
  orders: 8091,
  worker: 8092,
  // Toxiproxy listeners: one per faultable edge
  proxyCatalog: 8281, // gateway -> catalog-i on proxyCatalog + i - 1 (8281..8288)
  proxyPricing: 8289,
  proxyOrders: 8291,
  proxyCatalogPostgres: 8293,
  proxyOrdersPostgres: 8294,
  proxyCatalogRedis: 8295,
  proxyWorkerRedis: 8296,
  proxyOrdersRedis: 8297,
  proxyWorkerPostgres: 8298,
  // infrastructure
  postgres: 15432,
  redis: 16379,
  prometheus: 9090,
  labMetrics: 9091, // the runner's own /metrics (faultline_fault_active, ...)
  toxiproxy: 8474,
  victoriaLogs: 9428, // VictoriaLogs: Loki push ingest, LogsQL queries, its web UI
  jaegerQuery: 16686,
  jaegerQueryGrpc: 16685, // Jaeger's query gRPC API: opened whether used or not, so bound here
  otlpGrpc: 4317,
  otlpHttp: 4318,
  jaegerHealth: 13133,
  jaegerMetrics: 8888,
  grafana: 3000, // compose only
} as const;

export type PortName = keyof typeof defaults;
export type PortMap = { readonly [K in PortName]: number };

export class PortMapError extends Error {
  readonly code = 'LAB_ERR_PORT_MAP';
}

function envName(name: string): string {
  return `LAB_PORT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function parsePort(raw: string, what: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PortMapError(`${what}=${raw} is not a port: set it to a whole number from 1 to 65535`);
  }
  return port;
}

/** The port map in force, from the defaults, LAB_PORT_OFFSET and LAB_PORT_<NAME> overrides. */
export function resolvePorts(env: NodeJS.ProcessEnv = process.env): PortMap {
  const offset = env.LAB_PORT_OFFSET ? parsePort(env.LAB_PORT_OFFSET, 'LAB_PORT_OFFSET') : 0;
  const map = {} as Record<PortName, number>;
  for (const [name, port] of Object.entries(defaults) as [PortName, number][]) {
    const override = env[envName(name)];
    map[name] = override ? parsePort(override, envName(name)) : port + offset;
    if (map[name] > 65535) throw new PortMapError(`LAB_PORT_OFFSET=${offset} pushes ${name} past 65535: use a smaller offset`);
  }
  return map;
}

// Where catalog instances and admin ports sit is the app's published contract; the lab reads it there.
export { ADMIN_PORT_OFFSET, MAX_CATALOG_INSTANCES, adminPort, catalogPort, catalogProxyPort } from '../target-app/src/contracts/topology.ts';
