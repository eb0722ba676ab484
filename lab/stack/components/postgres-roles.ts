/**
 * Who may do what in the lab's PostgreSQL. Every connection needs a password (scram-sha-256).
 * The superuser `postgres` is the lab's alone (its password is in the lab's secrets); the
 * services, the runner's measures and the tests connect as `faultline`, a role that is no
 * superuser, cannot create databases or roles, and owns only its own schema `faultline` (first
 * on its search path) in a database it does not own: so it cannot, say, COPY TO PROGRAM.
 */
import pg from 'pg';
import type { LabSecrets } from '../../secrets.ts';

export const SUPERUSER = 'postgres';
export const SERVICES_ROLE = 'faultline';
export const DATABASE = 'faultline';

export interface Server {
  port: number;
  secrets: LabSecrets;
}

/** A client of the lab's server as its superuser, in the given database. */
export function superuserClient(server: Server, database: string): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port: server.port, user: SUPERUSER, password: server.secrets.postgresPassword, database, connectionTimeoutMillis: 1500 });
}

/** The services' connection string to a database of the lab's server. */
export function servicesUrl(server: Server, database = DATABASE): string {
  return `postgres://${SERVICES_ROLE}:${encodeURIComponent(server.secrets.databasePassword)}@127.0.0.1:${server.port}/${database}`;
}

async function asSuperuser<T>(server: Server, database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = superuserClient(server, database);
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The services' role with the lab's current password, and none of a superuser's powers (also taken back from an older cluster's role). */
export async function ensureServicesRole(server: Server): Promise<void> {
  await asSuperuser(server, 'postgres', async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [SERVICES_ROLE]);
    if (exists.rowCount === 0) await client.query(`CREATE ROLE ${SERVICES_ROLE}`);
    const password = client.escapeLiteral(server.secrets.databasePassword);
    await client.query(`ALTER ROLE ${SERVICES_ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${password}`);
  });
}

/** A database the services' role may use but does not own: it connects and owns the schema `faultline` there, nothing more. */
export async function ensureServicesDatabase(server: Server, database = DATABASE): Promise<void> {
  const name = (client: pg.Client): string => client.escapeIdentifier(database);
  await asSuperuser(server, 'postgres', async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name(client)} OWNER ${SUPERUSER}`);
    await client.query(`ALTER DATABASE ${name(client)} OWNER TO ${SUPERUSER}`);
    await client.query(`REVOKE ALL ON DATABASE ${name(client)} FROM PUBLIC`);
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${name(client)} TO ${SERVICES_ROLE}`);
  });
  await asSuperuser(server, database, async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SERVICES_ROLE} AUTHORIZATION ${SERVICES_ROLE}`);
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  });
}

/** Removes a database made by ensureServicesDatabase (tests' scratch databases). */
export async function dropDatabase(server: Server, database: string): Promise<void> {
  await asSuperuser(server, 'postgres', (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`));
}

/** One query as the superuser (health probes, versions). */
export async function superuserQuery<T extends pg.QueryResultRow>(server: Server, database: string, sql: string): Promise<T[]> {
  return asSuperuser(server, database, async (client) => (await client.query<T>(sql)).rows);
}
