/**
 * One topology in three forms: the native port map and service specs (lab/ports.ts,
 * target-app/src/topology.ts), docker-compose.yml, and the rendered Kubernetes manifests. Every
 * port, proxy, image, label and selector of the manifests must agree with the other two.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../paths.ts';
import { resolvePorts } from '../../ports.ts';
import { proxySpecs, serviceSpecs, SERVICES } from '../../../target-app/src/topology.ts';
import { renderOverlay, type KubeObject } from '../manifests.ts';

interface Container {
  name: string;
  image: string;
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}

const ports = resolvePorts({});
const portOf = (hostPort: string) => Number(hostPort.split(':').pop());
const urlPort = (url: string) => Number(new URL(url).port);

let objects: KubeObject[];
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const find = (kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the lab overlay`);
  return o;
};
const template = (o: KubeObject) => o.spec!.template as PodTemplate;
const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image: string; healthcheck?: { test: string[] } }>;
};

beforeAll(async () => {
  objects = await renderOverlay('lab');
});

describe('the Kubernetes manifests agree with the native stack and docker-compose.yml', () => {
  it('every app service: its ports, datastore and proxy addresses as the native spec of its first instance', () => {
    const native = serviceSpecs(ports);
    for (const service of SERVICES) {
      const spec = native.find((s) => s.service === service)!;
      const container = template(find('Deployment', service)).spec.containers[0]!;
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
      expect(container.ports, service).toEqual([
        { name: 'http', containerPort: spec.port },
        { name: 'admin', containerPort: spec.adminPort },
      ]);
      expect(env.PORT, service).toBe(String(spec.port));
      expect(env.ADMIN_PORT, service).toBe(String(spec.adminPort));
      expect(env.OTEL_TRACES_SAMPLER, service).toBe(spec.env.OTEL_TRACES_SAMPLER);
      // the same edges: each datastore or upstream URL points at the same Toxiproxy listener port
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'PRICING_URL', 'ORDERS_URL', 'CATALOG_URLS']) {
        expect(env[key] === undefined, `${service} ${key}`).toBe(spec.env[key] === undefined);
        if (env[key] !== undefined) expect(urlPort(env[key]), `${service} ${key}`).toBe(urlPort(spec.env[key]!.split(',')[0]!));
      }
      expect(env.CATALOG_UPSTREAM_PORTS, service).toBe(spec.env.CATALOG_UPSTREAM_PORTS);
      const svc = find('Service', service).spec as { ports: { name: string; port: number }[] };
      expect(svc.ports.map((p) => p.port), service).toEqual([spec.port, spec.adminPort]);
    }
  });

  it('Toxiproxy: one proxy per native edge, same names and listen ports, upstreams the same service ports', () => {
    const configMap = byKind('ConfigMap').find((c) => c.metadata.name.startsWith('toxiproxy-proxies'))!;
    const cluster = JSON.parse(configMap.data!['proxies.json']!) as { name: string; listen: string; upstream: string }[];
    const native = proxySpecs(ports);
    expect(cluster.map((p) => p.name).sort()).toEqual(native.map((p) => p.name).sort());
    for (const p of native) {
      const c = cluster.find((x) => x.name === p.name)!;
      expect(portOf(c.listen), p.name).toBe(portOf(p.listen));
      expect(portOf(c.upstream), p.name).toBe(portOf(p.upstream));
    }
    const servicePorts = (find('Service', 'toxiproxy').spec as { ports: { port: number }[] }).ports.map((p) => p.port).sort();
    expect(servicePorts).toEqual([ports.toxiproxy, ...native.map((p) => portOf(p.listen))].sort());
  });

  it('the infrastructure listens on the native ports', () => {
    const servicePort = (name: string) => (find('Service', name).spec as { ports: { port: number }[] }).ports.map((p) => p.port);
    expect(servicePort('postgres')).toEqual([ports.postgres]);
    expect(servicePort('redis')).toEqual([ports.redis]);
    expect(servicePort('prometheus')).toEqual([ports.prometheus]);
    expect(servicePort('victoria-logs')).toEqual([ports.victoriaLogs]);
    expect(servicePort('grafana')).toEqual([ports.grafana]);
    expect(servicePort('jaeger').sort()).toEqual([ports.jaegerQuery, ports.jaegerQueryGrpc, ports.otlpGrpc, ports.otlpHttp, ports.jaegerMetrics].sort());
  });

  it('images and health ports are docker-compose.yml\'s', () => {
    const composeOf = (name: string) => compose.services[name === 'catalog' ? 'catalog-1' : name];
    for (const o of [...byKind('Deployment'), ...byKind('StatefulSet')]) {
      const c = composeOf(o.metadata.name);
      if (!c) continue; // prometheus-adapter: Kubernetes only
      expect(template(o).spec.containers[0]!.image, o.metadata.name).toBe(c.image);
    }
    for (const service of SERVICES) {
      const check = composeOf(service)!.healthcheck!.test.join(' ');
      const port = Number(/:-(\d+)}\/readyz/.exec(check)?.[1]);
      expect(port, service).toBe(serviceSpecs(ports).find((s) => s.service === service)!.port);
    }
    const composed = Object.keys(compose.services).map((n) => n.replace(/-1$/, ''));
    const deployed = [...byKind('Deployment'), ...byKind('StatefulSet')].map((o) => o.metadata.name);
    expect(composed.filter((n) => !deployed.includes(n))).toEqual([]);
  });

  it('every selector selects its own pods, and every Service and PDB selects pods that exist', () => {
    const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')];
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const w of workloads) {
      const selector = (w.spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
      expect(matches(selector, template(w).metadata.labels), w.metadata.name).toBe(true);
      expect(template(w).metadata.labels['app.kubernetes.io/name'], w.metadata.name).toBe(w.metadata.name);
    }
    const selectors = [
      ...byKind('Service').filter((s) => s.spec!.selector).map((s) => ['Service ' + s.metadata.name, s.spec!.selector as Record<string, string>] as const),
      ...byKind('PodDisruptionBudget').map((p) => ['PDB ' + p.metadata.name, (p.spec!.selector as { matchLabels: Record<string, string> }).matchLabels] as const),
    ];
    for (const [what, selector] of selectors) {
      expect(workloads.filter((w) => matches(selector, template(w).metadata.labels)).length, what).toBe(1);
    }
  });

  it('every app pod is scraped under the native job name (its service name)', () => {
    for (const service of SERVICES) {
      const labels = template(find('Deployment', service)).metadata.labels;
      expect(labels['app.kubernetes.io/component']).toBe('app');
      expect(labels['app.kubernetes.io/name']).toBe(service);
    }
  });
});
