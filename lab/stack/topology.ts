/**
 * The target app as the stack sees it: target-app/src/topology.ts lists the service instances
 * (in start order) and the Toxiproxy proxies between them; the stack spawns what it lists.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../errors.ts';
import { PROJECT_ROOT } from '../paths.ts';
import type { PortMap } from '../ports.ts';
import type { ProxyDefinition } from './toxiproxy-api.ts';

/** One instance of a service, as topology.ts describes it. */
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

export interface TopologyOptions {
  catalogReplicas: number;
  appConfig: Record<string, Record<string, unknown>>;
}

export interface Topology {
  serviceSpecs(ports: PortMap, options: TopologyOptions): ServiceSpec[];
  proxySpecs(ports: PortMap, replicas: number): ProxyDefinition[];
}

export const TOPOLOGY_PATH = join(PROJECT_ROOT, 'target-app', 'src', 'topology.ts');
const DB_MODULE_PATH = join(PROJECT_ROOT, 'target-app', 'src', 'db', 'index.ts');

export function topologyExists(): boolean {
  return existsSync(TOPOLOGY_PATH);
}

export async function loadTopology(): Promise<Topology> {
  if (!topologyExists()) throw new LabError('LAB_ERR_NO_APP', `the target app is not there (${TOPOLOGY_PATH} is missing): start the stack without the app`);
  const module = (await import(pathToFileURL(TOPOLOGY_PATH).href)) as Partial<Topology>;
  if (typeof module.serviceSpecs !== 'function' || typeof module.proxySpecs !== 'function') {
    throw new LabError('LAB_ERR_NO_APP', `${TOPOLOGY_PATH} must export serviceSpecs(ports, options) and proxySpecs(ports, replicas)`);
  }
  return module as Topology;
}

/** The app's schema migration, when target-app/src/db exports one (idempotent). */
export async function migrateDatabase(databaseUrl: string): Promise<boolean> {
  if (!existsSync(DB_MODULE_PATH)) return false;
  const module = (await import(pathToFileURL(DB_MODULE_PATH).href)) as { migrate?: (url: string) => Promise<void> };
  if (typeof module.migrate !== 'function') return false;
  await module.migrate(databaseUrl);
  return true;
}

/** "127.0.0.1:8281" -> 8281 */
export function listenPort(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
