/**
 * Every fault type has a Kubernetes form (the table README.md's "Kubernetes" section shows), and
 * the process faults' Chaos Mesh experiments select the pod of the instance's service.
 */
import { describe, expect, it } from 'vitest';
import { chaosExperiment, KUBERNETES_FORMS, unmapped } from '../kubernetes-forms.ts';
import { FAULTS, type FaultRegistry } from '../registry.ts';

describe('the Kubernetes form of each fault type', () => {
  it('exists for every fault type of the registry, and names no type the registry lacks', () => {
    expect(unmapped(FAULTS)).toEqual([]);
    expect(Object.keys(KUBERNETES_FORMS).filter((type) => !FAULTS.has(type))).toEqual([]);
  });

  it('is missed for a new fault type that has none', () => {
    const grown = new Map([...FAULTS, ['disk_full', FAULTS.get('latency')!]]) as FaultRegistry;
    expect(unmapped(grown)).toEqual(['disk_full']);
  });

  it('keeps the edge faults Toxiproxy toxics and makes the process faults Chaos Mesh experiments', () => {
    for (const [type, fault] of FAULTS) {
      const form = KUBERNETES_FORMS[type]!;
      if (fault.target === 'proxy') expect(form.via, type).toBe('toxiproxy');
      if (fault.target === 'instance' || fault.target === 'component') expect(form.via, type).toBe('chaos-mesh');
    }
  });

  it('selects one pod of the service, for the fault\'s duration', () => {
    const kill = chaosExperiment('process_kill', 'catalog', 'faultline', 20, 'f1');
    expect(kill).toMatchObject({ kind: 'PodChaos', spec: { action: 'pod-kill', mode: 'one', duration: '20s', selector: { namespaces: ['faultline'], labelSelectors: { 'app.kubernetes.io/name': 'catalog' } } } });
    expect(chaosExperiment('process_restart', 'orders', 'faultline', 5, 'f2').spec).toMatchObject({ action: 'container-kill', containerNames: ['orders'] });
    expect(chaosExperiment('process_stop', 'pricing', 'faultline', 5, 'f3')).toMatchObject({ kind: 'NetworkChaos', spec: { action: 'partition', direction: 'both' } });
    expect(() => chaosExperiment('latency', 'catalog', 'faultline', 5, 'f4')).toThrow(/toxiproxy fault/);
  });
});
