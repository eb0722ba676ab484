/**
 * The lab's native autoscaler (lab/autoscaler/hpa.ts) against the real HPA controller of the
 * pinned Kubernetes release, fed the same per-pod metric trace: a total load shared evenly by the
 * pods that run, exported by this test, scraped by Prometheus (the Debian package the lab runs),
 * served to the HPA by prometheus-adapter as a custom metric, on kwok pods. The replica counts must
 * agree at every step of the trace within one sync period, including the scale-down that waits
 * out the stabilization window. Skipped where the control plane is not built.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommendReplicas, Stabilizer, type HpaSpec } from '../../autoscaler/hpa.ts';
import { TOOLS_BIN } from '../../paths.ts';
import { controlPlaneMissing, startControlPlane, type ControlPlane } from '../control-plane.ts';

const PORTS = { exporter: 26490, prometheus: 26491, adapter: 26492 };
const SYNC_SECONDS = 3;
const SPEC: Required<HpaSpec> = { minReplicas: 1, maxReplicas: 6, target: 10, tolerance: 0.1, scaleUpStabilizationSeconds: 0, scaleDownStabilizationSeconds: 12 };
/** Total load, and from which second of the run it holds. */
const TRACE = [
  { from: 0, load: 10 },
  { from: 15, load: 35 },
  { from: 45, load: 12 },
  { from: 85, load: 12 },
];
const NS = 'fidelity';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAt = (t: number) => [...TRACE].reverse().find((s) => t >= s.from)!.load;

/** The native autoscaler's replica count for every second of the trace, each pod reporting load / pods. */
function nativeCounts(seconds: number): number[] {
  const stabilizer = new Stabilizer(SPEC);
  let current = 1;
  const counts: number[] = [];
  for (let t = 0; t < seconds; t++) {
    if (t % SYNC_SECONDS === 0) {
      const perPod = loadAt(t) / current;
      const rec = recommendReplicas(current, Array.from({ length: current }, () => ({ value: perPod, ready: true })), SPEC.target, SPEC.tolerance);
      current = Math.min(SPEC.maxReplicas, Math.max(SPEC.minReplicas, stabilizer.desired(t, current, rec)));
    }
    counts.push(current);
  }
  return counts;
}

const missing = controlPlaneMissing();
let dir: string;
let cp: ControlPlane;
let exporter: Server;
const children: ChildProcess[] = [];
let pods: string[] = [];
/** When the trace's second 0 began; until then the exporter serves second 0's load. */
let startedAt = Number.POSITIVE_INFINITY;

function run(bin: string, args: string[], log: string): void {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out = createWriteStream(join(dir, log));
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  children.push(child);
}

const manifests = (adapterPort: number) => `
apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: catalog, namespace: ${NS} }
spec:
  replicas: 1
  selector: { matchLabels: { app: catalog } }
  template:
    metadata: { labels: { app: catalog } }
    spec: { containers: [{ name: catalog, image: faultline/app:local }] }
---
apiVersion: v1
kind: Service
metadata: { name: prometheus-adapter, namespace: ${NS} }
spec: { type: ExternalName, externalName: localhost, ports: [{ port: ${adapterPort} }] }
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.custom.metrics.k8s.io }
spec:
  group: custom.metrics.k8s.io
  version: v1beta1
  service: { name: prometheus-adapter, namespace: ${NS}, port: ${adapterPort} }
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
---
# the aggregator here holds no front-proxy certificate, so the adapter sees its callers as
# anonymous: they may read the custom metrics API and its discovery document, nothing else
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: fidelity-custom-metrics-reader }
rules:
  - { apiGroups: [custom.metrics.k8s.io], resources: ["*"], verbs: [get, list] }
  - { nonResourceURLs: [/apis/custom.metrics.k8s.io, /apis/custom.metrics.k8s.io/*], verbs: [get] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: fidelity-custom-metrics-reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: fidelity-custom-metrics-reader }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:anonymous" }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: catalog, namespace: ${NS} }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: catalog }
  minReplicas: ${SPEC.minReplicas}
  maxReplicas: ${SPEC.maxReplicas}
  metrics: [{ type: Pods, pods: { metric: { name: faultline_fidelity_load }, target: { type: AverageValue, averageValue: "${SPEC.target}" } } }]
  behavior:
    scaleUp: { stabilizationWindowSeconds: ${SPEC.scaleUpStabilizationSeconds}, tolerance: "${SPEC.tolerance}", policies: [{ type: Percent, value: 1000, periodSeconds: 1 }] }
    scaleDown: { stabilizationWindowSeconds: ${SPEC.scaleDownStabilizationSeconds}, tolerance: "${SPEC.tolerance}", policies: [{ type: Percent, value: 100, periodSeconds: 1 }] }
`;

