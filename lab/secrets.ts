/**
 * The lab's own secrets, one set per lab directory: the admin token every admin call of the app
 * must carry and the HS256 key of the gateway's customer tokens. Generated when the stack starts
 * (`make up`), kept in .lab/secrets.json readable by its owner only (0600), and read from there
 * by everything that talks to the app (the stack, the runner, `make token`).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LabError } from '../errors/lab-error.ts';
import type { LabSecrets } from '../target-app/src/contracts/topology.ts';
import { labDir } from './paths.ts';

export type { LabSecrets };

const secretsSchema = z.strictObject({ adminToken: z.string().min(32), jwtSecret: z.string().min(32) });

export function labSecretsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(labDir(env), 'secrets.json');
}

const fresh = (): string => randomBytes(32).toString('base64url');

/** The lab's secrets, generated on first use; a file others can read is tightened to 0600. */
export function ensureLabSecrets(env: NodeJS.ProcessEnv = process.env): LabSecrets {
  const path = labSecretsPath(env);
  mkdirSync(labDir(env), { recursive: true });
  try {
    writeFileSync(path, `${JSON.stringify({ adminToken: fresh(), jwtSecret: fresh() })}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readLabSecrets(env);
}

/** The secrets of a lab that has been started; a clear error when there are none. */
export function readLabSecrets(env: NodeJS.ProcessEnv = process.env): LabSecrets {
  const path = labSecretsPath(env);
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    throw new LabError('LAB_ERR_NO_SECRETS', `the lab has no secrets yet (${path} is missing): start it once with \`make up\``);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const result = secretsSchema.safeParse(parsed);
  if (!result.success) throw new LabError('LAB_ERR_SECRETS_CORRUPT', `${path} is not the lab's secrets: delete it and run \`make up\` to generate new ones`);
  return result.data;
}

/** The header an admin call carries. */
export function adminAuthorization(secrets: LabSecrets): { authorization: string } {
  return { authorization: `Bearer ${secrets.adminToken}` };
}
