/**
 * Real servers for the runner's and chaos's unit tests, started directly in the caller's lane
 * (LAB_PORT_OFFSET / LAB_DIR), each in a temporary directory and each stopped by `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOOLS_BIN } from '../../paths.ts';

export interface TestServer {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startServer(name: string, command: string, args: (dir: string) => string[], port: number, ready?: () => Promise<boolean>): Promise<TestServer> {
  if (await portOpen(port)) throw new Error(`${name}: port ${port} is already taken (another lab in this lane?)`);
  const dir = mkdtempSync(join(tmpdir(), `faultline-${name}-`));
  const child: ChildProcess = spawn(command, args(dir), { stdio: 'ignore', cwd: dir });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if ((await portOpen(port)) && (!ready || (await ready()))) return { port, dir, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`${name} did not start on port ${port}`);
}

export function startToxiproxy(port: number): Promise<TestServer> {
  return startServer('toxiproxy', join(TOOLS_BIN, 'toxiproxy-server'), () => ['-host', '127.0.0.1', '-port', String(port)], port);
}

export function startRedis(port: number): Promise<TestServer> {
  return startServer('redis', 'redis-server', (dir) => ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], port);
}

/** Prometheus with the lab's flags; `prepare` may fill the data dir (e.g. backfilled blocks) first. */
export async function startPrometheus(port: number, prepare?: (dataDir: string) => void, scrapeConfigs = ''): Promise<TestServer> {
  const ready = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok;
    } catch {
      return false;
    }
  };
  return startServer(
    'prometheus',
    '/usr/bin/prometheus',
    (dir) => {
      writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${scrapeConfigs}`);
      prepare?.(join(dir, 'data'));
      return [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=native-histograms,exemplar-storage',
        '--storage.tsdb.retention.time=1d',
      ];
    },
    port,
    ready,
  );
}

/** Prometheus holding known data: `openMetrics` (OpenMetrics with timestamps) backfilled with promtool before it starts. */
export function startBackfilledPrometheus(port: number, openMetrics: string): Promise<TestServer> {
  return startPrometheus(port, (dataDir) => {
    mkdirSync(dataDir, { recursive: true });
    const input = join(dataDir, '..', 'backfill.om');
    writeFileSync(input, openMetrics);
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, dataDir], { stdio: 'ignore' });
  });
}
