/**
 * What the stack tests share: an environment in the caller's lane (LAB_PORT_OFFSET, LAB_DIR)
 * with a lab dir of the test's own, the real CLI, and checks that nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT, labDir } from '../paths.ts';
import { resolvePorts, type PortMap } from '../ports.ts';
import { engineOutlook } from '../stack/compose/engine.ts';
import { isRunning } from '../stack/processes.ts';

export const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
export const CLI = join(PROJECT_ROOT, 'lab', 'cli.ts');

/** The lane's env with a lab dir of this test's own under the lane's lab dir. */
export function testEnv(name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, LAB_DIR: join(labDir(process.env), 'tests', name), ...extra };
}

/**
 * Why the compose tests cannot run here, or null when they can: they are skipped only where no
 * Docker engine can be had (the summary line says so, with how to get one). Set DOCKER_HOST to a
 * socket nothing serves to see it on a machine that has one: the lab never starts its own then.
 */
export async function composeSkipReason(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const outlook = await engineOutlook(env);
  return outlook.kind === 'none' ? `no Docker engine: ${outlook.getOne}` : null;
}

export function portsOf(env: NodeJS.ProcessEnv): PortMap {
  return resolvePorts(env);
}

/** The infrastructure ports of the map (what a stack without the app listens on). */
export function infraPorts(ports: PortMap): number[] {
  return [ports.postgres, ports.redis, ports.prometheus, ports.toxiproxy, ports.victoriaLogs, ports.jaegerQuery, ports.jaegerQueryGrpc, ports.otlpGrpc, ports.otlpHttp, ports.jaegerHealth, ports.jaegerMetrics];
}

/** Ports of the list that something listens on (IPv4 or IPv6), from /proc/net/tcp*. */
export function listening(ports: number[]): number[] {
  const open = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[1]) open.add(parseInt(cols[1].split(':').pop() ?? '0', 16));
    }
  }
  return ports.filter((p) => open.has(p));
}

/** Pids recorded in the lab dir's pid files. */
export function recordedPids(env: NodeJS.ProcessEnv): number[] {
  const run = join(labDir(env), 'run');
  if (!existsSync(run)) return [];
  return readdirSync(run)
    .filter((f) => f.endsWith('.pid'))
    .flatMap((f) => {
      try {
        return [(JSON.parse(readFileSync(join(run, f), 'utf8')) as { pid: number }).pid];
      } catch {
        return [];
      }
    });
}

/** Live processes whose command line mentions the lab dir (what a leak would look like). */
export function processesUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) && isRunning(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the real CLI; `done` resolves with its output when it exits. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(NODE, [CLI, ...args], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return startCli(args, env).done;
}

/** Polls until the check holds, or fails with the message after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, message: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${message}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(100);
  }
}
