/**
 * A scenario run from start to verdict: load and validate the scenario, bring the stack up with
 * its topology, reset Toxiproxy, check every PromQL, run each variant (switches, load, faults),
 * judge faults and hypotheses, write the results, and stop the stack unless asked to keep it.
 * Every exit path (verdict, failure, Ctrl-C) reverts the faults and resets Toxiproxy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT, resultsRoot } from '../paths.ts';
import { resolvePorts } from '../ports.ts';
import { databaseUrl, startStack, stopStack, type StackHandle } from '../stack/index.ts';
import { stackContext } from '../stack/context.ts';
import { LabMetrics } from '../../chaos/metrics.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { describeEnvironment } from './environment.ts';
import { droppedIterationChecks } from './dropped-iterations.ts';
import { readLoadSeconds } from '../load-seconds/read.ts';
import { judgeHypotheses, type HypothesisResult } from './hypotheses.ts';
import { junitXml } from './junit.ts';
import { engineCommand, type EngineName } from './load-engine.ts';
import { measureCost, measureServices, saturationBounds, saturationChecks } from './service-load.ts';
import { PrometheusClient } from '../prometheus-client.ts';
import { loadScenario, planRun } from './scenarios.ts';
import type { ProfileName, Scenario } from './schema.ts';
import { EXIT_CODES, SUMMARY_SCHEMA, summarySchema, writeSummary, type Check, type Summary, type VariantSummary } from '../run-summary/summary.ts';
import { checkQueries, checkTargets } from './preflight.ts';
import { runVariant, type VariantOutcome } from './variant.ts';
import { decideVerdict, faultChecks, hypothesisDataChecks, loadChecks, thresholdHypotheses, verdictTable } from './verdict.ts';
import { judgeFault, visibilityCheck } from './visibility.ts';

/** What a run offers its report before the stack stops: the live stores it may query, and the scenario. */
export interface RunReportSources {
  prometheus: string;
  jaeger: string;
  logs: { url: string; api: 'logsql' };
  scenario: Scenario;
}

/** Writes the run's report into its results directory; called after summary.json, also (without sources) for a broken run. */
export type RunReportWriter = (resultsDir: string, sources?: RunReportSources) => Promise<unknown>;

/** A variant's phases as the results store them (the summary contract's). */
export type StoredPhases = VariantSummary['phases'];

/**
 * Keeps a variant's slowest traces in its results directory as soon as the variant has run:
 * Jaeger's in-memory store is a bounded ring (observability/jaeger/jaeger.yml), so traces read
 * only once every variant has run could already be gone.
 */
export type VariantTraceKeeper = (resultsDir: string, jaegerUrl: string, variant: { name: string; phases: StoredPhases }) => Promise<unknown>;

export interface RunOptions {
  name: string;
  profile: ProfileName;
  variant?: string;
  keep: boolean;
  /** The load engine: embedded (default) or k6 from PATH. */
  engine?: EngineName;
  /** Worker threads of the embedded engine (default 1). */
  workers?: number;
  /** Engine processes per variant, each running one execution segment (default 1). */
  loadProcesses?: number;
  env: NodeJS.ProcessEnv;
  out: NodeJS.WriteStream;
  /** The report (lab/report's writeReport, passed in by the command: the runner does not import the report). */
  writeReport: RunReportWriter;
  /** lab/report's keepVariantTraces, passed in by the command like writeReport. */
  keepTraces: VariantTraceKeeper;
}

/** Seconds to wait after the last load for the final scrapes and remote writes to land. */
const FLUSH_SECONDS = 2.5;

