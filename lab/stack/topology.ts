/**
 * The target app as the stack sees it: target-app/src/topology.ts lists the service instances
 * (in start order) and the Toxiproxy proxies between them, in the shape the app publishes
 * (target-app/src/contracts/topology.ts); the stack spawns what it lists.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { resolvePorts } from '../ports.ts';
import type { Topology } from '../../target-app/src/contracts/topology.ts';

export type { ProxyDefinition, ServiceSpec, Topology, TopologyOptions } from '../../target-app/src/contracts/topology.ts';

export const TOPOLOGY_PATH = join(PROJECT_ROOT, 'target-app', 'src', 'topology.ts');

/** The topology module in force: FAULTLINE_TOPOLOGY (a stand-in app, for the stack's own tests) or target-app's. */
function topologyPath(env: NodeJS.ProcessEnv): string {
  return env.FAULTLINE_TOPOLOGY ?? TOPOLOGY_PATH;
}

/** True when topology.ts and every service entry it names exist: the default for starting the app. */
export async function appAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!existsSync(topologyPath(env))) return false;
  try {
    const topology = await loadTopology(env);
    return topology.serviceSpecs(resolvePorts({}), { catalogReplicas: 1, appConfig: {} }).every((s) => existsSync(s.entry));
  } catch {
    return false;
  }
}

export async function loadTopology(env: NodeJS.ProcessEnv = process.env): Promise<Topology> {
  const path = topologyPath(env);
  if (!existsSync(path)) throw new LabError('LAB_ERR_NO_APP', `the target app is not there (${path} is missing): start the stack without the app (--no-app)`);
  const module = (await import(pathToFileURL(path).href)) as Partial<Topology>;
  if (typeof module.serviceSpecs !== 'function' || typeof module.proxySpecs !== 'function') {
    throw new LabError('LAB_ERR_NO_APP', `${path} must export serviceSpecs(ports, options) and proxySpecs(ports, replicas)`);
  }
  return module as Topology;
}

/** What the stack seeds after the migration: nothing, or target-app's seed with these options. */
export type SeedRequest = false | { products?: number };

/** The app's schema migration (and seed, when asked), when db/index.ts beside topology.ts exports them: both idempotent. */
export async function prepareDatabase(env: NodeJS.ProcessEnv, databaseUrl: string, seed: SeedRequest): Promise<string[]> {
  const dbModule = join(dirname(topologyPath(env)), 'db', 'index.ts');
  if (!existsSync(dbModule)) return [];
  const module = (await import(pathToFileURL(dbModule).href)) as {
    migrate?: (url: string) => Promise<unknown>;
    seed?: (url: string, options: { products?: number }) => Promise<{ products: number }>;
  };
  const done: string[] = [];
  if (typeof module.migrate === 'function') {
    await module.migrate(databaseUrl);
    done.push('database schema migrated');
  }
  if (seed && typeof module.seed === 'function') {
    const result = await module.seed(databaseUrl, seed);
    done.push(`database seeded (${result.products} products inserted)`);
  }
  return done;
}

/** "127.0.0.1:8281" -> 8281 */
export function listenPort(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
