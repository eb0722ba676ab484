/**
 * LAB_RUNTIME=compose: the stack of docker-compose.yml behind the same startStack/stopStack
 * interface as the native one. testcontainers' DockerComposeEnvironment brings the services up and
 * waits on each one's healthcheck; the lab then does what it does natively between the
 * infrastructure and the app (Toxiproxy's proxies, the schema and seed) with the same code.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, Wait, getContainerRuntimeClient } from 'testcontainers';
import { LabError } from '../../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../../paths.ts';
import * as app from '../app.ts';
import { databaseUrl, provisionServicesDatabase } from '../components/postgres.ts';
import { stackContext, type StackContext } from '../context.ts';
import { interrupted } from '../health.ts';
import type { StackHandle, StartOptions } from '../index.ts';
import { assertPortsFree } from '../port-check.ts';
import { readState, removeState, writeState, type StackState } from '../state.ts';
import type { ComponentStatus } from '../status.ts';
import { infraClaims, stopRecordedProcesses } from '../supervisor.ts';
import { appAvailable, loadTopology, prepareDatabase, type TopologyOptions } from '../topology.ts';
import { ToxiproxyClient } from '../../../chaos/toxiproxy.ts';
import { ensureLabSecrets } from '../../secrets.ts';
import { ensureEngine, pingSocket } from './engine.ts';
import { COMPOSE_APP_INSTANCES, DEFAULT_INPUTS_DIR, composeAppSpecs, writeComposeInputs } from './inputs.ts';
import { COMPOSE_FILE, COMPOSE_INFRA, composeVariables, downProject, projectContainers, projectName } from './project.ts';
import { readProjectRecord, removeProjectRecord, writeProjectRecord } from './record.ts';

const START_TIMEOUT_MS = 120_000;
const APP_STOP_GRACE_S = 8;

async function missingImages(ctx: StackContext, services: readonly string[]): Promise<string[]> {
  const vars = composeVariables(ctx.ports, DEFAULT_INPUTS_DIR); // the lab's own inputs are not written yet
  const { stdout } = await promisify(execFile)('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--images', ...services], { cwd: PROJECT_ROOT, env: { ...process.env, ...vars } });
  const client = await getContainerRuntimeClient();
  const missing: string[] = [];
  for (const image of stdout.split('\n').filter(Boolean)) {
    await client.container.dockerode.getImage(image).inspect().catch(() => missing.push(image));
  }
  return missing;
}

/** keep: leave running services as they are (compose up --no-recreate). */
function composeEnvironment(ctx: StackContext, project: string, keep = false): DockerComposeEnvironment {
  const environment = new DockerComposeEnvironment(PROJECT_ROOT, COMPOSE_FILE);
  // withNoRecreate also resets the project name: it must come before withProjectName
  if (keep) environment.withNoRecreate();
  return environment
    .withProjectName(project)
    .withEnvironment(composeVariables(ctx.ports, ctx.dir))
    .withDefaultWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(START_TIMEOUT_MS);
}

interface Running {
  /** service -> container id */
  ids: Map<string, string>;
  /** service -> main process pid on the host */
  pids: Map<string, number>;
}

async function inspectProject(project: string): Promise<Running> {
  const client = await getContainerRuntimeClient();
  const running: Running = { ids: new Map(), pids: new Map() };
  for (const c of await projectContainers({ project, dockerHost: process.env.DOCKER_HOST ?? '', engineOwned: false })) {
    running.ids.set(c.service, c.id);
    const info = await client.container.dockerode.getContainer(c.id).inspect();
    if (info.State.Running && info.State.Pid > 0) running.pids.set(c.service, info.State.Pid);
  }
  return running;
}

/** Where each service answers: the native port map's port for it. */
function servicePort(ctx: StackContext, service: string): number {
  const infra: Record<string, number> = {
    postgres: ctx.ports.postgres,
    redis: ctx.ports.redis,
    toxiproxy: ctx.ports.toxiproxy,
    prometheus: ctx.ports.prometheus,
    jaeger: ctx.ports.jaegerQuery,
    'victoria-logs': ctx.ports.victoriaLogs,
    pricing: ctx.ports.pricing,
    'catalog-1': ctx.ports.catalog,
    orders: ctx.ports.orders,
    worker: ctx.ports.worker,
    gateway: ctx.ports.gateway,
  };
  return infra[service] ?? 0;
}

