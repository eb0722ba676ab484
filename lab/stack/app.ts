/**
 * The target-app services on top of the infrastructure: their Toxiproxy proxies, the schema, one
 * detached Node 24 process per instance, their scrape targets, and catalog instances added and
 * removed at run time (the gateway learns of them through its admin API).
 */
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { adminAuthorization, type LabSecrets } from '../secrets.ts';
import { MAX_CATALOG_INSTANCES } from '../ports.ts';
import { databaseUrl } from './components/postgres.ts';
import { NODE_BIN, type StackContext } from './context.ts';
import { waitHealthy } from './health.ts';
import { httpOk, httpRequest } from './http.ts';
import { assertPortsFree, type PortClaim } from './port-check.ts';
import { logFile, readPidFile, spawnDetached, stopRecorded } from './processes.ts';
import { APP_STOP_GRACE_MS, allOrNothing, type Progress } from './supervisor.ts';
import { writeTargets } from './targets.ts';
import { listenPort, prepareDatabase, type ProxyDefinition, type SeedRequest, type ServiceSpec, type Topology, type TopologyOptions } from './topology.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';

const APP_START_TIMEOUT_MS = 30_000;

export interface AppRuntime {
  readonly ctx: StackContext;
  readonly topology: Topology;
  /** Options for topology.ts beyond the replica count: switches, telemetry, log level. */
  readonly options: Omit<TopologyOptions, 'catalogReplicas' | 'secrets'>;
  /** Handed to the app in its env, never written to the state file. */
  readonly secrets: LabSecrets;
  /** Indexes of the catalog instances that run now (catalog-1 is 1). */
  catalog: number[];
  readonly seed: SeedRequest;
  readonly progress: Progress;
}

function catalogIndex(instance: string): number {
  return Number(/-(\d+)$/.exec(instance)?.[1] ?? 0);
}

/** The instances that run now, in start order. */
export function currentSpecs(rt: AppRuntime): ServiceSpec[] {
  const replicas = Math.max(1, ...rt.catalog);
  return rt.topology
    .serviceSpecs(rt.ctx.ports, { ...rt.options, secrets: rt.secrets, catalogReplicas: replicas })
    .filter((s) => s.service !== 'catalog' || rt.catalog.includes(catalogIndex(s.instance)));
}

function currentProxies(rt: AppRuntime): ProxyDefinition[] {
  const replicas = Math.max(1, ...rt.catalog);
  return rt.topology.proxySpecs(rt.ctx.ports, replicas).filter((p) => !/^gateway-catalog-\d+$/.test(p.name) || rt.catalog.includes(catalogIndex(p.name)));
}

function specClaims(spec: ServiceSpec): PortClaim[] {
  return [
    { port: spec.port, owner: spec.instance },
    { port: spec.adminPort, owner: `${spec.instance} admin` },
  ];
}

export function appClaims(rt: AppRuntime): PortClaim[] {
  return [...currentSpecs(rt).flatMap(specClaims), ...currentProxies(rt).map((p) => ({ port: listenPort(p.listen), owner: `toxiproxy proxy ${p.name}` }))];
}

function appEnv(ctx: StackContext, spec: ServiceSpec): NodeJS.ProcessEnv {
  // a clean environment: a service is configured only through the env its spec gives it
  return { PATH: ctx.env.PATH, HOME: ctx.env.HOME, LANG: ctx.env.LANG ?? 'C.UTF-8', ...spec.env };
}

async function startInstance(rt: AppRuntime, spec: ServiceSpec, signal?: AbortSignal): Promise<void> {
  const { child } = spawnDetached(rt.ctx, {
    name: spec.instance,
    kind: 'app',
    command: NODE_BIN,
    args: [spec.entry],
    env: appEnv(rt.ctx, spec),
    cwd: PROJECT_ROOT,
    port: spec.port,
  });
  const ms = await waitHealthy({
    name: spec.instance,
    child,
    logPath: logFile(rt.ctx, spec.instance),
    timeoutMs: APP_START_TIMEOUT_MS,
    probe: async () => void (await httpOk(`http://127.0.0.1:${spec.port}${spec.readyPath}`, 1000)),
    signal,
  });
  rt.progress(`${spec.instance} ready in ${(ms / 1000).toFixed(1)} s`);
}

function writeAppTargets(rt: AppRuntime): void {
  writeTargets(
    rt.ctx,
    'app',
    currentSpecs(rt).map((s) => ({ address: `127.0.0.1:${s.metricsPort ?? s.port}`, job: s.service, instance: s.instance, ...(s.metricsPath ? { metricsPath: s.metricsPath } : {}) })),
  );
}

