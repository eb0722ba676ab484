/**
 * The StackHandle of a run on Kubernetes. The cluster runs the processes, so what natively acts
 * on a process acts on the workload here: a variant's switches become the Deployment's SWITCHES
 * env and a rollout (as a change of configuration reaches pods in a cluster), a restart is a
 * rollout restart, catalog instances are the catalog Deployment's replicas, and a datastore
 * restarted without its data is its StatefulSet pod deleted (its data is an emptyDir). No pid is
 * visible from here: the process faults take their Chaos Mesh form (chaos/kubernetes-forms.ts),
 * an experiment in the run's namespace that their revert deletes (Chaos Mesh must be installed).
 */
import { randomBytes } from 'node:crypto';
import { chaosExperiment } from '../../chaos/kubernetes-forms.ts';
import { LabError } from '../../errors/lab-error.ts';
import { MAX_CATALOG_INSTANCES } from '../ports.ts';
import type { LabSecrets } from '../secrets.ts';
import type { StackContext } from '../stack/context.ts';
import type { StackHandle } from '../stack/index.ts';
import type { ComponentStatus } from '../stack/status.ts';
import type { StopReport } from '../stack/supervisor.ts';
import type { Topology } from '../stack/topology.ts';
import { kubectlOrFail } from './kubectl.ts';

/**
 * A pod fault's experiment lasts until its revert deletes it; this only caps one whose revert
 * never ran (the namespace's deletion at the end of the run removes it too).
 */
const EXPERIMENT_CAP_S = 3600;

const COMPONENTS = { postgres: 'statefulset', redis: 'statefulset', toxiproxy: 'deployment', prometheus: 'deployment', jaeger: 'deployment', 'victoria-logs': 'deployment' } as const;

export interface ClusterRun {
  ctx: StackContext;
  namespace: string;
  topology: Topology;
  secrets: LabSecrets;
  appConfig: Record<string, Record<string, unknown>>;
  replicas: number;
  withApp: boolean;
  stop(): Promise<StopReport>;
}

interface Workload {
  metadata: { name: string };
  spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
  status: { readyReplicas?: number };
}

/** `faultline status` of a run's namespace: one row per Deployment and StatefulSet, healthy when all its replicas are ready. */
export async function workloadStatus(env: NodeJS.ProcessEnv, namespace: string): Promise<ComponentStatus[]> {
  const out = await kubectlOrFail(env, `listing the workloads of ${namespace}`, ['get', '--namespace', namespace, 'deployments,statefulsets', '-o', 'json']);
  return (JSON.parse(out) as { items: Workload[] }).items.map((w) => ({
    name: w.metadata.name,
    kind: w.metadata.name in COMPONENTS ? 'infra' : 'app',
    port: 0,
    pid: null,
    health: (w.status.readyReplicas ?? 0) >= (w.spec.replicas ?? 1) ? 'healthy' : 'unhealthy',
    version: w.spec.template.spec.containers[0]?.image ?? '-',
  }));
}

/** catalog-2 -> catalog; gateway -> gateway. */
const serviceOf = (instance: string): string => instance.replace(/-\d+$/, '');

export function clusterHandle(run: ClusterRun): StackHandle {
  const { ctx, namespace } = run;
  const env = ctx.env;
  const ns = ['--namespace', namespace];
  let replicas = run.replicas;
  const current: Record<string, Record<string, unknown>> = structuredClone(run.appConfig);
  const specs = () => run.topology.serviceSpecs(ctx.ports, { appConfig: current, catalogReplicas: replicas });

  const rolloutStatus = (workload: string) => kubectlOrFail(env, `the rollout of ${workload} in ${namespace}`, ['rollout', 'status', ...ns, '--timeout=300s', workload]);
  const scaleCatalog = async (to: number): Promise<void> => {
    if (to < 1 || to > MAX_CATALOG_INSTANCES) throw new LabError('LAB_ERR_BAD_REPLICAS', `catalog replicas must be from 1 to ${MAX_CATALOG_INSTANCES}, not ${to}`);
    await kubectlOrFail(env, `scaling the catalog to ${to}`, ['scale', ...ns, `--replicas=${to}`, 'deployment/catalog']);
    await rolloutStatus('deployment/catalog');
    replicas = to;
  };
  const noPid = (what: string): never => {
    throw new LabError('LAB_ERR_KUBE_NO_PROCESS', `${what} on Kubernetes: the cluster runs the processes; this fault takes its Chaos Mesh form there (chaos/kubernetes-forms.ts)`);
  };

  return {
    ports: ctx.ports,
    env,
    labDir: ctx.dir,
    secrets: run.secrets,
    withApp: run.withApp,
    get catalogReplicas() {
      return run.withApp ? replicas : 0;
    },
    status: () => workloadStatus(env, namespace),
    instances: () => (run.withApp ? specs() : []).map((s) => ({ service: s.service, instance: s.instance, port: s.port, adminPort: s.adminPort, pid: undefined })),
    pidOf: () => undefined,
    signal: () => false,
    async restart(name) {
      const workload = `deployment/${serviceOf(name)}`;
      await kubectlOrFail(env, `restarting ${workload}`, ['rollout', 'restart', ...ns, workload]);
      await rolloutStatus(workload);
    },
    async restartComponent(name, options) {
      const kind = COMPONENTS[name as keyof typeof COMPONENTS];
      if (!kind) throw new LabError('LAB_ERR_UNKNOWN_COMPONENT', `no component is named ${name}: known are ${Object.keys(COMPONENTS).join(', ')}`);
      if (!options.discardData) noPid(`restarting ${name} with its data`);
      await kubectlOrFail(env, `deleting ${name}'s pods`, ['delete', 'pods', ...ns, '-l', `app.kubernetes.io/name=${name}`, '--wait=true']);
      await rolloutStatus(`${kind}/${name}`);
    },
    components: () => Object.keys(COMPONENTS),
    async addCatalogInstance() {
      await scaleCatalog(replicas + 1);
      return `catalog-${replicas}`;
    },
    async removeCatalogInstance(index) {
      if (index !== undefined && index !== replicas) throw new LabError('LAB_ERR_KUBE_UNSUPPORTED', `removing catalog-${index} on Kubernetes: the Deployment chooses which pod goes; remove the highest (no index)`);
      await scaleCatalog(replicas - 1);
    },
    async applySwitches(switches) {
      for (const [service, patch] of Object.entries(switches)) {
        current[service] = { ...current[service], ...patch };
        const workload = `deployment/${service}`;
        await kubectlOrFail(env, `setting ${service}'s switches`, ['set', 'env', ...ns, workload, `SWITCHES=${JSON.stringify(current[service])}`]);
        await rolloutStatus(workload);
      }
    },
    async podFault(type, target) {
      const id = `${type.replace('_', '-')}-${randomBytes(3).toString('hex')}`;
      const experiment = chaosExperiment(type, serviceOf(target), namespace, EXPERIMENT_CAP_S, id);
      await kubectlOrFail(env, `starting the ${experiment.kind} ${id} on ${target}`, ['apply', '--validate=strict', '-f', '-'], JSON.stringify(experiment));
      return {
        experiment: `${experiment.kind}/${id}`,
        revert: async () => {
          await kubectlOrFail(env, `ending the ${experiment.kind} ${id}`, ['delete', ...ns, '--ignore-not-found', `${experiment.kind.toLowerCase()}.chaos-mesh.org/${id}`]);
        },
      };
    },
    stop: () => run.stop(),
  };
}
