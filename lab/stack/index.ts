/**
 * The native stack's programmatic API, used by the CLI, the runner and the tests:
 * startStack(options) -> StackHandle, stopStack(env), stackStatus(env), attachStack(env).
 */
import { ensureLabSecrets, readLabSecrets, type LabSecrets } from '../secrets.ts';
import { LabError } from '../../errors/lab-error.ts';
import { MAX_CATALOG_INSTANCES, type PortMap } from '../ports.ts';
import * as app from './app.ts';
import { COMPONENTS } from './components/index.ts';
import { stackContext, type StackContext } from './context.ts';
import { interrupted } from './health.ts';
import { assertPortsFree } from './port-check.ts';
import { isOurs, readPidFile, readPidFiles, signalRecorded } from './processes.ts';
import { readProjectRecord } from './compose/record.ts';
import { readKubeRecord } from '../kubernetes/run-record.ts';
import { labRuntime } from './runtime-choice.ts';
import { removeState, readState, writeState, type StackState } from './state.ts';
import { stackStatus as nativeStatus, type ComponentStatus } from './status.ts';
import { assertPidFilesReadable, checkBinaries, infraClaims, restartComponent, startInfrastructure, stopRecordedProcesses, type Progress, type StopReport } from './supervisor.ts';
import { appAvailable, loadTopology, type SeedRequest, type ServiceSpec, type TopologyOptions } from './topology.ts';

export { formatStatus, type ComponentStatus } from './status.ts';
export type { StopReport } from './supervisor.ts';
export type { ServiceSpec } from './topology.ts';
export { databaseUrl } from './components/postgres.ts';

export interface StartOptions {
  /** Environment to read LAB_PORT_OFFSET, LAB_DIR, LAB_PORT_* and FAULTLINE_TOOLS_BIN from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Start the target-app services too (default: whether target-app/src/topology.ts exists). */
  withApp?: boolean;
  /** Catalog instances at start (default 1). */
  catalogReplicas?: number;
  /** Pattern switches per service, handed to topology.ts (which turns them into env). */
  appConfig?: Record<string, Record<string, unknown>>;
  /** Telemetry of every app service (default on: topology.ts decides). */
  telemetry?: boolean;
  /** Log level of every app service. */
  logLevel?: string;
  /** Seed the database after the migration (target-app's seed; default false: the runner seeds). */
  seed?: SeedRequest;
  /** Aborting stops what has started so far; startStack then throws LAB_ERR_INTERRUPTED. */
  signal?: AbortSignal;
  /** One line per step (`postgres healthy in 1.2 s`). */
  onProgress?: Progress;
}

export interface AppInstance {
  service: string;
  instance: string;
  port: number;
  adminPort: number;
  pid: number | undefined;
}

export interface StackHandle {
  readonly ports: PortMap;
  readonly env: NodeJS.ProcessEnv;
  readonly labDir: string;
  /** The lab's admin token and JWT key (.lab/secrets.json): admin calls carry the token. */
  readonly secrets: LabSecrets;
  readonly withApp: boolean;
  /** How many catalog instances run now. */
  readonly catalogReplicas: number;
  status(): Promise<ComponentStatus[]>;
  /** App instances that should run now, in start order. */
  instances(): AppInstance[];
  /** Pid of a running component or instance (`postgres`, `catalog-2`), undefined when it does not run. */
  pidOf(name: string): number | undefined;
  /** Sends a signal to a component or instance (process faults: SIGKILL, SIGSTOP, SIGCONT); false when it does not run. */
  signal(name: string, signal: NodeJS.Signals): boolean;
  /** Stops an app instance if it runs (SIGTERM, drain) and starts it again; resolves when it is ready. Also starts a killed one. */
  restart(name: string): Promise<void>;
  /** Starts an infrastructure component again (after a kill), with its data or, with discardData, without it; resolves when it is healthy. */
  restartComponent(name: string, options: { discardData: boolean }): Promise<void>;
  /** The infrastructure components of the stack (redis, postgres, ...). */
  components(): string[];
  /** Starts one more catalog instance, its proxy and scrape target, and tells the gateway; resolves to its name. */
  addCatalogInstance(): Promise<string>;
  /** Drains and stops catalog instance i (default: the highest). */
  removeCatalogInstance(index?: number): Promise<void>;
  /**
   * Where a runtime changes a running service's switches its own way (Kubernetes: the Deployment's
   * env and a rollout): the runner calls this instead of PATCHing each instance's admin port.
   */
  applySwitches?(switches: Record<string, Record<string, unknown>>): Promise<void>;
  /** Where processes are pods: a process fault's pod form (see chaos/fault.ts ProcessControl). */
  podFault?(type: string, target: string): Promise<{ experiment: string; revert(): Promise<void> }>;
  /** Stops the whole stack (same as stopStack(env)). */
  stop(): Promise<StopReport>;
}

