/**
 * Every panel query of every dashboard against real data. After a smoke scenario run through the
 * runner API, every query must answer without error and with data, save the ones that scenario
 * cannot feed (listed with the reason). The app-side proof then leaves none out: the native stack
 * with the app, the lab's autoscaler adding an instance, the load engine on a load it cannot keep
 * up with, and real traffic through a pricing outage, a slow pricing edge under tight timeouts and
 * no retry budget, and bursts against a concurrency limit: every query answers with data.
 * Both print panels / queries / queries with data.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { LabMetrics } from '../../chaos/metrics.ts';
import { startAutoscaler } from '../../lab/autoscaler/controller.ts';
import { resultsRoot } from '../../lab/paths.ts';
import { resolvePorts } from '../../lab/ports.ts';
import { startLoad } from '../../lab/runner/load-engine.ts';
import { PrometheusClient } from '../../lab/prometheus-client.ts';
import { newestRun } from '../../lab/run-summary/run-range.ts';
import { keepVariantTraces, writeReport } from '../../lab/report/index.ts';
import { runScenario } from '../../lab/runner/run.ts';
import { catalogScaleTarget } from '../../lab/runner/variant.ts';
import { startStack, stopStack } from '../../lab/stack/index.ts';
import { testEnv } from '../../lab/test/lab-env.ts';
import { mintToken } from '../../target-app/src/contracts/customer-token.ts';
import { executeDashboardQueries, executeDashboards, type Endpoints, type Execution, type QueryRun } from '../execute.ts';
import { renderDashboards } from '../generate.ts';
import { autoscaling, load, logs, resilience } from '../queries.ts';
import { panelsOf } from '../walk.ts';
import { driveTraffic, PROOF_SCENARIO, PROOF_VARIANT } from './traffic.ts';

const boards = [...renderDashboards().values()].map((text) => JSON.parse(text) as { uid: string; panels: never[] });

/** What cache-stampede cannot feed: its gateway runs without retries or failover, it fails no request, and it runs no autoscaler. */
const SCENARIO_QUIET: [string, string][] = [
  ...[resilience.retries, resilience.retriesDenied, resilience.retryShare].map((q): [string, string] => [q.expr, 'cache-stampede turns retries off']),
  ...[resilience.breakerTransitions, resilience.priceFallbacks, resilience.deadlineCalls, resilience.deadlineResponses, resilience.shed].map((q): [string, string] => [q.expr, 'cache-stampede faults only the cache: no call fails, times out or is shed']),
  ...Object.values(logs).map((q): [string, string] => [q.expr, 'cache-stampede fails no request: no warning is logged']),
  ...[autoscaling.desired, autoscaling.metricAverage, autoscaling.metricTarget].map((q): [string, string] => [q.expr, 'cache-stampede runs no autoscaler']),
  [load.dropped.expr, 'the engine dropped no iteration: it counts drops only when there are some, as k6 does'],
];

/** The app-side autoscaler: its floor of two instances makes its first evaluation add one; the metric is the requests each instance serves. */
const PROOF_AUTOSCALER = {
  query: 'sum by (instance) (rate(http_server_request_duration_seconds_count{job="catalog"}[3s]))',
  target: 10,
  minReplicas: 2,
  maxReplicas: 2,
  periodSeconds: 1,
};
/** Seconds of the load engine's overrun load: it starts with the traffic and ends within it. */
const OVERRUN_SECONDS = 8;

/** Panel queries, then the annotation and variable queries of every dashboard. */
async function executeAll(at: Endpoints, run: QueryRun): Promise<Execution[]> {
  return [...(await executeDashboards(boards, at, run)), ...(await executeDashboardQueries(boards, at, run))];
}

function report(title: string, results: Execution[], allowed: Map<string, string>): void {
  const panels = boards.reduce((n, b) => n + panelsOf(b).length, 0);
  const ofPanels = results.filter((r) => !/^(annotation|variable): /.test(r.panel));
  const others = results.filter((r) => !ofPanels.includes(r));
  const lines = [
    `${title}: ${boards.length} dashboards, ${panels} panels, ${ofPanels.length} panel queries, ${ofPanels.filter((r) => r.results > 0).length} with data; ` +
      `${others.length} annotation and variable queries, ${others.filter((r) => r.results > 0).length} with data`,
  ];
  for (const r of results.filter((x) => x.results === 0)) lines.push(`  no data: ${r.dashboard} / ${r.panel} [${r.refId}] — ${r.error ?? r.notRun ?? allowed.get(r.template) ?? 'UNEXPECTED'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** No query errs; every query has data unless the table says why it cannot here. */
function judge(results: Execution[], allowed: Map<string, string>): void {
  expect(results.filter((r) => r.error).map((r) => `${r.dashboard} / ${r.panel}: ${r.error} (${r.query})`)).toEqual([]);
  expect(results.filter((r) => r.results === 0 && !r.notRun && !allowed.has(r.template)).map((r) => `${r.dashboard} / ${r.panel}: ${r.query}`)).toEqual([]);
}

function endpoints(ports: Record<string, number>): Endpoints {
  return {
    prometheus: `http://127.0.0.1:${ports.prometheus}`,
    jaeger: `http://127.0.0.1:${ports.jaegerQuery}`,
    ...(ports.victoriaLogs ? { victoriaLogs: `http://127.0.0.1:${ports.victoriaLogs}` } : {}),
  };
}

