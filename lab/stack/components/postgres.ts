/** PostgreSQL: the lab's own cluster (under .lab/postgres), trust auth on loopback, database and user `faultline`. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { LabError } from '../../../errors/lab-error.ts';
import { claim, type Component, type Launch } from '../component.ts';
import { postgresBinary, type StackContext } from '../context.ts';

const run = promisify(execFile);
const DATABASE = 'faultline';

/** PostgreSQL will not run as root: when the lab runs as root, the cluster belongs to the `postgres` system user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new LabError('LAB_ERR_MISSING_BINARY', 'the lab runs as root but there is no `postgres` user to own the cluster: run `make setup` (installs postgresql)');
  return { uid: Number(uid), gid: Number(gid) };
}

/** True when every folder down to dir lets other users through (the `postgres` user is neither root nor in its group). */
function reachableByOthers(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/** The cluster's folder: .lab/postgres, or, when the `postgres` user cannot reach the lab dir (a checkout under /root), one in /var/tmp. */
function clusterDir(ctx: StackContext): string {
  const inLab = join(ctx.dir, 'postgres');
  mkdirSync(ctx.dir, { recursive: true });
  if (process.getuid?.() !== 0 || reachableByOthers(ctx.dir)) return inLab;
  const base = join('/var/tmp', 'faultline-postgres');
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o755);
  return join(base, createHash('sha256').update(ctx.dir).digest('hex').slice(0, 12));
}

function dataDir(ctx: StackContext): string {
  return join(clusterDir(ctx), 'data');
}

/** Written after initdb succeeded: a data dir without it is the remains of an interrupted init. */
function initMarker(ctx: StackContext): string {
  return join(clusterDir(ctx), 'initdb.done');
}

async function initCluster(ctx: StackContext, owner: { uid: number; gid: number } | undefined): Promise<void> {
  const data = dataDir(ctx);
  rmSync(data, { recursive: true, force: true });
  mkdirSync(clusterDir(ctx), { recursive: true });
  if (owner) chownSync(clusterDir(ctx), owner.uid, owner.gid);
  const args = ['-D', data, '-U', DATABASE, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'];
  try {
    await run(postgresBinary(ctx, 'initdb'), args, { ...(owner ?? {}), cwd: '/', env: { ...ctx.env, LC_ALL: 'C' } });
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? error).trim().split('\n').filter(Boolean).slice(-2).join(' | ');
    throw new LabError('LAB_ERR_COMPONENT_FAILED', `postgres: initdb failed in ${data}: ${detail}`);
  }
  writeFileSync(initMarker(ctx), `${new Date().toISOString()}\n`);
}

function checkCluster(ctx: StackContext): 'fresh' | 'ready' {
  const data = dataDir(ctx);
  if (!existsSync(initMarker(ctx))) return 'fresh';
  let version = '';
  try {
    version = readFileSync(join(data, 'PG_VERSION'), 'utf8').trim();
  } catch {
    // missing: reported below
  }
  const binaryMajor = /\/(\d+)\/bin\//.exec(postgresBinary(ctx, 'postgres'))?.[1];
  if (!/^\d+$/.test(version) || (binaryMajor && version !== binaryMajor)) {
    throw new LabError(
      'LAB_ERR_STATE_CORRUPT',
      `postgres: the data dir ${data} is broken (PG_VERSION ${version ? `"${version.slice(0, 20)}"` : 'missing'}, server is ${binaryMajor ?? '?'}): remove ${clusterDir(ctx)} and start again (the lab recreates and reseeds it)`,
    );
  }
  return 'ready';
}

function client(ctx: StackContext, database: string): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port: ctx.ports.postgres, user: DATABASE, database, connectionTimeoutMillis: 1500 });
}

async function query<T extends pg.QueryResultRow>(ctx: StackContext, database: string, sql: string): Promise<T[]> {
  const c = client(ctx, database);
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end().catch(() => {});
  }
}

export const postgres: Component = {
  name: 'postgres',
  after: [],
  startTimeoutMs: 30_000,
  port: (ports) => ports.postgres,
  claims: (ports) => [claim(ports.postgres, 'postgres')],
  binaries: (ctx) => [postgresBinary(ctx, 'postgres'), postgresBinary(ctx, 'initdb')],

  async prepare(ctx): Promise<Launch> {
    const owner = clusterOwner();
    if (checkCluster(ctx) === 'fresh') await initCluster(ctx, owner);
    // the lab's earlier postgres is stopped by now (pid files, port check): a lock file left by a kill is stale
    rmSync(join(dataDir(ctx), 'postmaster.pid'), { force: true });
    return {
      command: postgresBinary(ctx, 'postgres'),
      args: [
        '-D', dataDir(ctx),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `port=${ctx.ports.postgres}`,
        '-c', 'unix_socket_directories=', // TCP on loopback only
        '-c', 'fsync=off', // disposable lab data: speed over durability
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=300',
        '-c', 'logging_collector=off',
      ],
      env: { ...ctx.env, LC_ALL: 'C' },
      ...(owner ?? {}),
      stopSignal: 'SIGINT', // fast shutdown: SIGTERM would wait for every client to disconnect
    };
  },

  async probe(ctx) {
    await query(ctx, 'postgres', 'SELECT 1');
  },

  async afterHealthy(ctx) {
    const rows = await query(ctx, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`);
    if (rows.length === 0) await query(ctx, 'postgres', `CREATE DATABASE ${DATABASE} OWNER ${DATABASE}`);
  },

  async version(ctx) {
    const [row] = await query<{ server_version: string }>(ctx, DATABASE, 'SHOW server_version');
    return row?.server_version.split(' ')[0] ?? '?';
  },
};

/** Connection string of the lab's database. */
export function databaseUrl(ctx: StackContext): string {
  return `postgres://${DATABASE}@127.0.0.1:${ctx.ports.postgres}/${DATABASE}`;
}
