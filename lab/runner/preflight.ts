/**
 * Checks made once the stack is up and before any load: every fault target exists in the running
 * topology, and Prometheus accepts every PromQL the run will ask (hypotheses and fault checks).
 * A mistake found here costs seconds, not a whole run.
 */
import { LabError } from '../../errors/lab-error.ts';
import type { StackHandle } from '../stack/index.ts';
import { faultType } from '../../chaos/registry.ts';
import type { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { expandPromql } from './hypotheses.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import type { LoadedScenario, RunPlan } from './scenarios.ts';
import { visibilityCheck } from './visibility.ts';

export async function checkTargets(loaded: LoadedScenario, plan: RunPlan, stack: StackHandle, toxiproxy: ToxiproxyClient): Promise<void> {
  const proxies = Object.keys(await toxiproxy.proxies());
  const instances = stack.instances().map((i) => i.instance);
  const services = [...new Set(stack.instances().map((i) => i.service))];
  plan.timeline.forEach((entry, i) => {
    const kind = faultType(entry.fault).target;
    const known = kind === 'proxy' ? proxies : kind === 'instance' ? instances : kind === 'component' ? stack.components() : services;
    if (!known.includes(entry.target)) {
      throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${loaded.file} timeline[${i}]: field target: ${entry.fault} acts on a ${kind}, and '${entry.target}' is none of ${known.join(', ')}`);
    }
  });
}

export async function checkQueries(loaded: LoadedScenario, plan: RunPlan, prometheus: PrometheusClient): Promise<void> {
  const window = { start: 0, end: 5 };
  const vars = { variant: 'check', scenario: loaded.name };
  for (const h of loaded.scenario.hypotheses) {
    if (!('promql' in h.measure)) continue;
    await prometheus.check(expandPromql(h.measure.promql, window, vars), `hypothesis '${h.name}' in ${loaded.file}`);
    if (h.measure.absentMeansZero) await prometheus.check(expandPromql(h.measure.absentMeansZero.witness, window, vars), `the witness of hypothesis '${h.name}' in ${loaded.file}`);
  }
  for (const [i, entry] of plan.timeline.entries()) {
    const check = visibilityCheck(loaded.scenario.timeline[i], entry.fault, entry.target, entry.attributes);
    if (check) await prometheus.check(expandPromql(check.promql, window, vars), `the visibility check of timeline[${i}] (${entry.fault}) in ${loaded.file}`);
  }
}
