/**
 * The lab's autoscaler: a control loop outside every service, as Kubernetes' HPA controller is.
 * Every period it reads a per-instance metric from Prometheus, computes the replica count with the
 * HPA arithmetic (hpa.ts), and adds or removes catalog instances through the stack (the gateway
 * learns of them without a restart; a removed instance drains before it exits). Desired and current
 * replicas, the metric's average and its target are metrics of the runner.
 */
import { Gauge, type Registry } from 'prom-client';
import { recommendReplicas, Stabilizer, type HpaSpec, type InstanceSample } from './hpa.ts';

export interface AutoscalerSpec extends HpaSpec {
  /** PromQL giving one series per instance (`by (instance)`), e.g. requests per second or in flight. */
  query: string;
  /** Seconds between two evaluations (Kubernetes: 15; the lab: a few). */
  periodSeconds: number;
}

/** What the autoscaler scales: the stack's catalog instances. */
export interface ScaleTarget {
  /** Names of the instances that run now (catalog-1, ...). */
  instances(): string[];
  add(): Promise<string>;
  /** Drains and stops the newest instance. */
  remove(): Promise<void>;
}

/** The one thing the loop asks Prometheus: a vector at a time. */
export interface MetricSource {
  vector(expr: string, time: number, what?: string): Promise<{ labels: Record<string, string>; value: number }[]>;
}

export interface Decision {
  /** Epoch seconds. */
  at: number;
  current: number;
  average: number | null;
  desired: number;
}

export interface RunningAutoscaler {
  readonly decisions: readonly Decision[];
  stop(): Promise<void>;
}

export interface AutoscalerOptions {
  spec: AutoscalerSpec;
  source: MetricSource;
  target: ScaleTarget;
  registry: Registry;
  labels: { scenario: string; variant: string };
  /** One line per scaling action (for the progress output). */
  onChange?: (line: string) => void;
}

const gauges = new WeakMap<Registry, Record<'desired' | 'current' | 'average' | 'target', Gauge<'scenario' | 'variant'>>>();

function gaugesOf(registry: Registry): Record<'desired' | 'current' | 'average' | 'target', Gauge<'scenario' | 'variant'>> {
  let found = gauges.get(registry);
  if (!found) {
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['scenario', 'variant'] as const, registers: [registry] });
    found = {
      desired: gauge('faultline_autoscaler_desired_replicas', 'Catalog instances the autoscaler wants (after stabilization and limits).'),
      current: gauge('faultline_autoscaler_current_replicas', 'Catalog instances that run, as the autoscaler counts them.'),
      average: gauge('faultline_autoscaler_metric_average', 'The driving metric averaged over the ready instances.'),
      target: gauge('faultline_autoscaler_metric_target', 'The target average of the driving metric per instance.'),
    };
    gauges.set(registry, found);
  }
  return found;
}

export function startAutoscaler(o: AutoscalerOptions): RunningAutoscaler {
  const stabilizer = new Stabilizer(o.spec);
  const g = gaugesOf(o.registry);
  const decisions: Decision[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;

  const evaluate = async (): Promise<void> => {
    const now = Date.now() / 1000;
    const instances = o.target.instances();
    const rows = await o.source.vector(o.spec.query, now, 'the autoscaler metric').catch(() => []);
    const byInstance = new Map(rows.map((r) => [r.labels.instance ?? '', r.value]));
    const samples: InstanceSample[] = instances.map((name) => ({ value: byInstance.get(name), ready: true }));
    const measured = samples.filter((s) => s.value !== undefined).map((s) => s.value!);
    const average = measured.length ? measured.reduce((a, b) => a + b, 0) / measured.length : null;
    const current = instances.length;
    const desired = stabilizer.desired(now, current, recommendReplicas(current, samples, o.spec.target, stabilizer.tolerance));
    decisions.push({ at: now, current, average, desired });
    g.desired.set(o.labels, desired);
    g.current.set(o.labels, current);
    g.target.set(o.labels, o.spec.target);
    if (average !== null) g.average.set(o.labels, average);
    if (desired === current) return;
    o.onChange?.(`autoscaler: ${current} -> ${desired} catalog instances (average ${average?.toFixed(1) ?? '-'} per instance, target ${o.spec.target})`);
    for (let n = current; n < desired && !stopped; n++) await o.target.add();
    for (let n = current; n > desired && !stopped; n--) await o.target.remove();
    g.current.set(o.labels, o.target.instances().length);
  };

  const loop = (async () => {
    while (!stopped) {
      await evaluate().catch((error: unknown) => o.onChange?.(`autoscaler: ${error instanceof Error ? error.message : String(error)}`));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.spec.periodSeconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    decisions,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
