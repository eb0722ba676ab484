/**
 * The Docker engine the compose runtime talks to: a reachable daemon (DOCKER_HOST, the default
 * socket, or the lab's own from an earlier start) or, as root with none running, the lab's own
 * `dockerd`, started and supervised like any other component (a pid file in the lab's run dir,
 * so `faultline down` stops it). Its data root is in the user cache, so images outlive a clone.
 * It runs with no bridge network and no iptables rules: every container uses the host's network.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../../../errors/lab-error.ts';
import { toolCacheDir } from '../../paths.ts';
import type { StackContext } from '../context.ts';
import { waitHealthy } from '../health.ts';
import { logFile, readPidFile, spawnDetached } from '../processes.ts';

const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Short on purpose: dockerd and containerd put unix sockets below it (108-byte path limit). */
const OWN_EXEC_ROOT = '/run/faultline-docker';
export const OWN_SOCKET = join(OWN_EXEC_ROOT, 'docker.sock');
export const ENGINE_COMPONENT = 'dockerd';
const ENGINE_START_MS = 60_000;

export interface Engine {
  /** unix:///... for DOCKER_HOST. */
  host: string;
  /** True when this lab started the daemon (and `down` stops it). */
  owned: boolean;
}

/** The socket path of a unix DOCKER_HOST, undefined for tcp:// and the like. */
function socketOf(host: string): string | undefined {
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** GET /_ping on a unix socket: true when a daemon answers OK. */
export function pingSocket(socketPath: string, timeoutMs = 1500): Promise<boolean> {
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function answers(host: string): Promise<boolean> {
  const socket = socketOf(host);
  if (socket) return pingSocket(socket);
  // a tcp:// or ssh:// engine: ask the CLI, which knows how to reach it
  try {
    await promisify(execFile)('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: host }, timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** The engine already running, if any: DOCKER_HOST, the default socket, the lab's own socket. */
export async function reachableEngine(env: NodeJS.ProcessEnv): Promise<Engine | null> {
  if (env.DOCKER_HOST) return (await answers(env.DOCKER_HOST)) ? { host: env.DOCKER_HOST, owned: false } : null;
  for (const socket of [DEFAULT_SOCKET, OWN_SOCKET]) {
    if (await pingSocket(socket)) return { host: `unix://${socket}`, owned: false };
  }
  return null;
}

function dockerdBinary(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    if (dir && existsSync(join(dir, 'dockerd'))) return join(dir, 'dockerd');
  }
  return undefined;
}

/** Debian with apt: where `LAB_RUNTIME=compose make setup` can install docker.io. */
export function isDebian(env: NodeJS.ProcessEnv): boolean {
  return existsSync('/etc/debian_version') && (env.PATH ?? '/usr/bin').split(':').concat(['/usr/bin']).some((dir) => dir && existsSync(join(dir, 'apt-get')));
}

/**
 * Whether this lab can have a Docker engine, decided without starting one: one answers; the lab
 * may start its own (root, dockerd installed); setup can install dockerd first (root on Debian);
 * or none can be had, with the one-line error and how to get one. ensureEngine acts on it, and
 * the test run decides from it whether the compose tests run or are skipped.
 */
export type EngineOutlook =
  | { kind: 'reachable'; engine: Engine }
  | { kind: 'own'; dockerd: string }
  | { kind: 'installable' }
  | { kind: 'none'; message: string; getOne: string };

export async function engineOutlook(env: NodeJS.ProcessEnv): Promise<EngineOutlook> {
  const found = await reachableEngine(env);
  if (found) return { kind: 'reachable', engine: found };
  if (env.DOCKER_HOST) {
    return {
      kind: 'none',
      message: `no Docker engine answers at DOCKER_HOST=${env.DOCKER_HOST}: start it, unset DOCKER_HOST, or use the native runtime (unset LAB_RUNTIME)`,
      getOne: `DOCKER_HOST=${env.DOCKER_HOST} answers nothing: start that engine, or unset DOCKER_HOST to let the lab start its own as root`,
    };
  }
  if (process.getuid?.() !== 0) {
    return {
      kind: 'none',
      message: `no Docker engine answers (no ${DEFAULT_SOCKET}, DOCKER_HOST unset) and only root may start the lab's own: start Docker or set DOCKER_HOST, or use the native runtime (unset LAB_RUNTIME)`,
      getOne: `none answers at ${DEFAULT_SOCKET} and only root may start the lab's own: start Docker or set DOCKER_HOST, or run make test as root on Debian (it installs docker.io)`,
    };
  }
  const dockerd = dockerdBinary(env);
  if (dockerd) return { kind: 'own', dockerd };
  if (isDebian(env)) return { kind: 'installable' };
  return {
    kind: 'none',
    message: 'dockerd is missing and this is not Debian: install Docker with your package manager, or start one and set DOCKER_HOST, or use the native runtime (unset LAB_RUNTIME)',
    getOne: 'dockerd is missing and this is not Debian: install Docker with your package manager, or start one and set DOCKER_HOST',
  };
}

/** The lab's own daemon's data root: in the user cache, so images built once serve every clone. */
export function engineDataRoot(env: NodeJS.ProcessEnv): string {
  return join(toolCacheDir(env), 'docker', 'data');
}

/**
 * A Docker engine to use: the one that answers, or the lab's own (root only). A lab without
 * either gets one LabError naming the fixes; nothing is started then.
 */
export async function ensureEngine(ctx: StackContext, signal?: AbortSignal): Promise<Engine> {
  const outlook = await engineOutlook(ctx.env);
  if (outlook.kind === 'reachable') {
    const found = outlook.engine;
    return { ...found, owned: readPidFile(ctx, ENGINE_COMPONENT) !== null && found.host === `unix://${OWN_SOCKET}` };
  }
  if (outlook.kind === 'none') throw new LabError('LAB_ERR_NO_DOCKER', outlook.message);
  if (outlook.kind === 'installable') throw new LabError('LAB_ERR_MISSING_BINARY', 'dockerd is missing (Debian package docker.io): run `LAB_RUNTIME=compose make setup`');
  const dockerd = outlook.dockerd;
  const dataRoot = engineDataRoot(ctx.env);
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(OWN_EXEC_ROOT, { recursive: true });
  const { child } = spawnDetached(ctx, {
    name: ENGINE_COMPONENT,
    kind: 'infra',
    command: dockerd,
    args: [
      `--data-root=${dataRoot}`,
      `--exec-root=${join(OWN_EXEC_ROOT, 'exec')}`,
      `--pidfile=${join(OWN_EXEC_ROOT, 'dockerd.pid')}`,
      `--host=unix://${OWN_SOCKET}`,
      '--bridge=none', // no container network: every service uses the host's, on 127.0.0.1
      '--iptables=false',
      '--ip6tables=false',
      '--ip-masq=false',
    ],
    port: 0,
    env: { PATH: ctx.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: ctx.env.HOME },
  });
  await waitHealthy({
    name: ENGINE_COMPONENT,
    child,
    logPath: logFile(ctx, ENGINE_COMPONENT),
    timeoutMs: ENGINE_START_MS,
    probe: async () => {
      if (!(await pingSocket(OWN_SOCKET))) throw new Error('the socket does not answer yet');
    },
    ...(signal ? { signal } : {}),
  });
  return { host: `unix://${OWN_SOCKET}`, owned: true };
}
