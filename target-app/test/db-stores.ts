/**
 * Real PostgreSQL and Redis for the data services' tests, in the lane set by
 * LAB_PORT_OFFSET / LAB_DIR. A stand-in until lab/stack's startStack() exists; then the
 * tests take their datastores from there and this file goes away.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, chownSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { labDir } from '../../lab/paths.ts';
import { resolvePorts } from '../../lab/ports.ts';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export type Datastores = {
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
};

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Ends a postmaster that a crashed test run left behind in this lane's data dir. */
function endLeftoverPostmaster(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    // already gone
  }
}

export async function startDatastores(env: NodeJS.ProcessEnv = process.env): Promise<Datastores> {
  const ports = resolvePorts(env);
  const root = join(labDir(env), 'test-datastores');
  const dataDir = join(root, 'postgres');
  mkdirSync(root, { recursive: true });
  // postgres refuses to run as root: run it as the Debian package's postgres user.
  const asPostgres = process.getuid?.() === 0 ? postgresIds() : undefined;
  endLeftoverPostmaster(dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    if (asPostgres) chownSync(dataDir, asPostgres.uid, asPostgres.gid);
    const init = spawnSync(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'faultline', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
      ...asPostgres,
      encoding: 'utf8',
    });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  }
  const postgres = spawn(
    join(PG_BIN, 'postgres'),
    ['-D', dataDir, '-p', String(ports.postgres), '-h', '127.0.0.1', '-k', dataDir,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    { ...asPostgres, stdio: 'ignore' },
  );
  const redis = spawn('redis-server', ['--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const stop = async (): Promise<void> => {
    await Promise.all([stopChild(postgres, 'SIGINT'), stopChild(redis, 'SIGTERM')]);
  };
  try {
    const adminUrl = `postgres://faultline@127.0.0.1:${ports.postgres}/postgres`;
    await waitFor('postgres', async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'faultline'`);
      if (exists.rowCount === 0) await client.query('CREATE DATABASE faultline OWNER faultline');
      await client.end();
      return true;
    });
    await waitFor('redis', async () => {
      const { Redis } = await import('ioredis');
      const client = new Redis({ port: ports.redis, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    databaseUrl: `postgres://faultline@127.0.0.1:${ports.postgres}/faultline`,
    redisUrl: `redis://127.0.0.1:${ports.redis}`,
    stop,
  };
}

function postgresIds(): { uid: number; gid: number } {
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('postgres:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root and no postgres user: create one, or run the tests as a normal user');
  return { uid: Number(uid), gid: Number(gid) };
}
