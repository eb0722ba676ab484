/**
 * The gateway tests' lab: the native stack's infrastructure (real Postgres, Redis, Toxiproxy,
 * Prometheus) in the lane of LAB_PORT_OFFSET/LAB_DIR, the topology's proxies, and the services
 * the test needs built in-process with createApp on their port-map ports, so every call between
 * them goes through the same Toxiproxy listeners as in a scenario.
 */
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { resolvePorts, type PortMap } from '../../lab/ports.ts';
import { startStack, type StackHandle } from '../../lab/stack/index.ts';
import { testServiceConfig, type ServiceConfig } from '../src/platform/config.ts';
import type { Service, SwitchSchema } from '../src/platform/index.ts';
import { createApp as createCatalog, type CatalogConfig } from '../src/services/catalog/app.ts';
import { createApp as createGateway } from '../src/services/gateway/app.ts';
import { loadConfig as loadGatewayConfig, type GatewaySwitches } from '../src/services/gateway/config.ts';
import { createApp as createPricing } from '../src/services/pricing/app.ts';
import { catalogUpstreams, proxySpecs, serviceSpecs } from '../src/topology.ts';
import { migrate, seed } from '../src/db/index.ts';
import { servicesUrl } from '../../lab/stack/components/postgres-roles.ts';
import { adminHeaders } from './admin-calls.ts';

export interface GatewayLab {
  ports: PortMap;
  stack: StackHandle;
  toxiproxy: ToxiproxyClient;
  gateway: Service<SwitchSchema>;
  pricing: Service<SwitchSchema>;
  catalogs: Service<SwitchSchema>[];
  /** http://127.0.0.1:<gateway port> */
  url: string;
  stop(): Promise<void>;
}

function configOf(ports: PortMap, instance: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  const spec = serviceSpecs(ports, { catalogReplicas: 2 }).find((s) => s.instance === instance)!;
  return testServiceConfig(spec.service, { instance, port: spec.port, adminPort: spec.adminPort, ...overrides });
}

function gatewaySpecEnv(ports: PortMap): Record<string, string> {
  return serviceSpecs(ports, { catalogReplicas: 2 }).find((s) => s.service === 'gateway')!.env;
}

export async function startGatewayLab(options: { catalogReplicas?: number; gatewaySwitches?: Partial<GatewaySwitches>; env?: NodeJS.ProcessEnv } = {}): Promise<GatewayLab> {
  const env = options.env ?? process.env;
  const replicas = options.catalogReplicas ?? 0;
  const stack = await startStack({ env, withApp: false });
  const ports = resolvePorts(env);
  const services: Service<SwitchSchema>[] = [];
  try {
    const toxiproxy = new ToxiproxyClient(ports.toxiproxy);
    await toxiproxy.populate(proxySpecs(ports, Math.max(1, replicas)));
    const catalogs: Service<SwitchSchema>[] = [];
    if (replicas > 0) {
      const db = servicesUrl({ port: ports.postgres, secrets: stack.secrets });
      await migrate(db);
      await seed(db, { products: 10_000 });
      for (let i = 1; i <= replicas; i++) {
        const config: CatalogConfig = {
          service: configOf(ports, `catalog-${i}`),
          databaseUrl: servicesUrl({ port: ports.proxyCatalogPostgres, secrets: stack.secrets }),
          redisUrl: `redis://127.0.0.1:${ports.proxyCatalogRedis}`,
          dbPoolSize: 10,
          redisCommandTimeoutMs: 1_000,
        };
        const catalog = createCatalog(config) as unknown as Service<SwitchSchema>;
        services.push(catalog);
        await catalog.listen();
        catalogs.push(catalog);
      }
    }
    const pricing = createPricing({ service: configOf(ports, 'pricing') }) as unknown as Service<SwitchSchema>;
    services.push(pricing);
    await pricing.listen();
    const gateway = createGateway({
      service: configOf(ports, 'gateway', { switches: options.gatewaySwitches ?? {} }),
      catalogUrls: catalogUpstreams(ports, replicas),
      // the upstream ports the topology hands the gateway, read the way the gateway reads them
      catalogUpstreamPorts: loadGatewayConfig({ ...gatewaySpecEnv(ports), JWT_SECRET: stack.secrets.jwtSecret }).catalogUpstreamPorts,
      pricingUrl: `http://127.0.0.1:${ports.proxyPricing}`,
      ordersUrl: `http://127.0.0.1:${ports.proxyOrders}`,
      jwtSecret: stack.secrets.jwtSecret,
    }) as unknown as Service<SwitchSchema>;
    services.push(gateway);
    await gateway.listen();
    return {
      ports,
      stack,
      toxiproxy,
      gateway,
      pricing,
      catalogs,
      url: `http://127.0.0.1:${gateway.port}`,
      async stop() {
        for (const s of services.reverse()) await s.shutdown();
        await stack.stop();
      },
    };
  } catch (error) {
    for (const s of services.reverse()) await s.shutdown().catch(() => {});
    await stack.stop();
    throw error;
  }
}

/** PATCH /admin/config on a service's admin port; throws on a non-2xx answer. */
export async function patchSwitches(service: Service<SwitchSchema>, switches: Record<string, unknown>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${service.adminPort}/admin/config`, {
    method: 'PATCH',
    headers: adminHeaders,
    body: JSON.stringify(switches),
  });
  if (!res.ok) throw new Error(`PATCH /admin/config answered ${res.status}: ${await res.text()}`);
}

/**
 * The value of one series in a service's /metrics (text format). A series that is not there
 * throws: a missing series must not read as a zero that a `toBe(0)` would accept.
 */
export async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`${url}/metrics has no series ${series}`);
  return Number(line.slice(series.length + 1));
}

/**
 * A counter's value for a before/after difference: a label set not yet counted has no series,
 * which is 0. Only for differences asserted to grow, which a missing series cannot fake.
 */
export async function counterValue(url: string, series: string): Promise<number> {
  return await metricValue(url, series).catch(() => 0);
}
