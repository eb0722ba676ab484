/**
 * Against a real control plane built here (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler of the pinned release; kwok for the nodes): every overlay applied for real, its
 * Deployments and StatefulSets rolled out on kwok's node, the load Job's indexed pods run to
 * completion, LAB_RUNTIME=kubernetes driving a run there up to where pods must really run (and
 * leaving nothing behind), and manifests the API must refuse refused.
 * Skipped, with the command that builds it, where the control plane is not built.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneMissing, startControlPlane, type ControlPlane } from '../control-plane.ts';
import { DEPLOY_DIR, renderYaml } from '../manifests.ts';
import { stackContext } from '../../stack/context.ts';
import { stackStatus, startStack } from '../../stack/index.ts';
import { removeKubeRecord, writeKubeRecord } from '../run-record.ts';

const missing = controlPlaneMissing();
let dir: string;
let cp: ControlPlane;

describe.skipIf(missing !== null)(`the manifests on a real control plane${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-kube-'));
    const started = Date.now();
    cp = await startControlPlane({ dir });
    process.stdout.write(`kubernetes: control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
  afterAll(async () => {
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const overlay of ['lab', 'perf']) {
    it(`overlays/${overlay}: every object applied (strict field validation) and every workload rolled out`, { timeout: 180_000 }, async () => {
      const yaml = await renderYaml(join(DEPLOY_DIR, 'overlays', overlay));
      const namespace = overlay === 'lab' ? 'faultline' : 'faultline-perf';
      const applied = await cp.kubectl(['apply', '--validate=strict', '-f', '-'], yaml);
      const count = yaml.split(/^kind: /m).length - 1;
      expect(applied.trim().split('\n')).toHaveLength(count);
      const listed = await cp.kubectl(['get', 'deployments,statefulsets', '-n', namespace, '-o', 'name']);
      expect(listed.trim().split('\n').length).toBeGreaterThan(5);
      await cp.kubectl(['rollout', 'status', '-n', namespace, '--timeout=120s', ...listed.trim().split('\n')]);
      const hpa = JSON.parse(await cp.kubectl(['get', 'hpa', 'catalog', '-n', namespace, '-o', 'json'])) as { spec: { behavior: { scaleDown: { tolerance: string } } } };
      expect(hpa.spec.behavior.scaleDown.tolerance).toBe('100m');
    });
  }

  it('load/: the indexed Job of engine pods applied beside overlays/lab, every index run once to completion', { timeout: 120_000 }, async () => {
    const yaml = await renderYaml(join(DEPLOY_DIR, 'load'));
    await cp.kubectl(['apply', '--validate=strict', '-f', '-'], yaml);
    // kwok completes a Job's pods once they run (its pod-complete stage): the Job controller's own accounting is real
    await cp.kubectl(['wait', '-n', 'faultline', '--for=condition=Complete', '--timeout=90s', 'job/faultline-load']);
    const job = JSON.parse(await cp.kubectl(['get', 'job', 'faultline-load', '-n', 'faultline', '-o', 'json'])) as { spec: { completions: number }; status: { succeeded: number; completedIndexes: string } };
    expect(job.status.succeeded).toBe(job.spec.completions);
    expect(job.status.completedIndexes).toBe(`0-${job.spec.completions - 1}`);
    const pods = JSON.parse(await cp.kubectl(['get', 'pods', '-n', 'faultline', '-l', 'app.kubernetes.io/name=faultline-load', '-o', 'json'])) as { items: { metadata: { annotations: Record<string, string> } }[] };
    const indexes = pods.items.map((p) => Number(p.metadata.annotations['batch.kubernetes.io/job-completion-index'])).sort();
    expect(indexes).toEqual(Array.from({ length: job.spec.completions }, (_, i) => i));
  });

  /** What a run on this cluster may leave: namespaces of a run, kubectl port-forwards, pid files. */
  const leftovers = async (labDir: string): Promise<string[]> => {
    const namespaces = (await cp.kubectl(['get', 'namespaces', '-l', 'faultline.lab/run=true', '-o', 'name'])).trim();
    const forwards = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        } catch {
          return [];
        }
      })
      .filter((argv) => argv.includes('port-forward') && argv.some((a) => a.startsWith('faultline-run-')))
      .map((argv) => argv.join(' '));
    const runDir = join(labDir, 'run');
    const files = existsSync(runDir) ? readdirSync(runDir) : [];
    return [...(namespaces ? namespaces.split('\n') : []), ...forwards, ...files];
  };

  it('LAB_RUNTIME=kubernetes: overlays/lab applied in a namespace of the run and rolled out, then one line saying no pod answers, and nothing left behind', { timeout: 400_000 }, async () => {
    // overlays/lab above registered the custom metrics API of a prometheus-adapter that cannot
    // serve on kwok: while an aggregated API fails discovery, no namespace finishes deleting
    await cp.kubectl(['delete', 'apiservice', 'v1beta1.custom.metrics.k8s.io', '--ignore-not-found']);
    const labDir = join(dir, 'lab-run');
    const env = { ...process.env, LAB_RUNTIME: 'kubernetes', KUBECONFIG: cp.kubeconfig, LAB_DIR: labDir };
    const progress: string[] = [];
    const error = await startStack({ env, withApp: true, seed: { products: 10 }, onProgress: (line) => progress.push(line) }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    process.stdout.write(`kubernetes runtime: ${progress.join(' | ')}\n  -> ${error?.message}\n`);
    expect(progress[0]).toMatch(/^overlays\/lab applied in the namespace faultline-run-[0-9a-f-]+ \(context 'local'\)$/);
    expect(progress[1]).toMatch(/^infrastructure rolled out in [\d.]+ s$/);
    expect(error?.code).toBe('LAB_ERR_KUBE_UNREACHABLE_POD');
    expect(error?.message).toMatch(/^LAB_RUNTIME=kubernetes: postgres \(namespace faultline-run-[0-9a-f-]+, port 15432\) rolled out but nothing answers through kubectl port-forward \((error forwarding port 15432 to pod postgres-0\/faultline-run-[^()]+|error: lost connection to pod)\): the run needs nodes that really run the pods \(a kubelet and a container runtime\), not simulated ones$/);
    expect(error?.message).not.toContain('\n');
    // the reason: kwok's own words (the API server reached the node's kubelet port on 127.0.0.1,
    // kwok's server: no forward found for port 15432), or kubectl's closing line when it exits first
    expect(await leftovers(labDir)).toEqual([]);
  });

  it("faultline status of a lab dir whose run is on Kubernetes: its namespace's workloads, from the recorded context", async () => {
    const env = { ...process.env, LAB_DIR: join(dir, 'lab-status') };
    writeKubeRecord(stackContext(env), { namespace: 'faultline', kubeconfig: cp.kubeconfig });
    const rows = await stackStatus(env);
    expect(rows.find((r) => r.name === 'postgres')).toMatchObject({ kind: 'infra', health: 'healthy', version: 'faultline/postgres:15' });
    expect(rows.find((r) => r.name === 'gateway')).toMatchObject({ kind: 'app', health: 'healthy', version: 'faultline/app:local' });
    removeKubeRecord(stackContext(env));
  });

  it('LAB_RUNTIME=kubernetes: interrupted (Ctrl-C) once the overlay is applied, it stops and leaves nothing behind', { timeout: 400_000 }, async () => {
    const labDir = join(dir, 'lab-interrupted');
    const env = { ...process.env, LAB_RUNTIME: 'kubernetes', KUBECONFIG: cp.kubeconfig, LAB_DIR: labDir };
    const abort = new AbortController();
    const error = await startStack({ env, withApp: true, signal: abort.signal, onProgress: (line) => line.startsWith('overlays/lab applied') && abort.abort() }).then(
      () => null,
      (e: unknown) => e as { code: string },
    );
    expect(error?.code).toBe('LAB_ERR_INTERRUPTED');
    expect(await leftovers(labDir)).toEqual([]);
  });

  const refused: Record<string, [string, RegExp]> = {
    'a selector that does not match the template': [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: bad-selector, namespace: default }\nspec: { selector: { matchLabels: { a: b } }, template: { metadata: { labels: { a: c } }, spec: { containers: [{ name: c, image: i }] } } }\n',
      /`selector` does not match template `labels`/,
    ],
    'an HPA metric of a type that does not exist': [
      'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: bad-hpa, namespace: default }\nspec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }, maxReplicas: 2, metrics: [{ type: Bogus }] }\n',
      /Unsupported value: "Bogus"/,
    ],
    'a field the API does not have': [
      'apiVersion: v1\nkind: Service\nmetadata: { name: bad-field, namespace: default }\nspec: { selektor: { a: b }, ports: [{ port: 80 }] }\n',
      /unknown field "spec.selektor"/,
    ],
  };
  for (const [what, [yaml, reason]] of Object.entries(refused)) {
    it(`refuses ${what}`, async () => {
      await expect(cp.kubectl(['apply', '--validate=strict', '-f', '-'], yaml)).rejects.toThrow(reason);
    });
  }
});
