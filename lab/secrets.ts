/**
 * The lab's own secrets, one set per lab directory: the admin token every admin call of the app
 * must carry, the HS256 key of the gateway's customer tokens, the password of the services'
 * database role, the PostgreSQL superuser's password and Grafana's admin password. Generated
 * when the stack starts (`make up`), kept in .lab/secrets.json readable by its owner only (0600,
 * in a 0700 lab dir), and read from there by everything that talks to the app or its database.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LabError } from '../errors/lab-error.ts';
import type { LabSecrets as AppSecrets } from '../target-app/src/contracts/topology.ts';
import { labDir } from './paths.ts';

/** What the app is given (contracts/topology.ts) and what only the lab holds. */
export interface LabSecrets extends AppSecrets {
  /** Password of PostgreSQL's superuser `postgres`: the lab creates the services' role with it. */
  postgresPassword: string;
  /** Grafana's admin password (compose runtime). */
  grafanaAdminPassword: string;
}

const secret = z.string().min(32);
const secretsSchema = z.strictObject({ adminToken: secret, jwtSecret: secret, databasePassword: secret, postgresPassword: secret, grafanaAdminPassword: secret });
const KEYS = Object.keys(secretsSchema.shape) as (keyof LabSecrets)[];

export function labSecretsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(labDir(env), 'secrets.json');
}

/** URL-safe, so a password sits in a connection string and an env file as it is. */
const fresh = (): string => randomBytes(32).toString('base64url');

/** The lab dir, created 0700 and tightened to 0700 when others could read or enter it. */
export function ensurePrivateLabDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = labDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new LabError('LAB_ERR_STATE_CORRUPT', `${dir} is not a directory: remove it (the lab recreates it)`);
  if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) chmodSync(dir, 0o700);
  return dir;
}

/** Writes text readable by its owner only: a temporary file made 0600 before the secret is in it, renamed into place. */
export function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true }); // a crash's leftover; a link there is removed, not followed
  writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}

function readRaw(path: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return {};
  }
}

/**
 * The lab's secrets, generated on first use; a secret a lab made before it existed is added
 * (the others are kept), and a file others can read is tightened to 0600.
 */
export function ensureLabSecrets(env: NodeJS.ProcessEnv = process.env): LabSecrets {
  ensurePrivateLabDir(env);
  const path = labSecretsPath(env);
  const raw = readRaw(path);
  const missing = KEYS.filter((key) => typeof raw?.[key] !== 'string');
  if (raw === undefined || missing.length > 0) {
    const merged = Object.fromEntries(KEYS.map((key) => [key, missing.includes(key) ? fresh() : raw?.[key]]));
    writePrivateFile(path, `${JSON.stringify(merged)}\n`);
  }
  if ((lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readLabSecrets(env);
}

/** The secrets of a lab that has been started; a clear error when there are none. */
export function readLabSecrets(env: NodeJS.ProcessEnv = process.env): LabSecrets {
  const path = labSecretsPath(env);
  const raw = readRaw(path);
  if (raw === undefined) throw new LabError('LAB_ERR_NO_SECRETS', `the lab has no secrets yet (${path} is missing): start it once with \`make up\``);
  const result = secretsSchema.safeParse(raw);
  if (!result.success) throw new LabError('LAB_ERR_SECRETS_CORRUPT', `${path} is not the lab's secrets: delete it and run \`make up\` to generate new ones`);
  return result.data;
}

/** The header an admin call carries. */
export function adminAuthorization(secrets: AppSecrets): { authorization: string } {
  return { authorization: `Bearer ${secrets.adminToken}` };
}