function runId(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*/, '');
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function runScenario(o: RunOptions): Promise<Summary> {
  const loaded = await loadScenario(o.name, o.env);
  const plan = planRun(loaded, o.profile);
  const scenario = loaded.scenario;
  const known = Object.keys(scenario.variants);
  if (o.variant !== undefined && !known.includes(o.variant)) {
    throw new LabError('RUN_ERR_UNKNOWN_VARIANT', `${loaded.name} has no variant '${o.variant}': its variants are ${known.join(', ')}`);
  }
  const variants = o.variant ? [o.variant] : known;
  const engine = o.engine ?? 'embedded';
  engineCommand(engine, o.env);
  const ports = resolvePorts(o.env);
  const started = new Date();
  const id = runId(started);
  const resultsDir = join(resultsRoot(o.env), loaded.name, id);
  mkdirSync(resultsDir, { recursive: true });
  const note = (line: string) => o.out.write(`${line}\n`);

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const metrics = new LabMetrics();
  const toxiproxy = new ToxiproxyClient(ports.toxiproxy);
  const prometheus = new PrometheusClient(ports.prometheus);
  const outcomes: VariantOutcome[] = [];
  let stack: StackHandle | undefined;
  let summary: Summary | undefined;
  let environment: Summary['environment'] | undefined;

  const build = async (verdict: { verdict: Summary['verdict']; exitCode: number; reasons: string[] }, results: HypothesisResult[], variantSummaries: VariantSummary[], checks: Check[]): Promise<Summary> => {
    environment ??= await describeEnvironment(ports, toxiproxy, o.env, { engine, profile: o.profile });
    return summarySchema.parse({
      schema: SUMMARY_SCHEMA,
      scenario: loaded.name,
      title: scenario.title,
      profile: o.profile,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - started.getTime()) / 1000,
      ...verdict,
      variants: variantSummaries,
      hypotheses: results,
      checks,
      environment,
      files: { junit: 'junit.xml', report: 'report.html', dashboards: variantSummaries.flatMap((v) => (v.engine?.dashboard ? [v.engine.dashboard] : [])) },
    });
  };

  try {
    await metrics.listen(ports.labMetrics);
    note(`${loaded.name} (${o.profile}): ${scenario.title}`);
    note(`starting the stack (${scenario.topology.catalogReplicas} catalog instance${scenario.topology.catalogReplicas > 1 ? 's' : ''}, ${scenario.topology.products} products)`);
    stack = await startStack({
      env: o.env,
      withApp: true,
      catalogReplicas: scenario.topology.catalogReplicas,
      appConfig: scenario.topology.config,
      seed: { products: scenario.topology.products },
      signal: abort.signal,
      onProgress: (line) => note(`  ${line}`),
    });
    await toxiproxy.reset();
    await checkTargets(loaded, plan, stack, toxiproxy);
    await checkQueries(loaded, plan, prometheus);
    const faultContext = { toxiproxy, processes: stack, redis: { host: '127.0.0.1', port: ports.redis } };

    const jaegerUrl = `http://127.0.0.1:${ports.jaegerQuery}`;
    const keptTraces: Promise<unknown>[] = [];
    for (const variant of variants) {
      if (abort.signal.aborted) throw new LabError('RUN_ERR_INTERRUPTED', 'interrupted', 130);
      note(`variant ${variant}: ${scenario.variants[variant]!.description}`);
      const outcome = await runVariant({ loaded, plan, variant, engine, ...(o.workers ? { workers: o.workers } : {}), ...(o.loadProcesses ? { loadProcesses: o.loadProcesses } : {}), runId: id, resultsDir, stack, faultContext, metrics, prometheus, signal: abort.signal, out: o.out });
      outcomes.push(outcome);
      // once the services' last spans are exported, beside the next variant's load
      keptTraces.push(sleep(FLUSH_SECONDS * 1000).then(() => o.keepTraces(resultsDir, jaegerUrl, { name: outcome.name, phases: storedPhases(outcome.phases) })).catch((e: Error) => note(`traces of ${outcome.name}: ${e.message}`)));
    }
    await Promise.all([sleep(FLUSH_SECONDS * 1000), ...keptTraces]);

    const variantSummaries: VariantSummary[] = [];
    const services = [...new Set(stack.instances().map((i) => i.service))];
    const instances = Object.fromEntries(services.map((service) => [service, stack!.instances().filter((i) => i.service === service).length]));
    // a fault check on the edge to one instance reads that instance's calls: $target_port is its proxy's port
    const proxyPorts = Object.fromEntries(Object.entries(await toxiproxy.proxies()).map(([name, p]) => [name, p.listen.split(':').at(-1)!]));
    for (const outcome of outcomes) variantSummaries.push(await summariseVariant(outcome, loaded.scenario.variants[outcome.name]!, loaded, prometheus, services, proxyPorts));
    const results = [
      ...(await judgeHypotheses(
        scenario.hypotheses,
        outcomes.map((v) => ({ variant: v.name, phases: v.phases, faultIntervals: v.faultIntervals, k6: v.engine.summary })),
        { prometheus, scenario: loaded.name, datastores: { postgresUrl: databaseUrl(stackContext(stack.env)), redisUrl: `redis://127.0.0.1:${ports.redis}` } },
      )),
      ...variantSummaries.flatMap(thresholdHypotheses),
    ];
    // drops per phase and per faulted second, from the per-second file (the embedded engine's only)
    const scheduleChecks = outcomes.flatMap((o) => (o.engine.secondsFile ? droppedIterationChecks(o.name, readLoadSeconds(join(resultsDir, o.engine.secondsFile)).seconds, o.phases, o.faultIntervals) : []));
    const checks = [
      ...variantSummaries.flatMap((v) => [...loadChecks(v), ...scheduleChecks.filter((c) => c.variant === v.name), ...saturationChecks(v, saturationBounds(scenario.saturation), instances), ...faultChecks(v)]),
      ...hypothesisDataChecks(results),
    ];
    summary = await build(decideVerdict(checks, results), results, variantSummaries, checks);
    writeResults(resultsDir, summary);
    await o.writeReport(resultsDir, { prometheus: prometheus.baseUrl, jaeger: jaegerUrl, logs: { url: `http://127.0.0.1:${ports.victoriaLogs}`, api: 'logsql' }, scenario }).catch((e: Error) => note(`report: ${e.message}`));
    note(verdictTable(summary, relative(PROJECT_ROOT, resultsDir)));
    return summary;
  } catch (error) {
    const interrupted = abort.signal.aborted;
    const message = error instanceof Error ? error.message : String(error);
    const verdict = interrupted ? 'interrupted' : 'broken';
    try {
      const partial = await build({ verdict, exitCode: EXIT_CODES[verdict], reasons: [interrupted ? 'interrupted (Ctrl-C or SIGTERM): faults reverted' : message] }, [], [], []);
      writeResults(resultsDir, partial);
      await o.writeReport(resultsDir);
    } catch {
      // the record of a broken run is best effort; the error below is what matters
    }
    if (interrupted) throw new LabError('RUN_ERR_INTERRUPTED', `interrupted: every fault reverted${o.keep ? ', stack kept (make down stops it)' : ', stack stopped'}`, 130);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (stack) await toxiproxy.reset().catch(() => {});
    await metrics.close();
    if (!o.keep) {
      const report = await stopStack(o.env).catch(() => null);
      if (report && stack) note(`stack stopped (${report.stopped.length} processes)`);
      for (const line of report?.notes ?? []) note(line);
    } else if (stack) {
      note(`stack kept running (--keep): make down stops it`);
    }
  }
}

