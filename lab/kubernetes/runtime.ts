/**
 * LAB_RUNTIME=kubernetes: the stack on a kube context (KUBECONFIG, else ~/.kube/config), behind
 * the same startStack/stopStack interface as the native and compose runtimes. A run gets its own
 * namespace: overlays/lab applied there (run-manifests.ts), the infrastructure rolled out first,
 * reached through port-forwards on the native port map (port-forwards.ts), the schema and seed
 * made by the same code as natively, then the app rolled out. On any failure or abort the
 * namespace is deleted and the forwards stopped; `make down` does the same from the record.
 */
import { randomBytes } from 'node:crypto';
import { LabError } from '../../errors/lab-error.ts';
import { adminPort } from '../ports.ts';
import { ensureLabSecrets } from '../secrets.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { databaseUrl, provisionServicesDatabase } from '../stack/components/postgres.ts';
import { stackContext, type StackContext } from '../stack/context.ts';
import { interrupted } from '../stack/health.ts';
import type { StackHandle, StartOptions } from '../stack/index.ts';
import { assertPortsFree } from '../stack/port-check.ts';
import { readState, removeState, writeState, type StackState } from '../stack/state.ts';
import type { ComponentStatus } from '../stack/status.ts';
import { stopRecordedProcesses, type StopReport } from '../stack/supervisor.ts';
import { loadTopology, prepareDatabase } from '../stack/topology.ts';
import { clusterHandle, workloadStatus } from './cluster-handle.ts';
import { checkContext, kubectl, kubectlOrFail, lastLine } from './kubectl.ts';
import type { KubeObject } from './manifests.ts';
import { forward, HELLO, type ForwardTarget } from './port-forwards.ts';
import { readKubeRecord, removeKubeRecord, writeKubeRecord } from './run-record.ts';
import { asList, runManifests } from './run-manifests.ts';

export { checkContext, type ContextCheck } from './kubectl.ts';

const ROLLOUT_TIMEOUT = '300s';
const DELETE_TIMEOUT = '180s';

/** A namespace of its own per run: faultline-run-<utc time>-<4 hex>. */
function runNamespace(): string {
  const time = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase();
  return `faultline-run-${time}-${randomBytes(2).toString('hex')}`;
}

/** The Services the runner talks to, each on its native port. */
function infraTargets(ctx: StackContext, ports: Record<string, Record<string, number>>): ForwardTarget[] {
  const p = ctx.ports;
  const t = (service: string, portName: string, localPort: number, hello: Buffer): ForwardTarget => {
    const remotePort = ports[service]?.[portName];
    if (remotePort === undefined) throw new LabError('LAB_ERR_KUBE_MANIFESTS', `deploy/kubernetes/overlays/lab has no Service ${service} with a port ${portName}: the runner needs it`);
    return { service, remotePort, localPort, hello };
  };
  return [
    t('postgres', 'postgres', p.postgres, HELLO.postgres),
    t('redis', 'redis', p.redis, HELLO.redis),
    t('toxiproxy', 'api', p.toxiproxy, HELLO.http),
    t('prometheus', 'http', p.prometheus, HELLO.http),
    t('jaeger', 'query', p.jaegerQuery, HELLO.http),
    t('victoria-logs', 'http', p.victoriaLogs, HELLO.http),
  ];
}

function appTargets(ctx: StackContext, ports: Record<string, Record<string, number>>): ForwardTarget[] {
  const gateway = ports.gateway;
  if (!gateway?.http || !gateway.admin) throw new LabError('LAB_ERR_KUBE_MANIFESTS', 'deploy/kubernetes/overlays/lab has no Service gateway with the ports http and admin: the runner needs them');
  return [
    { service: 'gateway', remotePort: gateway.http, localPort: ctx.ports.gateway, hello: HELLO.http },
    { service: 'gateway', remotePort: gateway.admin, localPort: adminPort(ctx.ports.gateway), hello: HELLO.http },
  ];
}

