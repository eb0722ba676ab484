/**
 * One variant of a run: apply its switches, start k6 on the load script, play the fault timeline
 * beside it, show the progress line, and come back with the windows, faults and k6's numbers.
 * Faults are reverted whatever happens; k6 is stopped if anything fails.
 */
import { Redis } from 'ioredis';
import { adminAuthorization } from '../secrets.ts';
import { LabError } from '../../errors/lab-error.ts';
import type { StackHandle } from '../stack/index.ts';
import { playTimeline, type FaultRecord, type Timeline } from '../../chaos/timeline.ts';
import type { FaultContext } from '../../chaos/fault.ts';
import type { LabMetrics } from '../../chaos/metrics.ts';
import type { K6SummaryMetrics } from './hypotheses.ts';
import { startK6, type RunningK6 } from './k6.ts';
import { phaseAt, phaseWindows, type PhaseWindows } from './phases.ts';
import type { PrometheusClient } from './prometheus.ts';
import { ProgressLine } from './progress.ts';
import type { LoadedScenario, RunPlan } from './scenarios.ts';
import type { K6Result } from './summary.ts';

export interface VariantOutcome {
  name: string;
  /** Epoch ms of the load's start and planned end. */
  loadStart: number;
  loadEnd: number;
  /** Epoch seconds. */
  phases: PhaseWindows;
  faults: FaultRecord[];
  k6: K6Result & { summary: K6SummaryMetrics };
}

export interface VariantRun {
  loaded: LoadedScenario;
  plan: RunPlan;
  variant: string;
  runId: string;
  resultsDir: string;
  stack: StackHandle;
  faultContext: FaultContext;
  metrics: LabMetrics;
  prometheus: PrometheusClient;
  signal: AbortSignal;
  out: NodeJS.WriteStream;
}

/** PATCHes /admin/config on every instance of each service named in the switches. */
export async function applySwitches(stack: StackHandle, switches: Record<string, Record<string, unknown>>, where: string): Promise<void> {
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
  let k6: RunningK6 | undefined;
  let timeline: Timeline | undefined;
  let progress: ProgressLine | undefined;
  const onAbort = () => {
    k6?.stop();
    void timeline?.stop();
  };
  v.signal.addEventListener('abort', onAbort);
  try {
    k6 = startK6({ script: loaded.loadScript, variant, scenario: loaded.name, runId: v.runId, profile: plan.profile, duration, vars: plan.settings.vars, resultsDir: v.resultsDir, ports: stack.ports });
    const loadStart = Date.now();
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

    // a fault that fails to apply ends the variant at once (k6 stopped); so does k6 failing
    const timelineFailed = timeline.finished.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => {
        k6?.stop();
        throw error;
      },
    );
    const result = await Promise.race([k6.done, timelineFailed]);
    if (v.signal.aborted) throw new LabError('RUN_ERR_INTERRUPTED', 'interrupted', 130);
    await timeline.stop(); // a fault still on past the load's end is reverted now
    await timeline.finished;
    const loadEnd = loadStart + duration * 1000;
    const faults = [...timeline.records];
    const phases = phaseWindows(
      { start: loadStart / 1000, end: loadEnd / 1000 },
      faults.filter((f) => f.appliedAt !== undefined).map((f) => ({ start: f.appliedAt! / 1000, end: (f.revertedAt ?? loadEnd) / 1000 })),
      plan.settings,
    );
    return { name: variant, loadStart, loadEnd, phases, faults, k6: result };
  } catch (error) {
    k6?.stop();
    await timeline?.stop();
    await k6?.done.catch(() => {});
    if (v.signal.aborted) throw new LabError('RUN_ERR_INTERRUPTED', 'interrupted', 130);
    throw error;
  } finally {
    v.signal.removeEventListener('abort', onAbort);
    progress?.stop();
    v.metrics.setPhase(loaded.name, variant, undefined);
  }
}