const window = (w: { start: number; end: number }) => ({ start: iso(w.start * 1000), end: iso(w.end * 1000), seconds: Math.round((w.end - w.start) * 10) / 10 });
const storedPhases = (phases: VariantOutcome['phases']): StoredPhases => Object.fromEntries(Object.entries(phases).map(([name, w]) => [name, window(w)]));

async function summariseVariant(outcome: VariantOutcome, spec: { description: string; switches: Record<string, Record<string, unknown>> }, loaded: Awaited<ReturnType<typeof loadScenario>>, prometheus: PrometheusClient, services: readonly string[], proxyPorts: Record<string, string>): Promise<VariantSummary> {
  const faults = [];
  for (const record of outcome.faults) {
    const index = Number(record.entry.id.split('-')[0]) - 1;
    const check = visibilityCheck(loaded.scenario.timeline[index], record.entry.fault, record.entry.target, record.entry.attributes);
    faults.push({
      id: record.entry.id,
      fault: record.entry.fault,
      target: record.entry.target,
      attributes: record.entry.attributes,
      plannedAt: record.entry.at,
      plannedDuration: record.entry.duration,
      state: record.state,
      appliedAt: record.appliedAt === undefined ? null : iso(record.appliedAt),
      revertedAt: record.revertedAt === undefined ? null : iso(record.revertedAt),
      detail: record.detail ?? {},
      error: record.error ?? null,
      noEffect: record.noEffect ?? null,
      visibility: await judgeFault(record, check, prometheus, { variant: outcome.name, scenario: loaded.name, target_port: proxyPorts[record.entry.target] ?? '' }),
    });
  }
  const { summary: engineMetrics, ...engine } = outcome.engine;
  const loadWindow = { start: outcome.loadStart / 1000, end: outcome.loadEnd / 1000 };
  return {
    name: outcome.name,
    description: spec.description,
    switches: spec.switches,
    load: window(loadWindow),
    phases: storedPhases(outcome.phases),
    faults,
    engine,
    services: await measureServices(prometheus, services, outcome.phases),
    cost: await measureCost(prometheus, services, loadWindow, engineMetrics),
    autoscaler: outcome.autoscaler,
  };
}

function writeResults(dir: string, summary: Summary): void {
  writeSummary(dir, summary);
  writeFileSync(join(dir, 'junit.xml'), junitXml(summary));
}