describe('every panel query of every dashboard, against the real stores', () => {
  const appEnv = testEnv('dashboards-proof-app');
  const runEnv = testEnv('dashboards-proof-run', { FAULTLINE_RESULTS_DIR: join(testEnv('dashboards-proof-run').LAB_DIR!, 'results') });
  afterAll(async () => {
    await stopStack(appEnv);
    await stopStack(runEnv);
  });

  it('after a smoke scenario run (cache-stampede), with the variables of that run', async () => {
    await runScenario({ name: 'cache-stampede', profile: 'smoke', keep: true, env: runEnv, out: process.stdout, writeReport, keepTraces: keepVariantTraces });
    try {
      const run = newestRun(resultsRoot(runEnv))!;
      const results = await executeAll(endpoints(resolvePorts(runEnv) as unknown as Record<string, number>), { start: run.start, end: run.end, values: run.values });
      report('scenario proof', results, new Map(SCENARIO_QUIET));
      judge(results, new Map(SCENARIO_QUIET));
    } finally {
      // the app-side proof below starts a stack of its own on the same ports
      await stopStack(runEnv);
    }
  }, 600_000);

  it('app side: the autoscaler, an overrun load, and traffic through an outage, a slow edge and a concurrency limit, with nothing left out', async () => {
    const stack = await startStack({ env: appEnv, withApp: true, catalogReplicas: 1, seed: { products: 1000 } });
    const metrics = new LabMetrics();
    await metrics.listen(stack.ports.labMetrics);
    const labels = { scenario: PROOF_SCENARIO, variant: PROOF_VARIANT };
    const autoscaler = startAutoscaler({ spec: PROOF_AUTOSCALER, source: new PrometheusClient(stack.ports.prometheus), target: catalogScaleTarget(stack), registry: metrics.registry, labels });
    try {
      const start = new Date();
      // the instance the autoscaler adds is scraped through file_sd without editing a file
      for (let waited = 0; stack.catalogReplicas < 2 && waited < 30_000; waited += 200) await sleep(200);
      expect(stack.catalogReplicas).toBe(2);
      const resultsDir = join(appEnv.LAB_DIR!, 'results');
      mkdirSync(resultsDir, { recursive: true });
      const token = await mintToken({ secret: stack.secrets.jwtSecret, subject: 'dashboards-proof', ttlSeconds: 600 });
      const overrun = startLoad({ engine: 'embedded', script: join(import.meta.dirname, 'overrun-load.ts'), ...labels, runId: 'dashboards-proof', profile: 'smoke', duration: OVERRUN_SECONDS, vars: {}, resultsDir, env: appEnv, token });
      const traffic = await driveTraffic(stack, metrics);
      const engine = await overrun.done;
      await autoscaler.stop();
      process.stdout.write(`traffic: ${traffic.requests} requests, statuses ${JSON.stringify(traffic.statuses)}; load engine: ${engine.summary.iterations?.count ?? 0} iterations, ${engine.summary.dropped_iterations?.count ?? 0} dropped\n`);
      const results = await executeAll(endpoints(stack.ports as unknown as Record<string, number>), { start, end: traffic.end, values: { scenario: [PROOF_SCENARIO], variant: [PROOF_VARIANT] } });
      report('app-side proof', results, new Map());
      judge(results, new Map());
      // both catalog instances served traffic and were scraped, the second added at run time by the autoscaler
      expect(autoscaler.decisions.some((d) => d.current === 1 && d.desired === 2)).toBe(true);
      expect(results.find((r) => r.template === autoscaling.ratePerInstance.expr)?.results).toBe(2);
    } finally {
      await autoscaler.stop();
      await metrics.close();
    }
  }, 300_000);
});