async function composeStatus(ctx: StackContext, project: string, withApp: boolean): Promise<ComponentStatus[]> {
  const client = await getContainerRuntimeClient();
  const running = await inspectProject(project);
  const rows: ComponentStatus[] = [];
  for (const service of [...COMPOSE_INFRA, ...(withApp ? COMPOSE_APP_INSTANCES : [])]) {
    const id = running.ids.get(service);
    const info = id ? await client.container.dockerode.getContainer(id).inspect() : undefined;
    const health = info?.State.Health?.Status === 'healthy' ? 'healthy' : info?.State.Running ? 'unhealthy' : 'stopped';
    const kind = (COMPOSE_INFRA as readonly string[]).includes(service) ? 'infra' : 'app';
    rows.push({ name: service, kind, port: servicePort(ctx, service), pid: running.pids.get(service) ?? null, health, version: info?.Config.Image ?? '-' });
  }
  return rows;
}

/** `faultline status` of the lab dir's compose project (every row stopped when its engine is gone). */
export async function composeStackStatus(env: NodeJS.ProcessEnv = process.env): Promise<ComponentStatus[]> {
  const base = stackContext(env);
  const state = readState(base);
  const ctx = state ? { ...base, ports: state.ports } : base;
  const record = readProjectRecord(ctx);
  if (!record) return [];
  process.env.DOCKER_HOST = record.dockerHost;
  return composeStatus(ctx, record.project, state?.withApp ?? true);
}

