/**
 * Every fault type of the registry in its Kubernetes form. The edge faults stay Toxiproxy toxics,
 * added through the API of the in-cluster Toxiproxy (deploy/kubernetes/base/toxiproxy.yaml) as
 * the native stack adds them; the cache fault stays Redis commands on the in-cluster Redis; the
 * process and component faults, which natively signal one process, become Chaos Mesh experiments
 * on the pod that runs it (PodChaos), or on its traffic (NetworkChaos) where no pod action fits.
 * README.md's "Kubernetes" section renders this table; a test checks no fault type lacks a form.
 */
import type { FaultRegistry } from './registry.ts';

export type KubernetesForm =
  | { via: 'toxiproxy'; how: string }
  | { via: 'redis'; how: string }
  | { via: 'chaos-mesh'; kind: 'PodChaos' | 'NetworkChaos'; action: string; how: string };

const toxic = (name: string): KubernetesForm => ({ via: 'toxiproxy', how: `toxic \`${name}\` on the edge's proxy, through the in-cluster Toxiproxy API (toxiproxy:8474)` });

export const KUBERNETES_FORMS: Readonly<Record<string, KubernetesForm>> = {
  latency: toxic('latency'),
  bandwidth: toxic('bandwidth'),
  slow_close: toxic('slow_close'),
  timeout: toxic('timeout'),
  reset_peer: toxic('reset_peer'),
  slicer: toxic('slicer'),
  limit_data: toxic('limit_data'),
  proxy_down: { via: 'toxiproxy', how: 'the edge\'s proxy disabled (`enabled: false`) through the in-cluster Toxiproxy API' },
  cache_expire: { via: 'redis', how: 'the same EXPIRE / DEL commands, on the in-cluster Redis Service (redis:16379)' },
  process_kill: { via: 'chaos-mesh', kind: 'PodChaos', action: 'pod-kill', how: 'the pod is killed (grace period 0); its Deployment starts a new one, as natively the revert starts the instance again' },
  process_restart: { via: 'chaos-mesh', kind: 'PodChaos', action: 'container-kill', how: 'the container is killed and restarted in place by the kubelet' },
  component_kill: {
    via: 'chaos-mesh',
    kind: 'PodChaos',
    action: 'pod-kill',
    how: "the datastore's StatefulSet pod is killed and comes back under the same name; in overlays/lab its data is an emptyDir, so it comes back empty (discardData: true); keeping the data needs a persistent volume in its place",
  },
  process_stop: {
    via: 'chaos-mesh',
    kind: 'NetworkChaos',
    action: 'partition',
    how: 'the frozen process: the pod stays, scheduled and "running", but nothing it is sent is answered (a partition of all its traffic, both directions) until the fault ends',
  },
};

/** The fault types of a registry that have no Kubernetes form (the test wants none). */
export function unmapped(registry: FaultRegistry): string[] {
  return [...registry.keys()].filter((type) => !(type in KUBERNETES_FORMS));
}

export interface ChaosExperiment {
  apiVersion: 'chaos-mesh.org/v1alpha1';
  kind: 'PodChaos' | 'NetworkChaos';
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
}

/**
 * The Chaos Mesh experiment of a process fault on one pod of a service, for `duration` seconds.
 * The pod is chosen by the lab's labels (app.kubernetes.io/name = the service).
 */
export function chaosExperiment(type: string, service: string, namespace: string, durationSeconds: number, id: string): ChaosExperiment {
  const form = KUBERNETES_FORMS[type];
  if (!form || form.via !== 'chaos-mesh') throw new Error(`fault ${type} is no Chaos Mesh experiment in Kubernetes: it is ${form ? `a ${form.via} fault` : 'unknown'}`);
  const selector = { namespaces: [namespace], labelSelectors: { 'app.kubernetes.io/name': service } };
  const common = { selector, mode: 'one', duration: `${durationSeconds}s` };
  const spec: Record<string, unknown> =
    form.kind === 'PodChaos'
      ? { ...common, action: form.action, ...(form.action === 'pod-kill' ? { gracePeriod: 0 } : { containerNames: [service] }) }
      : { ...common, action: form.action, direction: 'both' };
  return { apiVersion: 'chaos-mesh.org/v1alpha1', kind: form.kind, metadata: { name: id, namespace }, spec };
}