/** Proxies first (services reach everything through them), then the schema, then each service in spec order. */
export async function startApp(rt: AppRuntime, signal?: AbortSignal): Promise<void> {
  await new ToxiproxyClient(rt.ctx.ports.toxiproxy).populate(currentProxies(rt));
  for (const line of await prepareDatabase(rt.ctx.env, databaseUrl(rt.ctx), rt.seed)) rt.progress(line);
  const specs = currentSpecs(rt);
  const services = [...new Set(specs.map((s) => s.service))];
  for (const service of services) {
    // replicas of one service start side by side; services start in the topology's order
    await allOrNothing(specs.filter((s) => s.service === service), signal, (spec, s) => startInstance(rt, spec, s));
  }
  writeAppTargets(rt);
}

function specNamed(rt: AppRuntime, instance: string): ServiceSpec {
  const spec = currentSpecs(rt).find((s) => s.instance === instance);
  if (!spec) throw new LabError('LAB_ERR_UNKNOWN_INSTANCE', `no app instance is named ${instance}: known are ${currentSpecs(rt).map((s) => s.instance).join(', ')}`);
  return spec;
}

/** Stops an instance (if it runs) and starts it again, waiting until it is ready. */
export async function restartInstance(rt: AppRuntime, instance: string): Promise<void> {
  const spec = specNamed(rt, instance);
  const record = readPidFile(rt.ctx, instance);
  if (record) await stopRecorded(rt.ctx, record, APP_STOP_GRACE_MS);
  await startInstance(rt, spec);
}

/** Tells the gateway which catalog instances to balance over (through their Toxiproxy listeners). */
async function announceCatalog(rt: AppRuntime): Promise<void> {
  const gateway = currentSpecs(rt).find((s) => s.service === 'gateway');
  if (!gateway) return;
  const urls = currentProxies(rt)
    .filter((p) => /^gateway-catalog-\d+$/.test(p.name))
    .map((p) => `http://${p.listen}`);
  const res = await httpRequest('PUT', `http://127.0.0.1:${gateway.adminPort}/admin/upstreams/catalog`, { urls }, { headers: adminAuthorization(rt.secrets) });
  if (res.status < 200 || res.status > 299) throw new LabError('LAB_ERR_APP', `the gateway refused the catalog upstreams (${res.status}): ${res.body.slice(0, 200)}`);
}

export async function addCatalogInstance(rt: AppRuntime): Promise<string> {
  if (rt.catalog.length >= MAX_CATALOG_INSTANCES) {
    throw new LabError('LAB_ERR_TOO_MANY_REPLICAS', `catalog already runs ${rt.catalog.length} instances, the lab's most (MAX_CATALOG_INSTANCES)`);
  }
  let index = 1;
  while (rt.catalog.includes(index)) index += 1;
  const next: AppRuntime = { ...rt, catalog: [...rt.catalog, index].sort((a, b) => a - b) };
  const spec = specNamed(next, `catalog-${index}`);
  const proxy = currentProxies(next).find((p) => p.name === `gateway-catalog-${index}`);
  await assertPortsFree([...specClaims(spec), ...(proxy ? [{ port: listenPort(proxy.listen), owner: `toxiproxy proxy ${proxy.name}` }] : [])]);
  if (proxy) await new ToxiproxyClient(rt.ctx.ports.toxiproxy).populate([proxy]);
  await startInstance(rt, spec);
  rt.catalog = next.catalog;
  writeAppTargets(rt);
  await announceCatalog(rt);
  return spec.instance;
}

/** Removes catalog instance i (default: the highest): the gateway stops using it first, then it drains and stops. */
export async function removeCatalogInstance(rt: AppRuntime, index = Math.max(...rt.catalog)): Promise<void> {
  if (!rt.catalog.includes(index)) throw new LabError('LAB_ERR_UNKNOWN_INSTANCE', `catalog-${index} does not run (running: ${rt.catalog.map((i) => `catalog-${i}`).join(', ')})`);
  if (rt.catalog.length === 1) throw new LabError('LAB_ERR_TOO_FEW_REPLICAS', `catalog-${index} is the last catalog instance: at least one must run`);
  rt.catalog = rt.catalog.filter((i) => i !== index);
  await announceCatalog(rt);
  writeAppTargets(rt);
  const record = readPidFile(rt.ctx, `catalog-${index}`);
  if (record) await stopRecorded(rt.ctx, record, APP_STOP_GRACE_MS);
  await new ToxiproxyClient(rt.ctx.ports.toxiproxy).deleteProxy(`gateway-catalog-${index}`);
}
