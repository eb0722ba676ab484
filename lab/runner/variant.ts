/**
 * One variant of a run: apply its switches, start the load engine on the load script, play the
 * fault timeline beside it, show the progress line, and come back with the windows, faults and the
 * engine's numbers. Faults are reverted whatever happens; the engine is stopped if anything fails.
 */
import { Redis } from 'ioredis';
import { adminAuthorization } from '../secrets.ts';
import { LabError } from '../../errors/lab-error.ts';
import type { StackHandle } from '../stack/index.ts';
import { playTimeline, type FaultRecord, type Timeline } from '../../chaos/timeline.ts';
import { startAutoscaler, type Decision, type RunningAutoscaler, type ScaleTarget } from '../autoscaler/controller.ts';
import type { FaultContext } from '../../chaos/fault.ts';
import type { LabMetrics } from '../../chaos/metrics.ts';
import type { K6SummaryMetrics } from './hypotheses.ts';
import { mintToken } from '../../target-app/src/contracts/customer-token.ts';
import { startLoad, type EngineName, type RunningLoad } from './load-engine.ts';
import { startLoadProcesses } from './load-processes.ts';
import type { EngineResult } from './load-result.ts';
import { judgedStartLag } from './start-lag.ts';
import { faultIntervals, phaseAt, phaseWindows, type PhaseWindows, type Window } from './phases.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import { ProgressLine } from './progress.ts';
import type { LoadedScenario, RunPlan } from './scenarios.ts';

export interface VariantOutcome {
  name: string;
  /** Epoch ms of the load's start and planned end. */
  loadStart: number;
  loadEnd: number;
  /** Epoch seconds. */
  phases: PhaseWindows;
  /** The seconds some fault was on (epoch seconds, merged): what the fault phase judges. */
  faultIntervals: Window[];
  faults: FaultRecord[];
  engine: EngineResult & { summary: K6SummaryMetrics };
  /** The autoscaler's decisions, when the variant ran one. */
  autoscaler: Decision[] | null;
}

export interface VariantRun {
  loaded: LoadedScenario;
  plan: RunPlan;
  variant: string;
  engine: EngineName;
  /** Worker threads of the embedded engine. */
  workers?: number;
  /** Engine processes, each running one execution segment of the load (load-processes.ts). */
  loadProcesses?: number;
  runId: string;
  resultsDir: string;
  stack: StackHandle;
  faultContext: FaultContext;
  metrics: LabMetrics;
  prometheus: PrometheusClient;
  signal: AbortSignal;
  out: NodeJS.WriteStream;
}

/** PATCHes /admin/config on every instance of each service named in the switches, or lets the runtime apply them its own way. */
export async function applySwitches(stack: StackHandle, switches: Record<string, Record<string, unknown>>, where: string): Promise<void> {
  if (stack.applySwitches) return stack.applySwitches(switches);
  for (const [service, patch] of Object.entries(switches)) {
    const instances = stack.instances().filter((i) => i.service === service);
    if (instances.length === 0) throw new LabError('RUN_ERR_SWITCHES', `${where}: no running service is named '${service}'`);
    for (const instance of instances) {
      let response: Response;
      try {
        response = await fetch(`http://127.0.0.1:${instance.adminPort}/admin/config`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', ...adminAuthorization(stack.secrets) },
          body: JSON.stringify(patch),
          signal: AbortSignal.timeout(5000),
        });
      } catch (error) {
        throw new LabError('RUN_ERR_SWITCHES', `${where}: ${instance.instance}'s admin port ${instance.adminPort} did not answer (${error instanceof Error ? error.message : String(error)})`);
      }
      if (!response.ok) {
        const body = (await response.text()).slice(0, 300).replace(/\s+/g, ' ');
        throw new LabError('RUN_ERR_SWITCHES', `${where}: ${instance.instance} refused the switches ${JSON.stringify(patch)} (${response.status}): ${body}`);
      }
    }
  }
}

/** Empties the lab's Redis so every variant starts from the same cold cache. */
export async function flushRedis(port: number): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

