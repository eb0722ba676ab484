/**
 * The process faults' Kubernetes form, judged by the API itself: Chaos Mesh's CRDs, made here by
 * controller-gen from github.com/chaos-mesh/chaos-mesh/api, installed on a real control plane, and
 * every PodChaos / NetworkChaos that chaos/kubernetes-forms.ts produces accepted; an action Chaos
 * Mesh does not have refused, so this can fail; and a run's process faults, on the Kubernetes
 * runtime's stack handle, started as those experiments and ended by their revert.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosExperiment, KUBERNETES_FORMS } from '../../../chaos/kubernetes-forms.ts';
import { faultType, parseAttributes } from '../../../chaos/registry.ts';
import { ToxiproxyClient } from '../../../chaos/toxiproxy.ts';
import { ensureLabSecrets } from '../../secrets.ts';
import { stackContext } from '../../stack/context.ts';
import { loadTopology } from '../../stack/topology.ts';
import { clusterHandle } from '../cluster-handle.ts';
import { chaosMeshCrdDir, controlPlaneMissing, startControlPlane, type ControlPlane } from '../control-plane.ts';

const missing = controlPlaneMissing();
let dir: string;
let cp: ControlPlane;

describe.skipIf(missing !== null)(`Chaos Mesh experiments on a real control plane${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-kube-chaos-'));
    cp = await startControlPlane({ dir });
    const crds = chaosMeshCrdDir();
    // server-side: the CRDs are larger than the annotation client-side apply keeps
    await cp.kubectl(['apply', '--server-side', '-f', crds]);
    expect(readdirSync(crds).length).toBeGreaterThan(10);
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/podchaos.chaos-mesh.org', 'crd/networkchaos.chaos-mesh.org']);
    await cp.kubectl(['create', 'namespace', 'faultline']);
  });
  afterAll(async () => {
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chaosFaults = Object.entries(KUBERNETES_FORMS).filter(([, form]) => form.via === 'chaos-mesh');
  it('has process faults to check', () => {
    expect(chaosFaults.map(([type]) => type).sort()).toEqual(['component_kill', 'process_kill', 'process_restart', 'process_stop']);
  });

  for (const [type] of chaosFaults) {
    it(`accepts the ${type} experiment (strict field validation)`, async () => {
      const experiment = chaosExperiment(type, type === 'component_kill' ? 'redis' : 'catalog', 'faultline', 20, type.replace('_', '-'));
      const out = await cp.kubectl(['apply', '--validate=strict', '-f', '-'], JSON.stringify(experiment));
      expect(out).toMatch(/created/);
    });
  }

  it("a run's process faults, through the stack handle, start their experiment on the target's pods and their revert deletes it", async () => {
    const env = { ...process.env, KUBECONFIG: cp.kubeconfig, LAB_DIR: join(dir, 'lab') };
    const handle = clusterHandle({ ctx: stackContext(env), namespace: 'faultline', topology: await loadTopology(env), secrets: ensureLabSecrets(env), appConfig: {}, replicas: 1, withApp: true, stop: async () => ({ stopped: [], notes: [] }) });
    const ctx = { toxiproxy: new ToxiproxyClient(1), processes: handle };
    for (const [type, target] of [['process_kill', 'catalog-1'], ['process_restart', 'gateway'], ['process_stop', 'orders'], ['component_kill', 'redis']] as const) {
      const applied = await faultType(type).apply(ctx, target, parseAttributes(type, {}, type) as never, `1-${type}`);
      const experiment = String(applied.detail.experiment);
      const [kind, name] = experiment.split('/');
      expect(kind).toBe(KUBERNETES_FORMS[type]!.via === 'chaos-mesh' ? (KUBERNETES_FORMS[type] as { kind: string }).kind : '');
      const live = JSON.parse(await cp.kubectl(['get', `${kind!.toLowerCase()}.chaos-mesh.org/${name}`, '-n', 'faultline', '-o', 'json'])) as { spec: { selector: { labelSelectors: Record<string, string> } } };
      expect(live.spec.selector.labelSelectors['app.kubernetes.io/name']).toBe(target.replace(/-\d+$/, ''));
      await applied.revert();
      await expect(cp.kubectl(['get', `${kind!.toLowerCase()}.chaos-mesh.org/${name}`, '-n', 'faultline'])).rejects.toThrow(/NotFound/);
    }
  });

  it('refuses an action Chaos Mesh does not have, and a field it does not know', async () => {
    const kill = chaosExperiment('process_kill', 'catalog', 'faultline', 20, 'bad-action');
    await expect(cp.kubectl(['apply', '--validate=strict', '-f', '-'], JSON.stringify({ ...kill, spec: { ...kill.spec, action: 'pod-explode' } }))).rejects.toThrow(/pod-explode/);
    await expect(cp.kubectl(['apply', '--validate=strict', '-f', '-'], JSON.stringify({ ...kill, metadata: { ...kill.metadata, name: 'bad-field' }, spec: { ...kill.spec, podSelektor: {} } }))).rejects.toThrow(/unknown field/);
  });
});
