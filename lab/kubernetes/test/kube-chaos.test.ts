/**
 * The process faults' Kubernetes form, judged by the API itself: Chaos Mesh's CRDs, made here by
 * controller-gen from github.com/chaos-mesh/chaos-mesh/api, installed on a real control plane, and
 * every PodChaos / NetworkChaos that chaos/kubernetes-forms.ts produces accepted; an action Chaos
 * Mesh does not have refused, so this can fail.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosExperiment, KUBERNETES_FORMS } from '../../../chaos/kubernetes-forms.ts';
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

  it('refuses an action Chaos Mesh does not have, and a field it does not know', async () => {
    const kill = chaosExperiment('process_kill', 'catalog', 'faultline', 20, 'bad-action');
    await expect(cp.kubectl(['apply', '--validate=strict', '-f', '-'], JSON.stringify({ ...kill, spec: { ...kill.spec, action: 'pod-explode' } }))).rejects.toThrow(/pod-explode/);
    await expect(cp.kubectl(['apply', '--validate=strict', '-f', '-'], JSON.stringify({ ...kill, metadata: { ...kill.metadata, name: 'bad-field' }, spec: { ...kill.spec, podSelektor: {} } }))).rejects.toThrow(/unknown field/);
  });
});