export async function runVariant(v: VariantRun): Promise<VariantOutcome> {
  const { loaded, plan, variant, stack } = v;
  const scenario = loaded.scenario;
  const spec = scenario.variants[variant]!;
  const where = `${loaded.file} variants.${variant}`;
  if (scenario.resetCacheBetweenVariants) await flushRedis(stack.ports.redis);
  await applySwitches(stack, spec.switches, where);

  const duration = plan.settings.duration;
  const labels = (r: FaultRecord) => ({ fault: r.entry.fault, target: r.entry.target, scenario: loaded.name, variant });
  let load: RunningLoad | undefined;
  let timeline: Timeline | undefined;
  let progress: ProgressLine | undefined;
  let autoscaler: RunningAutoscaler | undefined;
  const onAbort = () => {
    load?.stop();
    void timeline?.stop();
  };
  v.signal.addEventListener('abort', onAbort);
  try {
    const token = await mintToken({ secret: stack.secrets.jwtSecret, subject: `load-${variant}`, ttlSeconds: 24 * 3600 });
    const loadRun = { token, engine: v.engine, script: loaded.loadScript, variant, scenario: loaded.name, runId: v.runId, profile: plan.profile, duration, vars: plan.settings.vars, resultsDir: v.resultsDir, env: stack.env, ...(v.workers ? { workers: v.workers } : {}) };
    load = (v.loadProcesses ?? 1) > 1 ? startLoadProcesses(loadRun, v.loadProcesses!) : startLoad(loadRun);
    // faults and phases count from the engine's first planned iteration (a failing engine ends the wait)
    const loadStart = await load.started;
    if (v.signal.aborted) throw new LabError('RUN_ERR_INTERRUPTED', 'interrupted', 130);
    const planned = phaseWindows({ start: loadStart / 1000, end: loadStart / 1000 + duration }, plan.timeline.map((t) => ({ start: loadStart / 1000 + t.at, end: loadStart / 1000 + t.at + t.duration })), plan.settings);
    timeline = playTimeline(plan.timeline, {
      context: v.faultContext,
      startAt: loadStart,
      onChange: (r) => {
        const on = r.state === 'active';
        v.metrics.setFault(labels(r), on);
        progress?.note(`  ${on ? 'applied' : 'reverted'} ${r.entry.fault} on ${r.entry.target} at ${((Date.now() - loadStart) / 1000).toFixed(1)} s`);
      },
    });
    progress = new ProgressLine(v.out, v.prometheus, `variant="${variant}",faultline_run="${v.runId}"`, () => {
      const t = Date.now() / 1000;
      const phase = phaseAt(planned, t);
      v.metrics.setPhase(loaded.name, variant, phase);
      return { scenario: loaded.name, variant, phase, elapsed: Math.min(duration, t - loadStart / 1000), total: duration, faults: timeline!.active().map((r) => `${r.entry.fault}@${r.entry.target}`) };
    });
    progress.start();
    if (spec.autoscaler) {
      autoscaler = startAutoscaler({
        spec: spec.autoscaler,
        source: v.prometheus,
        target: catalogScaleTarget(stack),
        registry: v.metrics.registry,
        labels: { scenario: loaded.name, variant },
        onChange: (line) => progress?.note(`  ${line}`),
      });
    }

    // a fault that fails to apply ends the variant at once (load stopped); so does the engine failing
    const timelineFailed = timeline.finished.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => {
        load?.stop();
        throw error;
      },
    );
    const result = await Promise.race([load.done, timelineFailed]);
    if (v.signal.aborted) throw new LabError('RUN_ERR_INTERRUPTED', 'interrupted', 130);
    await autoscaler?.stop();
    await timeline.stop(); // a fault still on past the load's end is reverted now
    await timeline.finished;
    const loadEnd = loadStart + duration * 1000;
    const faults = [...timeline.records];
    const faultWindows = faults.filter((f) => f.appliedAt !== undefined).map((f) => ({ start: f.appliedAt! / 1000, end: (f.revertedAt ?? loadEnd) / 1000 }));
    const phases = phaseWindows({ start: loadStart / 1000, end: loadEnd / 1000 }, faultWindows, plan.settings);
    const judged = { start: loadStart + plan.settings.warmup * 1000, end: loadEnd };
    const engine = { ...result, startLag: judgedStartLag(result, v.resultsDir, judged) };
    return { name: variant, loadStart, loadEnd, phases, faultIntervals: faultIntervals(faultWindows), faults, engine, autoscaler: autoscaler ? [...autoscaler.decisions] : null };
  } catch (error) {
    load?.stop();
    await autoscaler?.stop();
    await timeline?.stop();
    await load?.done.catch(() => {});
    if (v.signal.aborted) throw new LabError('RUN_ERR_INTERRUPTED', 'interrupted', 130);
    throw error;
  } finally {
    await resetReplicas(stack, scenario.topology.catalogReplicas).catch(() => {});
    v.signal.removeEventListener('abort', onAbort);
    progress?.stop();
    v.metrics.setPhase(loaded.name, variant, undefined);
  }
}

/** The stack's catalog instances as the autoscaler scales them. */
export function catalogScaleTarget(stack: StackHandle): ScaleTarget {
  return {
    instances: () => stack.instances().filter((i) => i.service === 'catalog').map((i) => i.instance),
    add: () => stack.addCatalogInstance(),
    remove: () => stack.removeCatalogInstance(),
  };
}

/** Brings the catalog back to the topology's instance count, so the next variant starts where this one did. */
async function resetReplicas(stack: StackHandle, replicas: number): Promise<void> {
  while (stack.catalogReplicas > replicas) await stack.removeCatalogInstance();
  while (stack.catalogReplicas < replicas) await stack.addCatalogInstance();
}
