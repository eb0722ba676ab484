/** What a result must carry to be reproduced: the git commit and the versions of every tool. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { PROJECT_ROOT } from '../paths.ts';
import type { PortMap } from '../ports.ts';
import type { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { engineCommand, type EngineName } from './load-engine.ts';
import type { Summary } from '../run-summary/summary.ts';

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    return execFileSync(command, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null;
  }
}

export async function describeEnvironment(ports: PortMap, toxiproxy: ToxiproxyClient, env: NodeJS.ProcessEnv, how: { engine: EngineName; profile: string }): Promise<Summary['environment']> {
  const versions: Record<string, string> = { node: process.versions.node };
  if (how.engine === 'k6') {
    const k6 = run(engineCommand('k6', env), ['version'], { ...process.env, K6_NO_USAGE_REPORT: 'true' });
    if (k6) versions.k6 = k6.split('\n')[0]!.replace(/^k6 /, '');
  }
  const tox = await toxiproxy.version().catch(() => null);
  if (tox) versions.toxiproxy = tox.replace(/^"|"$/g, '');
  try {
    const info = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/status/buildinfo`)).json()) as { data?: { version?: string } };
    if (info.data?.version) versions.prometheus = info.data.version;
  } catch {
    // Prometheus is gone already: the version stays unknown
  }
  const redis = run('redis-server', ['--version']);
  if (redis) versions.redis = /v=(\S+)/.exec(redis)?.[1] ?? redis;
  const postgres = run('/usr/lib/postgresql/15/bin/postgres', ['--version']);
  if (postgres) versions.postgres = postgres.replace(/^postgres \(PostgreSQL\) /, '');
  const status = run('git', ['status', '--porcelain']);
  return {
    gitCommit: run('git', ['rev-parse', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    versions,
    host: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    ports: { offset: Number(env.LAB_PORT_OFFSET ?? 0), prometheus: ports.prometheus, gateway: ports.gateway },
    engine: how.engine,
    profile: how.profile,
  };
}
