/** Starting, stopping and inspecting the infrastructure components of the table, as detached processes. */
import { rmSync } from 'node:fs';
import { LabError } from '../../errors/lab-error.ts';
import type { Component } from './component.ts';
import { COMPONENTS, startWaves } from './components/index.ts';
import type { StackContext } from './context.ts';
import { interrupted, shortPath, waitHealthy } from './health.ts';
import { isOurs, logFile, readPidFile, readPidFiles, spawnDetached, stopRecorded, type PidRecord } from './processes.ts';
import { installRules } from './rules.ts';
import { writeTargets, type ScrapeTarget } from './targets.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';

export type Progress = (line: string) => void;

/** Grace between the clean-stop signal and SIGKILL. */
const INFRA_GRACE_MS = 5000;
const APP_GRACE_MS = 8000;

async function launch(ctx: StackContext, component: Component, signal: AbortSignal, progress: Progress): Promise<void> {
  const started = Date.now();
  const how = await component.prepare(ctx); // may take a while (initdb on a fresh lab dir): counted in the time shown
  if (signal.aborted) throw interrupted();
  const { child } = spawnDetached(ctx, {
    name: component.name,
    kind: 'infra',
    command: how.command,
    args: how.args,
    port: component.port(ctx.ports),
    ...(how.env ? { env: how.env } : {}),
    ...(how.uid === undefined ? {} : { uid: how.uid, gid: how.gid }),
    ...(how.stopSignal ? { stopSignal: how.stopSignal } : {}),
  });
  await waitHealthy({
    name: component.name,
    child,
    logPath: logFile(ctx, component.name),
    timeoutMs: component.startTimeoutMs,
    probe: () => component.probe(ctx),
    signal,
  });
  await component.afterHealthy?.(ctx);
  progress(`${component.name} healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs tasks side by side; the first failure cancels the rest and is the one reported. */
export async function allOrNothing<T>(items: readonly T[], outer: AbortSignal | undefined, task: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const local = new AbortController();
  const onAbort = (): void => local.abort();
  outer?.addEventListener('abort', onAbort);
  let first: unknown;
  try {
    await Promise.all(
      items.map((item) =>
        task(item, local.signal).catch((error: unknown) => {
          first ??= error;
          local.abort();
        }),
      ),
    );
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (outer?.aborted) throw interrupted();
  if (first !== undefined) throw first;
}

/** Every executable the table needs, resolved before anything starts (a missing one is a LabError naming the fix). */
export function checkBinaries(ctx: StackContext): void {
  for (const component of COMPONENTS) component.binaries(ctx);
}

export function infraClaims(ctx: StackContext): { port: number; owner: string }[] {
  return COMPONENTS.flatMap((c) => c.claims(ctx.ports));
}

/** Where Prometheus scrapes the components (the same addresses in either runtime: host networking). */
export function infraTargets(ctx: StackContext): ScrapeTarget[] {
  return COMPONENTS.filter((c) => c.metricsPort).map((c) => ({ address: `127.0.0.1:${c.metricsPort?.(ctx.ports)}`, job: c.name, instance: c.name }));
}

export async function startInfrastructure(ctx: StackContext, signal: AbortSignal | undefined, progress: Progress): Promise<void> {
  installRules(ctx);
  writeTargets(ctx, 'infra', infraTargets(ctx));
  for (const wave of startWaves()) {
    await allOrNothing(wave, signal, (component, s) => launch(ctx, component, s, progress));
  }
  await new ToxiproxyClient(ctx.ports.toxiproxy).reset();
}

/** Pid files that hold no record: up refuses them, down removes them. */
export function corruptPidFiles(ctx: StackContext): string[] {
  return readPidFiles(ctx).corrupt;
}

export function assertPidFilesReadable(ctx: StackContext): void {
  const [bad] = corruptPidFiles(ctx);
  if (bad) throw new LabError('LAB_ERR_STATE_CORRUPT', `the pid file ${shortPath(bad)} is unreadable: run \`make down\` (faultline down) to clear the lab state, then start again`);
}

export interface StopReport {
  /** Names of the processes that were running and are now stopped. */
  stopped: string[];
  /** Repairs made on the way (unreadable pid files removed). */
  notes: string[];
}

/** A load engine asked to stop writes its summary within this (it is only killed past it). */
const LOAD_GRACE_MS = 3000;

/** Stops every process of the lab's pid files: a load engine first, then app instances, then the infrastructure. */
export async function stopRecordedProcesses(ctx: StackContext): Promise<StopReport> {
  const { records, corrupt } = readPidFiles(ctx);
  const notes = corrupt.map((path) => {
    rmSync(path, { force: true });
    return `removed the unreadable pid file ${shortPath(path)}`;
  });
  const running = records.filter(isOurs).map((r) => r.name);
  const toxiproxy = records.find((r) => r.name === 'toxiproxy');
  if (toxiproxy && isOurs(toxiproxy)) await new ToxiproxyClient(toxiproxy.port, { timeoutMs: 1000 }).reset().catch(() => {});
  const byKind = (kind: PidRecord['kind']): PidRecord[] => records.filter((r) => r.kind === kind);
  // the load first: it must not outlive a run, nor hit an app that is stopping
  await Promise.all(byKind('load').map((r) => stopRecorded(ctx, r, LOAD_GRACE_MS)));
  await Promise.all(byKind('app').map((r) => stopRecorded(ctx, r, APP_GRACE_MS)));
  await Promise.all(byKind('infra').map((r) => stopRecorded(ctx, r, INFRA_GRACE_MS)));
  return { stopped: running, notes };
}

export const APP_STOP_GRACE_MS = APP_GRACE_MS;

/**
 * Starts an infrastructure component again (a process fault killed it), stopping it first if it
 * still runs; with discardData its data dir goes first, so it comes back empty. Resolves when healthy.
 */
export async function restartComponent(ctx: StackContext, name: string, options: { discardData: boolean }, progress: Progress = () => {}): Promise<void> {
  const component = COMPONENTS.find((c) => c.name === name);
  if (!component) throw new LabError('LAB_ERR_NO_COMPONENT', `no lab component named ${name}: use one of ${COMPONENTS.map((c) => c.name).join(', ')}`);
  const record = readPidFile(ctx, name);
  if (record && isOurs(record)) await stopRecorded(ctx, record, INFRA_GRACE_MS);
  if (options.discardData) {
    const dir = component.dataDir?.(ctx);
    if (!dir) throw new LabError('LAB_ERR_NO_DATA_DIR', `${name} names no data dir to discard: restart it with its data`);
    rmSync(dir, { recursive: true, force: true });
  }
  await launch(ctx, component, new AbortController().signal, progress);
}