/** Starts the compose stack; on failure or abort everything started is taken down again. */
export async function startComposeStack(options: StartOptions): Promise<StackHandle> {
  const ctx = stackContext(options.env);
  const progress = options.onProgress ?? (() => {});
  readState(ctx);
  const earlier = await stopComposeProject(ctx);
  if (earlier.length > 0) progress(`removed what an earlier compose run left: ${earlier.join(', ')}`);
  if ((options.catalogReplicas ?? 1) !== 1) {
    throw new LabError('LAB_ERR_BAD_REPLICAS', `the compose runtime runs one catalog instance, not ${options.catalogReplicas}: run replicas and autoscaling on the native runtime (unset LAB_RUNTIME)`);
  }
  const withApp = options.withApp ?? (await appAvailable(ctx.env));
  const appOptions: Omit<TopologyOptions, 'catalogReplicas'> = {
    appConfig: options.appConfig ?? {},
    ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  };
  const topology = await loadTopology(ctx.env);
  const secrets = ensureLabSecrets(ctx.env);
  const appRuntime: app.AppRuntime = { ctx, topology, options: appOptions, secrets, catalog: [1], seed: options.seed ?? false, progress };
  await assertPortsFree([...infraClaims(ctx), ...(withApp ? app.appClaims(appRuntime) : [])]);

  const started = Date.now();
  const engine = await ensureEngine(ctx, options.signal);
  process.env.DOCKER_HOST = engine.host;
  if (engine.owned) progress(`docker engine (the lab's own) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const services = [...COMPOSE_INFRA, ...(withApp ? COMPOSE_APP_INSTANCES : [])];
  const missing = await missingImages(ctx, services);
  if (missing.length > 0) throw new LabError('LAB_ERR_NO_IMAGE', `the compose stack's images ${missing.join(', ')} are not built: run \`make images\``);

  const project = projectName(ctx);
  writeComposeInputs(ctx, topology, appOptions, secrets);
  writeProjectRecord(ctx, { project, dockerHost: engine.host, engineOwned: engine.owned });
  const state: StackState = { version: 1, phase: 'starting', ports: ctx.ports, withApp, catalog: withApp ? [1] : [], appOptions, startedAt: new Date().toISOString() };
  writeState(ctx, state);
  try {
    await composeEnvironment(ctx, project).up([...COMPOSE_INFRA]);
    progress(`infrastructure healthy in ${((Date.now() - started) / 1000).toFixed(1)} s (${COMPOSE_INFRA.join(', ')})`);
    if (options.signal?.aborted) throw interrupted();
    await provisionServicesDatabase(ctx);
    const toxiproxy = new ToxiproxyClient(ctx.ports.toxiproxy);
    await toxiproxy.reset();
    if (withApp) {
      await toxiproxy.populate(topology.proxySpecs(ctx.ports, 1));
      for (const line of await prepareDatabase(ctx.env, databaseUrl(ctx), appRuntime.seed)) progress(line);
      if (options.signal?.aborted) throw interrupted();
      await composeEnvironment(ctx, project, true).up([...COMPOSE_APP_INSTANCES]);
      progress(`app ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    await stopComposeStack(ctx.env);
    throw options.signal?.aborted ? interrupted() : error;
  }
  if (options.signal?.aborted) {
    await stopComposeStack(ctx.env);
    throw interrupted();
  }
  state.phase = 'up';
  writeState(ctx, state);
  return composeHandle(ctx, project, withApp, appRuntime, await inspectProject(project));
}

function composeHandle(ctx: StackContext, project: string, withApp: boolean, rt: app.AppRuntime, running: Running): StackHandle {
  const unsupported = (what: string): never => {
    throw new LabError('LAB_ERR_COMPOSE_UNSUPPORTED', `${what} needs the native runtime (unset LAB_RUNTIME): the compose stack runs one catalog instance`);
  };
  const pidOf = (name: string): number | undefined => running.pids.get(name);
  const restart = async (name: string): Promise<void> => {
    const id = running.ids.get(name);
    if (!id) throw new LabError('LAB_ERR_UNKNOWN_INSTANCE', `no compose service is named ${name}: known are ${[...running.ids.keys()].join(', ')}`);
    const client = await getContainerRuntimeClient();
    await client.container.dockerode.getContainer(id).restart({ t: APP_STOP_GRACE_S });
    await composeEnvironment(ctx, project, true).up([name]);
    const fresh = await inspectProject(project);
    running.ids = fresh.ids;
    running.pids = fresh.pids;
  };
  return {
    ports: ctx.ports,
    env: ctx.env,
    labDir: ctx.dir,
    secrets: rt.secrets,
    withApp,
    catalogReplicas: withApp ? 1 : 0,
    status: () => composeStatus(ctx, project, withApp),
    instances: () => (withApp ? composeAppSpecs(rt.topology, ctx.ports, rt.options).map((s) => ({ service: s.service, instance: s.instance, port: s.port, adminPort: s.adminPort, pid: pidOf(s.instance) })) : []),
    pidOf,
    signal(name, sig) {
      const pid = pidOf(name);
      if (pid === undefined) return false;
      try {
        process.kill(pid, sig); // the container's main process, seen from the host: the same fault as natively
        return true;
      } catch {
        return false;
      }
    },
    restart,
    // The container keeps its files across a restart: coming back empty needs the native runtime.
    restartComponent: async (name, options) => (options.discardData ? unsupported('restarting a component without its data') : restart(name)),
    components: () => [...COMPOSE_INFRA],
    addCatalogInstance: async () => unsupported('adding a catalog instance'),
    removeCatalogInstance: async () => unsupported('removing a catalog instance'),
    stop: () => stopComposeStack(ctx.env),
  };
}

/**
 * Takes down the lab dir's compose project, if one is recorded: the names of the containers that
 * were there. An engine that no longer answers has no containers to take down.
 */
export async function stopComposeProject(ctx: StackContext): Promise<string[]> {
  const record = readProjectRecord(ctx);
  if (!record) return [];
  const socket = record.dockerHost.startsWith('unix://') ? record.dockerHost.slice('unix://'.length) : undefined;
  if (socket && !(await pingSocket(socket))) {
    removeProjectRecord(ctx);
    return [];
  }
  const containers = await projectContainers(record);
  await downProject(ctx, record);
  removeProjectRecord(ctx);
  return containers.map((c) => `${c.service} (container)`);
}

/** The compose project, then every recorded process (the lab's own engine among them). */
export async function stopComposeStack(env: NodeJS.ProcessEnv = process.env): Promise<{ stopped: string[]; notes: string[] }> {
  const ctx = stackContext(env);
  const containers = await stopComposeProject(ctx);
  const report = await stopRecordedProcesses(ctx);
  removeState(ctx);
  return { stopped: [...containers, ...report.stopped], notes: report.notes };
}
