/**
 * PostgreSQL: the lab's own cluster, on loopback with password authentication (scram-sha-256).
 * The superuser `postgres` is the lab's; the services connect as the role `faultline`
 * (postgres-roles.ts). Where the cluster lives: postgres-cluster-dir.ts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lchownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../../../errors/lab-error.ts';
import { readLabSecrets, writePrivateFile } from '../../secrets.ts';
import { claim, type Component, type Launch } from '../component.ts';
import { postgresBinary, type StackContext } from '../context.ts';
import { clusterDirs, clusterOwner, recreateClusterDir, type ClusterDirs, type ClusterOwner } from './postgres-cluster-dir.ts';
import { DATABASE, ensureServicesDatabase, ensureServicesRole, servicesUrl, SUPERUSER, superuserQuery, type Server } from './postgres-roles.ts';

const run = promisify(execFile);
const AUTH = 'scram-sha-256';

function server(ctx: StackContext): Server {
  return { port: ctx.ports.postgres, secrets: readLabSecrets(ctx.env) };
}

/**
 * What the init marker holds: the auth method and a digest of the superuser's password, so a
 * cluster made with trust auth, or before the lab's secrets were made anew, is made again.
 */
function markerText(ctx: StackContext): string {
  const digest = createHash('sha256').update(readLabSecrets(ctx.env).postgresPassword).digest('hex').slice(0, 16);
  return `auth=${AUTH} superuser=${SUPERUSER} password=${digest}\n`;
}

/**
 * initdb as the cluster's owner. The superuser's password goes in through a file readable by the
 * owner only, in the folder only the lab writes in, removed straight after (never an argument).
 */
async function initdb(ctx: StackContext, dirs: ClusterDirs, owner: ClusterOwner | undefined): Promise<void> {
  const pwfile = join(dirs.base, 'initdb.pw');
  rmSync(pwfile, { force: true });
  writeFileSync(pwfile, `${readLabSecrets(ctx.env).postgresPassword}\n`, { mode: 0o600, flag: 'wx' });
  if (owner) lchownSync(pwfile, owner.uid, owner.gid);
  const args = ['-D', dirs.data, '-U', SUPERUSER, `--auth=${AUTH}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'];
  try {
    await run(postgresBinary(ctx, 'initdb'), args, { ...(owner ?? {}), cwd: '/', env: { ...ctx.env, LC_ALL: 'C' } });
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? error).trim().split('\n').filter(Boolean).slice(-2).join(' | ');
    throw new LabError('LAB_ERR_COMPONENT_FAILED', `postgres: initdb failed in ${dirs.data}: ${detail}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

async function initCluster(ctx: StackContext, dirs: ClusterDirs, owner: ClusterOwner | undefined): Promise<void> {
  rmSync(dirs.marker, { force: true });
  recreateClusterDir(dirs, owner);
  await initdb(ctx, dirs, owner);
  writePrivateFile(dirs.marker, markerText(ctx));
}

function checkCluster(ctx: StackContext, dirs: ClusterDirs): 'fresh' | 'ready' {
  if (!existsSync(dirs.marker) || readFileSync(dirs.marker, 'utf8') !== markerText(ctx)) return 'fresh';
  let version = '';
  try {
    version = readFileSync(join(dirs.data, 'PG_VERSION'), 'utf8').trim();
  } catch {
    // missing: reported below
  }
  const binaryMajor = /\/(\d+)\/bin\//.exec(postgresBinary(ctx, 'postgres'))?.[1];
  if (!/^\d+$/.test(version) || (binaryMajor && version !== binaryMajor)) {
    throw new LabError(
      'LAB_ERR_STATE_CORRUPT',
      `postgres: the data dir ${dirs.data} is broken (PG_VERSION ${version ? `"${version.slice(0, 20)}"` : 'missing'}, server is ${binaryMajor ?? '?'}): remove ${dirs.base} and start again (the lab recreates and reseeds it)`,
    );
  }
  return 'ready';
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
    const dirs = clusterDirs(ctx, owner);
    if (checkCluster(ctx, dirs) === 'fresh') await initCluster(ctx, dirs, owner);
    // the lab's earlier postgres is stopped by now (pid files, port check): a lock file left by a kill is stale
    rmSync(join(dirs.data, 'postmaster.pid'), { force: true });
    return {
      command: postgresBinary(ctx, 'postgres'),
      args: [
        '-D', dirs.data,
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `port=${ctx.ports.postgres}`,
        '-c', 'unix_socket_directories=', // TCP on loopback only
        '-c', `password_encryption=${AUTH}`,
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
    await superuserQuery(server(ctx), 'postgres', 'SELECT 1');
  },

  async afterHealthy(ctx) {
    await provisionServicesDatabase(ctx);
  },

  async version(ctx) {
    const [row] = await superuserQuery<{ server_version: string }>(server(ctx), 'postgres', 'SHOW server_version');
    return row?.server_version.split(' ')[0] ?? '?';
  },
};

/** The services' role and database with its schema, as the superuser (both runtimes, after PostgreSQL is healthy). */
export async function provisionServicesDatabase(ctx: StackContext): Promise<void> {
  await ensureServicesRole(server(ctx));
  await ensureServicesDatabase(server(ctx));
}

/** Connection string of the lab's database, as the services' role. */
export function databaseUrl(ctx: StackContext): string {
  return servicesUrl(server(ctx), DATABASE);
}
