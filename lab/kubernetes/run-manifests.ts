/**
 * What a run applies to a cluster: overlays/lab as kustomize renders it, moved into the run's own
 * namespace, with the run's switches and catalog replicas on the Deployments and the lab's
 * secrets as Secrets. Left out: the Namespace `faultline` (the run makes its own) and the
 * platform autoscaler (the HPA, prometheus-adapter and its cluster-wide APIService and RBAC): a
 * run must not change what the whole cluster serves, and the runner's own autoscaler scales the
 * catalog, as natively.
 */
import type { LabSecrets } from '../secrets.ts';
import { renderOverlay, type KubeObject } from './manifests.ts';

export interface RunManifests {
  /** Datastores, Toxiproxy and the observability stack: up before the schema is made. */
  infra: KubeObject[];
  /** The app's Deployments, Services and PodDisruptionBudgets. */
  app: KubeObject[];
  secrets: KubeObject[];
  /** Service name -> its ports by name, as rendered (what port-forwards reach). */
  servicePorts: Record<string, Record<string, number>>;
}

export interface RunOptions {
  namespace: string;
  /** Pattern switches per service, as natively (the SWITCHES env each service starts with). */
  appConfig: Record<string, Record<string, unknown>>;
  catalogReplicas: number;
  secrets: LabSecrets;
  logLevel?: string;
}

const component = (o: KubeObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/component'];
const CLUSTER_KINDS = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'APIService']);

interface Container { name: string; env?: { name: string; value?: string }[] }

function setEnv(container: Container, name: string, value: string): void {
  const entry = container.env?.find((e) => e.name === name);
  if (entry) entry.value = value;
  else (container.env ??= []).push({ name, value });
}

/** The SWITCHES env of one service's Deployment (what a variant changes, followed by a rollout). */
export function withSwitches(deployment: KubeObject, switches: Record<string, unknown>): void {
  const containers = (deployment.spec!.template as { spec: { containers: Container[] } }).spec.containers;
  setEnv(containers[0]!, 'SWITCHES', JSON.stringify(switches));
}

function secret(name: string, namespace: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'faultline' } }, stringData: data } as KubeObject;
}

export async function runManifests(o: RunOptions): Promise<RunManifests> {
  const platformAutoscaler = (x: KubeObject) => x.kind === 'HorizontalPodAutoscaler' || x.metadata.labels?.['app.kubernetes.io/name'] === 'prometheus-adapter';
  const objects = (await renderOverlay('lab')).filter((x) => !CLUSTER_KINDS.has(x.kind) && !platformAutoscaler(x));
  const servicePorts: RunManifests['servicePorts'] = {};
  for (const x of objects) {
    x.metadata.namespace = o.namespace;
    if (x.kind === 'RoleBinding') for (const s of (x as unknown as { subjects: { namespace?: string }[] }).subjects) s.namespace = o.namespace;
    if (x.kind === 'Service') servicePorts[x.metadata.name] = Object.fromEntries((x.spec!.ports as { name: string; port: number }[]).map((p) => [p.name, p.port]));
    if (x.kind === 'Deployment' && component(x) === 'app') {
      withSwitches(x, o.appConfig[x.metadata.name] ?? {});
      if (o.logLevel) setEnv((x.spec!.template as { spec: { containers: Container[] } }).spec.containers[0]!, 'LOG_LEVEL', o.logLevel);
      if (x.metadata.name === 'catalog') x.spec!.replicas = o.catalogReplicas;
    }
  }
  const s = o.secrets;
  return {
    infra: objects.filter((x) => component(x) !== 'app'),
    app: objects.filter((x) => component(x) === 'app'),
    secrets: [
      secret('faultline-postgres', o.namespace, { POSTGRES_PASSWORD: s.postgresPassword }),
      secret('faultline-app', o.namespace, { PGPASSWORD: s.databasePassword, ADMIN_TOKEN: s.adminToken, JWT_SECRET: s.jwtSecret }),
    ],
    servicePorts,
  };
}

/** kubectl apply's input: objects as a List. */
export const asList = (objects: KubeObject[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