async function rollout(env: NodeJS.ProcessEnv, namespace: string, objects: KubeObject[]): Promise<void> {
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`);
  await kubectlOrFail(env, `the rollout of ${workloads.join(', ')} in ${namespace}`, ['rollout', 'status', '--namespace', namespace, `--timeout=${ROLLOUT_TIMEOUT}`, ...workloads]);
}

/** Starts the stack on the kube context; on failure or abort everything created is taken down again. */
export async function startKubernetesStack(options: StartOptions): Promise<StackHandle> {
  const ctx = stackContext(options.env);
  const env = ctx.env;
  const progress = options.onProgress ?? (() => {});
  const check = await checkContext(env);
  if (!check.reachable) {
    throw new LabError('LAB_ERR_KUBE_UNREACHABLE', `LAB_RUNTIME=kubernetes: the kube context '${check.context}' (KUBECONFIG=${env.KUBECONFIG ?? '~/.kube/config'}) does not answer (${check.detail}): point KUBECONFIG at a reachable cluster, or unset LAB_RUNTIME`);
  }
  readState(ctx);
  const earlier = await stopKubernetesStack(env);
  if (earlier.stopped.length > 0) progress(`removed what an earlier run left: ${earlier.stopped.join(', ')}`);
  const replicas = options.catalogReplicas ?? 1;
  const withApp = options.withApp ?? true;
  const topology = await loadTopology(env);
  const secrets = ensureLabSecrets(env);
  const namespace = runNamespace();
  const appConfig = options.appConfig ?? {};
  const manifests = await runManifests({ namespace, appConfig, catalogReplicas: replicas, secrets, ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
  const infra = infraTargets(ctx, manifests.servicePorts);
  const app = withApp ? appTargets(ctx, manifests.servicePorts) : [];
  await assertPortsFree([...infra, ...app].map((t) => ({ port: t.localPort, owner: `port-forward of ${t.service}` })));

  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const aborted = () => {
    if (options.signal?.aborted) throw interrupted();
  };
  writeKubeRecord(ctx, { namespace, kubeconfig: env.KUBECONFIG ?? '' });
  const state: StackState = { version: 1, phase: 'starting', ports: ctx.ports, withApp, catalog: Array.from({ length: replicas }, (_, i) => i + 1), appOptions: { appConfig }, startedAt: new Date().toISOString() };
  writeState(ctx, state);
  try {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'faultline', 'faultline.lab/run': 'true' } } } as KubeObject;
    await kubectlOrFail(env, `creating the namespace ${namespace}`, ['apply', '-f', '-'], asList([ns]));
    await kubectlOrFail(env, `applying overlays/lab's infrastructure in ${namespace}`, ['apply', '--validate=strict', '-f', '-'], asList([...manifests.secrets, ...manifests.infra]));
    progress(`overlays/lab applied in the namespace ${namespace} (context '${check.context}')`);
    aborted();
    await rollout(env, namespace, manifests.infra);
    progress(`infrastructure rolled out in ${elapsed()}`);
    aborted();
    for (const target of infra) {
      await forward(ctx, namespace, target, options.signal);
      aborted();
    }
    await provisionServicesDatabase(ctx);
    await new ToxiproxyClient(ctx.ports.toxiproxy).reset();
    if (withApp) {
      for (const line of await prepareDatabase(env, databaseUrl(ctx), options.seed ?? false)) progress(line);
      aborted();
      await kubectlOrFail(env, `applying the app in ${namespace}`, ['apply', '--validate=strict', '-f', '-'], asList(manifests.app));
      await rollout(env, namespace, manifests.app);
      for (const target of app) await forward(ctx, namespace, target, options.signal);
      aborted();
      progress(`app ready in ${elapsed()}`);
    }
  } catch (error) {
    await stopKubernetesStack(env);
    throw options.signal?.aborted ? interrupted() : error;
  }
  state.phase = 'up';
  writeState(ctx, state);
  return clusterHandle({ ctx, namespace, topology, secrets, appConfig, replicas, withApp, stop: () => stopKubernetesStack(env) });
}

/**
 * Stops the port-forwards and deletes the run's namespace (waiting until it is gone), when this
 * lab dir records one: also what a crashed or interrupted run left.
 */
export async function stopKubernetesStack(env: NodeJS.ProcessEnv = process.env): Promise<StopReport> {
  const ctx = stackContext(env);
  const report = await stopRecordedProcesses(ctx);
  const record = readKubeRecord(ctx);
  const notes = [...report.notes];
  const stopped = [...report.stopped];
  if (record) {
    const kubeEnv = { ...env, ...(record.kubeconfig ? { KUBECONFIG: record.kubeconfig } : {}) };
    const deleted = await kubectl(['delete', 'namespace', record.namespace, '--ignore-not-found', '--wait=true', `--timeout=${DELETE_TIMEOUT}`], kubeEnv, { timeoutMs: 200_000 });
    if (deleted.ok) {
      if (deleted.out !== '') stopped.push(`namespace ${record.namespace}`);
      removeKubeRecord(ctx);
    } else {
      // kept, so a later `make down` tries again; the namespace's own conditions say what holds it
      const why = await kubectl(['get', 'namespace', record.namespace, '-o', 'jsonpath={.status.conditions[?(@.status=="True")].message}'], kubeEnv);
      notes.push(`the namespace ${record.namespace} is not deleted yet (${(why.ok && why.out) || lastLine(deleted.out)}): \`make down\` tries again`);
    }
  }
  removeState(ctx);
  return { stopped, notes };
}

/** `faultline status` of this lab dir's run on Kubernetes: its namespace's workloads, on the recorded context. */
export async function kubernetesStackStatus(env: NodeJS.ProcessEnv = process.env): Promise<ComponentStatus[]> {
  const record = readKubeRecord(stackContext(env));
  if (!record) return [];
  return workloadStatus({ ...env, ...(record.kubeconfig ? { KUBECONFIG: record.kubeconfig } : {}) }, record.namespace);
}
