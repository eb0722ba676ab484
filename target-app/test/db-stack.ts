/**
 * The data services' tests' lab: the native stack's infrastructure (lab/stack startStack, no app)
 * in the lane of LAB_PORT_OFFSET / LAB_DIR, with the topology's Toxiproxy proxies, the schema
 * migrated and the catalog seeded. Tests build catalog, orders and worker in-process with
 * createApp and point them at the same proxy listeners a scenario uses (`edges`), and check
 * what happened directly in PostgreSQL and Redis (`databaseUrl`, `redisUrl`).
 */
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import type { PortMap } from '../../lab/ports.ts';
import { servicesUrl, type Server } from '../../lab/stack/components/postgres-roles.ts';
import { startStack } from '../../lab/stack/index.ts';
import { migrate, seed } from '../src/db/index.ts';
import { proxySpecs } from '../src/topology.ts';

export type DataLab = {
  ports: PortMap;
  /** PostgreSQL and Redis themselves, for the test's own checks (as the services' role). */
  databaseUrl: string;
  /** The lab's PostgreSQL and its secrets, for scratch databases (postgres-roles.ts). */
  postgres: Server;
  redisUrl: string;
  /** What each service is given: its Toxiproxy listeners (proxy names catalog-postgres, ...). */
  edges: {
    catalog: { databaseUrl: string; redisUrl: string };
    orders: { databaseUrl: string; redisUrl: string };
    worker: { databaseUrl: string; redisUrl: string };
  };
  toxiproxy: ToxiproxyClient;
  stop(): Promise<void>;
};

const redisAt = (port: number) => `redis://127.0.0.1:${port}`;

export async function startDataLab(env: NodeJS.ProcessEnv = process.env): Promise<DataLab> {
  const stack = await startStack({ env, withApp: false });
  try {
    const { ports } = stack;
    const toxiproxy = new ToxiproxyClient(ports.toxiproxy);
    await toxiproxy.populate(proxySpecs(ports, 1));
    const postgresAt = (port: number): string => servicesUrl({ port, secrets: stack.secrets });
    const databaseUrl = postgresAt(ports.postgres);
    await migrate(databaseUrl);
    await seed(databaseUrl, { products: 10_000 });
    return {
      ports,
      databaseUrl,
      postgres: { port: ports.postgres, secrets: stack.secrets },
      redisUrl: redisAt(ports.redis),
      edges: {
        catalog: { databaseUrl: postgresAt(ports.proxyCatalogPostgres), redisUrl: redisAt(ports.proxyCatalogRedis) },
        orders: { databaseUrl: postgresAt(ports.proxyOrdersPostgres), redisUrl: redisAt(ports.proxyOrdersRedis) },
        worker: { databaseUrl: postgresAt(ports.proxyWorkerPostgres), redisUrl: redisAt(ports.proxyWorkerRedis) },
      },
      toxiproxy,
      async stop() {
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
