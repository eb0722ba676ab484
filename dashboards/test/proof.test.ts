/**
 * Every panel query of every dashboard against real data. After a smoke scenario run through the
 * runner API, every query must answer without error and with data, save the ones a smoke run of
 * that scenario cannot feed (listed with the reason). Until the runner has a load engine, the
 * app-side proof stands in: the native stack with the app, real traffic and a real fault, and
 * every query that does not need the load engine or a pattern the default topology leaves off.
 * Both print panels / queries / queries with data.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePorts } from '../../lab/ports.ts';
import { newestRun } from '../../lab/runner/run-range.ts';
import { resultsRoot, runScenario } from '../../lab/runner/run.ts';
import { startStack, stopStack } from '../../lab/stack/index.ts';
import { testEnv } from '../../lab/test/lab-env.ts';
import { executeDashboardQueries, executeDashboards, labelValuesQuery, type Endpoints, type Execution, type QueryRun } from '../execute.ts';
import { renderDashboards } from '../generate.ts';
import { autoscaling, load, logs, resilience, variables } from '../queries.ts';
import { panelsOf } from '../walk.ts';
import { driveTraffic, PROOF_SCENARIO, PROOF_VARIANT } from './traffic.ts';

const boards = [...renderDashboards().values()].map((text) => JSON.parse(text) as { uid: string; panels: never[] });

/** Queries the app-side traffic (default topology, ten seconds, one refused edge) cannot feed, and why. */
const APP_QUIET: [string, string][] = [
  [resilience.retriesDenied.expr, 'no retry was refused: the retry budget and the deadlines held at this load'],
  [resilience.shed.expr, 'nothing was shed: the gateway stays under its concurrency limit at this load'],
  [resilience.deadlineResponses.expr, 'no request waited past its deadline: the outage refuses connections at once'],
  [resilience.deadlineCalls.expr, 'calls to the refused edge fail at once; one times out only when the outage begins mid-connection'],
  [autoscaling.desired.expr, 'no autoscaler runs here: only a variant with an autoscaler feeds faultline_autoscaler_desired_replicas'],
];
/** What cache-stampede cannot feed: its gateway runs without retries or failover, and it fails no request. */
const SCENARIO_QUIET: [string, string][] = [
  ...[resilience.retries, resilience.retriesDenied, resilience.retryShare].map((q): [string, string] => [q.expr, 'cache-stampede turns retries off']),
  ...[resilience.breakerTransitions, resilience.priceFallbacks, resilience.deadlineCalls, resilience.deadlineResponses, resilience.shed].map((q): [string, string] => [q.expr, 'cache-stampede faults only the cache: no call fails, times out or is shed']),
  ...Object.values(logs).map((q): [string, string] => [q.expr, 'cache-stampede fails no request: no warning is logged']),
  [autoscaling.desired.expr, 'no autoscaler runs here: only a variant with an autoscaler feeds faultline_autoscaler_desired_replicas'],
  [load.dropped.expr, 'the engine dropped no iteration: it counts drops only when there are some, as k6 does'],
];
const ENGINE: [string, string][] = [...Object.values(load), { expr: labelValuesQuery(variables.run.query)! }].map((q) => [q.expr, "the load engine's series (k6_*) arrive with the embedded engine"]);

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
    await runScenario({ name: 'cache-stampede', profile: 'smoke', keep: true, env: runEnv, out: process.stdout });
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

  it('app side: the native stack with the app, ten seconds of real traffic and a pricing outage', async () => {
    const stack = await startStack({ env: appEnv, withApp: true, catalogReplicas: 1, seed: { products: 1000 } });
    // an instance the autoscaler would add: scraped through file_sd without editing a file
    await stack.addCatalogInstance();
    const traffic = await driveTraffic(stack.ports, stack.secrets.jwtSecret);
    process.stdout.write(`traffic: ${traffic.requests} requests, statuses ${JSON.stringify(traffic.statuses)}\n`);
    const values = { scenario: [PROOF_SCENARIO], variant: [PROOF_VARIANT] };
    const results = await executeAll(endpoints(stack.ports as unknown as Record<string, number>), { start: traffic.start, end: traffic.end, values });
    const allowed = [...APP_QUIET, ...ENGINE];
    report('app-side proof', results, new Map(allowed));
    judge(results, new Map(allowed));
    // both catalog instances served traffic and were scraped, the second added at run time
    expect(results.find((r) => r.template === autoscaling.ratePerInstance.expr)?.results).toBe(2);
  }, 300_000);
});