function makeHandle(ctx: StackContext, state: StackState, runtime: app.AppRuntime | null, secrets: LabSecrets): StackHandle {
  const save = (): void => writeState(ctx, { ...state, catalog: runtime?.catalog ?? [] });
  const requireApp = (): app.AppRuntime => {
    if (!runtime) throw new LabError('LAB_ERR_NO_APP', 'the stack runs without the target app: start it with withApp');
    return runtime;
  };
  const pidOf = (name: string): number | undefined => {
    const record = readPidFile(ctx, name);
    return record && isOurs(record) ? record.pid : undefined;
  };
  return {
    ports: ctx.ports,
    env: ctx.env,
    labDir: ctx.dir,
    secrets,
    withApp: runtime !== null,
    get catalogReplicas() {
      return runtime?.catalog.length ?? 0;
    },
    status: () => stackStatus(ctx.env),
    instances: () =>
      runtime ? app.currentSpecs(runtime).map((s: ServiceSpec) => ({ service: s.service, instance: s.instance, port: s.port, adminPort: s.adminPort, pid: pidOf(s.instance) })) : [],
    pidOf,
    signal(name, sig) {
      const record = readPidFile(ctx, name);
      return record !== null && signalRecorded(record, sig);
    },
    restart: (name) => app.restartInstance(requireApp(), name),
    restartComponent: (name, options) => restartComponent(ctx, name, options),
    components: () => COMPONENTS.map((c) => c.name),
    async addCatalogInstance() {
      const name = await app.addCatalogInstance(requireApp());
      save();
      return name;
    },
    async removeCatalogInstance(index) {
      await app.removeCatalogInstance(requireApp(), index);
      save();
    },
    stop: () => stopStack(ctx.env),
  };
}

/**
 * Brings up the infrastructure in dependency order with health checks, then (withApp) the app.
 * Whatever an earlier run left behind in this lab dir is stopped first; ports and binaries are
 * checked before anything starts; on any failure or abort, everything started is stopped again.
 */
export async function startStack(options: StartOptions = {}): Promise<StackHandle> {
  if (labRuntime(options.env) === 'compose') return (await import('./compose/runtime.ts')).startComposeStack(options);
  if (labRuntime(options.env) === 'kubernetes') return (await import('../kubernetes/runtime.ts')).startKubernetesStack(options);
  const ctx = stackContext(options.env);
  const progress = options.onProgress ?? (() => {});
  readState(ctx); // an unreadable state file is reported, not guessed at
  assertPidFilesReadable(ctx);
  const leftovers = await stopRecordedProcesses(ctx);
  if (leftovers.stopped.length > 0) progress(`stopped what an earlier run left: ${leftovers.stopped.join(', ')}`);

  const withApp = options.withApp ?? (await appAvailable(ctx.env));
  const replicas = options.catalogReplicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_CATALOG_INSTANCES) {
    throw new LabError('LAB_ERR_BAD_REPLICAS', `catalog replicas must be a whole number from 1 to ${MAX_CATALOG_INSTANCES}, not ${options.catalogReplicas}`);
  }
  checkBinaries(ctx);
  const secrets = ensureLabSecrets(ctx.env);
  const appOptions: Omit<TopologyOptions, 'catalogReplicas' | 'secrets'> = {
    appConfig: options.appConfig ?? {},
    ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  };
  const runtime: app.AppRuntime | null = withApp
    ? { ctx, topology: await loadTopology(ctx.env), options: appOptions, secrets, catalog: Array.from({ length: replicas }, (_, i) => i + 1), seed: options.seed ?? false, progress }
    : null;
  await assertPortsFree([...infraClaims(ctx), ...(runtime ? app.appClaims(runtime) : [])]);
  if (options.signal?.aborted) throw interrupted();

  const state: StackState = { version: 1, phase: 'starting', ports: ctx.ports, withApp, catalog: runtime?.catalog ?? [], appOptions, startedAt: new Date().toISOString() };
  writeState(ctx, state);
  try {
    await startInfrastructure(ctx, options.signal, progress);
    if (runtime) await app.startApp(runtime, options.signal);
  } catch (error) {
    await stopStack(ctx.env);
    throw options.signal?.aborted ? interrupted() : error;
  }
  state.phase = 'up';
  writeState(ctx, state);
  return makeHandle(ctx, state, runtime, secrets);
}

/** The rows of `faultline status`, from the compose project or the Kubernetes run when this lab dir runs one. */
export async function stackStatus(env: NodeJS.ProcessEnv = process.env): Promise<ComponentStatus[]> {
  if (readProjectRecord(stackContext(env))) return (await import('./compose/runtime.ts')).composeStackStatus(env);
  if (readKubeRecord(stackContext(env))) return (await import('../kubernetes/runtime.ts')).kubernetesStackStatus(env);
  return nativeStatus(env);
}

/** A handle on a stack that is already up in this lab dir (after `faultline up`), or null. */
export async function attachStack(env: NodeJS.ProcessEnv = process.env): Promise<StackHandle | null> {
  const base = stackContext(env);
  const state = readState(base);
  if (!state || state.phase !== 'up') return null;
  const ctx = { ...base, ports: state.ports };
  const secrets = readLabSecrets(ctx.env);
  const runtime: app.AppRuntime | null = state.withApp
    ? { ctx, topology: await loadTopology(ctx.env), options: state.appOptions, secrets, catalog: state.catalog, seed: false, progress: () => {} }
    : null;
  return makeHandle(ctx, state, runtime, secrets);
}

/** Stops everything the lab runs in this lab dir, also what a crashed run left (found by pid files and the compose record). */
export async function stopStack(env: NodeJS.ProcessEnv = process.env): Promise<StopReport> {
  const ctx = stackContext(env);
  if (readProjectRecord(ctx)) return (await import('./compose/runtime.ts')).stopComposeStack(env);
  if (readKubeRecord(ctx)) return (await import('../kubernetes/runtime.ts')).stopKubernetesStack(env);
  const report = await stopRecordedProcesses(ctx);
  removeState(ctx);
  return report;
}

/** True when every process of a finished `up` still runs. */
export function stackIsUp(env: NodeJS.ProcessEnv = process.env): boolean {
  const ctx = stackContext(env);
  const state = readState(ctx);
  if (!state || state.phase !== 'up') return false;
  const { records } = readPidFiles(ctx);
  return records.length > 0 && records.every(isOurs);
}

