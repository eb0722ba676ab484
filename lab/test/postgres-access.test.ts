/**
 * Who may reach the lab's PostgreSQL: every connection needs the password from the lab's secrets,
 * and the services' role is no superuser (it cannot run a program through COPY, nor create a
 * database). As root, the cluster lives in a directory only root can write in, made afresh: a
 * symlink planted at the path an earlier layout used, or at the recorded path, is neither
 * followed nor chowned.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesUrl } from '../stack/components/postgres-roles.ts';
import { startStack, stopStack, type StackHandle } from '../stack/index.ts';
import { testEnv } from './lab-env.ts';

const asRoot = process.getuid?.() === 0;
/** Stands in for /var/tmp: world-writable and sticky, where another user could plant links. */
const sharedTmp = mkdtempSync(join(tmpdir(), 'faultline-shared-tmp-'));
chmodSync(sharedTmp, 0o1777);
/** What a planted link points at: must stay as it is. */
const victim = mkdtempSync(join(tmpdir(), 'faultline-victim-'));
const env = testEnv('postgres-access', { LAB_POSTGRES_ROOT_PARENT: sharedTmp });
let stack: StackHandle;

async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ connectionTimeoutMillis: 3000, ...config });
  client.on('error', () => {});
  await client.connect();
  return client;
}

beforeAll(async () => {
  // the fixed path an earlier layout used, and a recorded path since replaced by a link
  symlinkSync(victim, join(sharedTmp, 'faultline-postgres'));
  symlinkSync(victim, join(sharedTmp, 'faultline-postgres-planted'));
  mkdirSync(env.LAB_DIR!, { recursive: true });
  writeFileSync(join(env.LAB_DIR!, 'postgres-cluster-dir'), `${join(sharedTmp, 'faultline-postgres-planted')}\n`);
  stack = await startStack({ env, withApp: false });
}, 120_000);

afterAll(async () => {
  await stopStack(env);
  // the cluster lives in the stand-in /var/tmp: a new one is made next time
  for (const dir of [sharedTmp, victim]) rmSync(dir, { recursive: true, force: true });
});

describe("the lab's PostgreSQL", () => {
  it('refuses a connection without the password, and one with a wrong password', async () => {
    for (const user of ['faultline', 'postgres']) {
      await expect(connect({ host: '127.0.0.1', port: stack.ports.postgres, user, database: 'faultline' })).rejects.toThrow(/password/i);
      await expect(connect({ host: '127.0.0.1', port: stack.ports.postgres, user, password: 'not-the-password', database: 'faultline' })).rejects.toThrow(/password authentication failed/);
    }
  });

  it("gives the services' role its own schema and no superuser power: no COPY TO PROGRAM, no CREATE DATABASE", async () => {
    const client = await connect({ connectionString: servicesUrl({ port: stack.ports.postgres, secrets: stack.secrets }) });
    try {
      const role = await client.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>('SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user');
      expect(role.rows).toEqual([{ rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
      await expect(client.query(`COPY (SELECT 1) TO PROGRAM 'touch /tmp/faultline-copy-to-program'`)).rejects.toThrow(/permission denied|must be superuser|pg_execute_server_program/);
      await expect(client.query('CREATE DATABASE faultline_not_allowed')).rejects.toThrow(/permission denied/);
      await client.query('CREATE TABLE IF NOT EXISTS access_probe (id int)');
      const placed = await client.query<{ schemaname: string }>(`SELECT schemaname FROM pg_tables WHERE tablename = 'access_probe'`);
      expect(placed.rows).toEqual([{ schemaname: 'faultline' }]);
      await expect(client.query('CREATE TABLE public.access_probe (id int)')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });
});

describe.runIf(asRoot)("root's cluster directory", () => {
  it('is a fresh root-owned directory: the planted links are neither followed nor chowned', () => {
    const victimStat = statSync(victim);
    expect(victimStat.uid).toBe(0);
    expect(victimStat.mode & 0o7777).toBe(0o700);
    expect(readdirSync(victim)).toEqual([]);
    for (const link of ['faultline-postgres', 'faultline-postgres-planted']) expect(lstatSync(join(sharedTmp, link)).isSymbolicLink()).toBe(true);

    const base = readFileSync(join(env.LAB_DIR!, 'postgres-cluster-dir'), 'utf8').trim();
    expect(dirname(base)).toBe(sharedTmp);
    expect(base).not.toMatch(/faultline-postgres(-planted)?$/);
    const stat = lstatSync(base);
    expect(stat.isDirectory()).toBe(true);
    expect([stat.uid, stat.mode & 0o7777]).toEqual([0, 0o710]);
    const cluster = lstatSync(join(base, 'cluster'));
    expect(cluster.uid).not.toBe(0); // the postgres user's
    expect(cluster.mode & 0o777).toBe(0o700);
  });
});