describe.skipIf(missing !== null)(`the native autoscaler against the real HPA controller${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-kube-hpa-'));
    cp = await startControlPlane({ dir, hpaSyncSeconds: SYNC_SECONDS });
    // every running pod of the Deployment reports the trace's load shared by the pods that run
    exporter = createServer((_req, res) => {
      const t = Math.max(0, (Date.now() - startedAt) / 1000);
      const perPod = pods.length > 0 ? loadAt(t) / pods.length : 0;
      res.end(pods.map((pod) => `faultline_fidelity_load{namespace="${NS}",pod="${pod}"} ${perPod}\n`).join(''));
    }).listen(PORTS.exporter, '127.0.0.1');
    writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs: [{ job_name: fidelity, honor_labels: true, static_configs: [{ targets: ["127.0.0.1:${PORTS.exporter}"] }] }]\n`);
    run('/usr/bin/prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${PORTS.prometheus}`], 'prometheus.log');
    writeFileSync(join(dir, 'adapter.yml'), [
      'rules:',
      '  - seriesQuery: \'faultline_fidelity_load{namespace!="",pod!=""}\'',
      '    resources: { overrides: { namespace: { resource: namespace }, pod: { resource: pod } } }',
      '    metricsQuery: \'max by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})\'',
      '',
    ].join('\n'));
    run(join(TOOLS_BIN, 'prometheus-adapter'), [
      `--secure-port=${PORTS.adapter}`, '--bind-address=127.0.0.1', `--cert-dir=${join(dir, 'adapter-certs')}`,
      `--prometheus-url=http://127.0.0.1:${PORTS.prometheus}`, `--config=${join(dir, 'adapter.yml')}`, '--metrics-relist-interval=1s',
      `--lister-kubeconfig=${cp.kubeconfig}`, `--authentication-kubeconfig=${cp.kubeconfig}`, `--authorization-kubeconfig=${cp.kubeconfig}`,
    ], 'adapter.log');
    await cp.kubectl(['apply', '-f', '-'], manifests(PORTS.adapter));
  }, 120_000);
  afterAll(async () => {
    exporter?.close();
    for (const child of children) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the native replica counts at every step of the trace, within one sync period, scale-down after the window included', { timeout: 240_000 }, async () => {
    const seconds = TRACE[TRACE.length - 1]!.from;
    const expected = nativeCounts(seconds);
    // wait until the HPA reads the metric at all (the adapter and Prometheus came up)
    const deadline = Date.now() + 90_000;
    for (;;) {
      pods = (await cp.kubectl(['get', 'pods', '-n', NS, '-l', 'app=catalog', '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
      const able = await cp.kubectl(['get', 'hpa', 'catalog', '-n', NS, '-o', 'jsonpath={.status.conditions[?(@.type=="ScalingActive")].status}']).catch(() => '');
      if (able === 'True') break;
      if (Date.now() > deadline) throw new Error(`the HPA never read the metric (adapter log: ${join(dir, 'adapter.log')})`);
      await sleep(1000);
    }
    startedAt = Date.now();
    // kubectl takes a good part of a second here: each sample keeps the second it was taken at
    const samples: { at: number; replicas: number; lastScaleAt: number | null }[] = [];
    for (let at = 0; at < seconds; at = (Date.now() - startedAt) / 1000) {
      pods = (await cp.kubectl(['get', 'pods', '-n', NS, '-l', 'app=catalog', '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
      const replicas = Number(await cp.kubectl(['get', 'deployment', 'catalog', '-n', NS, '-o', 'jsonpath={.spec.replicas}']));
      const lastScale = await cp.kubectl(['get', 'hpa', 'catalog', '-n', NS, '-o', 'jsonpath={.status.lastScaleTime}']).catch(() => '');
      samples.push({ at: (Date.now() - startedAt) / 1000, replicas, lastScaleAt: lastScale ? (Date.parse(lastScale) - startedAt) / 1000 : null });
    }
    // when the HPA scaled, by its own record (status.lastScaleTime, whole seconds): on a loaded machine
    // kubectl can take seconds, so a change can fall between two samples and be seen only later
    const scaled = samples.flatMap((s, k) => (k > 0 && s.replicas !== samples[k - 1]!.replicas && s.lastScaleAt !== null ? [{ at: s.lastScaleAt, replicas: s.replicas }] : []));
    process.stdout.write(`kubernetes: native ${expected.join(',')}\nkubernetes: HPA    ${samples.map((s) => `${s.at.toFixed(1)}s:${s.replicas}`).join(' ')}\nkubernetes: HPA scaled at ${scaled.map((c) => `${c.at.toFixed(1)}s:${c.replicas}`).join(' ')}\n`);
    const lagAllowed = SYNC_SECONDS + 1; // one sync period, plus the scrape that brings the change
    const nativeNear = (at: number) => expected.slice(Math.max(0, Math.floor(at) - lagAllowed), Math.floor(at) + lagAllowed + 1);
    // at every sample the HPA's count is one the native autoscaler had within one sync period of it
    for (const s of samples) expect(nativeNear(s.at), `at ${s.at.toFixed(1)} s the HPA ran ${s.replicas}`).toContain(s.replicas);
    // and every change of the native count is reached by the HPA within one sync period
    for (let t = 1; t < seconds; t++) {
      if (expected[t] === expected[t - 1]) continue;
      // seen in a sample, or scaled to by the HPA's own record, within one sync period (the record's
      // whole second and the sample's rounding: one second more)
      const window = [...samples.filter((s) => s.at >= t - lagAllowed && s.at <= t + lagAllowed), ...scaled.filter((c) => c.at >= t - lagAllowed - 1 && c.at <= t + lagAllowed)];
      expect(window.map((s) => s.replicas), `second ${t}: native went ${expected[t - 1]} -> ${expected[t]} (HPA scaled at ${scaled.map((c) => `${c.at.toFixed(1)}s:${c.replicas}`).join(' ')})`).toContain(expected[t]);
    }
    process.stdout.write(`kubernetes: the HPA and the native autoscaler agree within ${lagAllowed} s over ${samples.length} samples in ${seconds} s\n`);
    expect(Math.max(...expected)).toBeGreaterThan(1);
    expect(expected[seconds - 1]).toBeLessThan(Math.max(...expected));
  });
});
