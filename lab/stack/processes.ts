/**
 * Detached child processes with pid files: every component runs in its own process group,
 * outlives the CLI that started it, and is found again (and proven ours) through its pid file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../../errors/lab-error.ts';
import type { StackContext } from './context.ts';
import { procStartTime, procState, procStatFields } from '../proc-stat.ts';

/** What a pid file under .lab/run/ holds. */
export interface PidRecord {
  /** Component (`postgres`) or app instance (`catalog-1`). */
  name: string;
  /** infra components, app instances, or a run's load engine (stopped first). */
  kind: 'infra' | 'app' | 'load';
  pid: number;
  /** Kernel start time of the process (field 22 of /proc/<pid>/stat): with pid, it names one process forever. */
  start: string | null;
  /** Real path of the executable, as /proc/<pid>/exe shows it. */
  exe: string;
  port: number;
  /** Signal that asks this program for a clean stop. */
  stopSignal: NodeJS.Signals;
  startedAt: string;
}

export interface SpawnRequest {
  name: string;
  kind: PidRecord['kind'];
  command: string;
  args: string[];
  port: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  stopSignal?: NodeJS.Signals;
}

function pidFile(ctx: StackContext, name: string): string {
  return join(ctx.runDir, `${name}.pid`);
}

export function logFile(ctx: StackContext, name: string): string {
  return join(ctx.logsDir, `${name}.log`);
}

function startTime(pid: number): string | null {
  return procStartTime(pid) ?? null;
}

function exePath(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

/** Alive and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  const state = procState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** True when the pid in the record is still the very process the lab started. */
export function isOurs(record: PidRecord): boolean {
  return isRunning(record.pid) && startTime(record.pid) === record.start && exePath(record.pid) === record.exe;
}

/**
 * Live processes left of the record's group once its leader is gone (e.g. PostgreSQL's backends
 * after the postmaster was killed), running our executable and started after our leader: a
 * process group id is not reused while one member lives, so these are ours.
 */
function orphanedMembers(record: PidRecord): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const fields = procStatFields(pid);
    if (!fields || fields[2] !== String(record.pid) || fields[0] === 'Z' || exePath(pid) !== record.exe) continue;
    if (record.start !== null && Number(fields[19]) < Number(record.start)) continue;
    members.push(pid);
  }
  return members;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * The child waits on stdin for "go" before it becomes the real program: the pid file is written
 * in between, so a CLI killed at any instant never leaves a component that no pid file names
 * (on EOF, i.e. the CLI died first, the shell exits instead). exec keeps the pid.
 */
const GATE = 'read -r go && [ "$go" = go ] && exec "$0" "$@" </dev/null';

export function spawnDetached(ctx: StackContext, request: SpawnRequest): { child: ChildProcess; record: PidRecord } {
  mkdirSync(ctx.logsDir, { recursive: true });
  mkdirSync(ctx.runDir, { recursive: true });
  const log = openSync(logFile(ctx, request.name), 'w');
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', GATE, request.command, ...request.args], {
      detached: true, // own process group: Ctrl-C on the CLI's terminal does not reach it, and the group is stopped as one
      stdio: ['pipe', log, log],
      env: request.env ?? ctx.env,
      cwd: request.cwd ?? ctx.dir,
      ...(request.uid === undefined ? {} : { uid: request.uid, gid: request.gid }),
    });
  } finally {
    closeSync(log);
  }
  child.on('error', () => {}); // reported through the health wait (the process is not there)
  child.stdin?.on('error', () => {}); // the gate shell may already be gone
  if (child.pid === undefined) throw new LabError('LAB_ERR_SPAWN', `${request.name} could not be started (${request.command}): check that it is installed (make setup)`);
  child.unref();
  const record: PidRecord = {
    name: request.name,
    kind: request.kind,
    pid: child.pid,
    start: startTime(child.pid),
    exe: realpathSync(request.command),
    port: request.port,
    stopSignal: request.stopSignal ?? 'SIGTERM',
    startedAt: new Date().toISOString(),
  };
  const path = pidFile(ctx, request.name);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record)}\n`);
  renameSync(`${path}.tmp`, path);
  child.stdin?.end('go\n');
  return { child, record };
}

function parseRecord(text: string): PidRecord | null {
  try {
    const value = JSON.parse(text) as Partial<PidRecord>;
    if (typeof value.name !== 'string' || !Number.isInteger(value.pid) || (value.pid ?? 0) <= 1 || typeof value.exe !== 'string') return null;
    return { kind: 'infra', port: 0, start: null, stopSignal: 'SIGTERM', startedAt: '', ...value } as PidRecord;
  } catch {
    return null;
  }
}

export interface PidFiles {
  records: PidRecord[];
  /** Pid files that hold no readable record (hand-edited, truncated by a crash). */
  corrupt: string[];
}

export function readPidFiles(ctx: StackContext): PidFiles {
  const result: PidFiles = { records: [], corrupt: [] };
  let entries: string[];
  try {
    entries = readdirSync(ctx.runDir);
  } catch {
    return result;
  }
  for (const entry of entries.filter((e) => e.endsWith('.pid')).sort()) {
    const path = join(ctx.runDir, entry);
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // unreadable counts as corrupt
    }
    const record = parseRecord(text);
    if (record) result.records.push(record);
    else result.corrupt.push(path);
  }
  return result;
}

export function readPidFile(ctx: StackContext, name: string): PidRecord | null {
  try {
    return parseRecord(readFileSync(pidFile(ctx, name), 'utf8'));
  } catch {
    return null;
  }
}

export function removePidFile(ctx: StackContext, name: string): void {
  rmSync(pidFile(ctx, name), { force: true });
}

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(isRunning)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/**
 * Stops the process of a pid file and its group: SIGCONT first (a stopped process cannot exit),
 * then its clean-stop signal, then SIGKILL after the grace period. A pid that is no longer ours is left alone.
 */
export async function stopRecorded(ctx: StackContext, record: PidRecord, graceMs = 5000): Promise<void> {
  if (isRunning(record.pid) && !isOurs(record)) {
    // the pid was reused by someone else's process (its start time or executable differs): signal nothing, neither it nor its group
    removePidFile(ctx, record.name);
    return;
  }
  const leaderOurs = isRunning(record.pid);
  const members = (): number[] => orphanedMembers(record).filter((pid) => pid !== record.pid);
  const all = [...new Set([...(leaderOurs ? [record.pid] : []), ...members()])];
  for (const pid of all) signal(pid, 'SIGCONT');
  if (leaderOurs) signal(record.pid, record.stopSignal);
  else for (const pid of all) signal(pid, record.stopSignal);
  if (!(await waitGone(all, graceMs))) {
    for (const pid of [...all, ...members()]) signal(pid, 'SIGKILL');
    await waitGone(all, 2000);
  }
  removePidFile(ctx, record.name);
}

/** Sends a signal to the recorded process only when it is still ours (process faults: SIGSTOP, SIGCONT, SIGKILL). */
export function signalRecorded(record: PidRecord, sig: NodeJS.Signals): boolean {
  if (!isOurs(record)) return false;
  signal(record.pid, sig);
  return true;
}
