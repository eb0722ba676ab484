import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyToken } from '../../target-app/src/platform/auth.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { ensureLabSecrets, labSecretsPath, readLabSecrets } from '../secrets.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const CLI = join(PROJECT_ROOT, 'lab', 'cli.ts');

function freshLab(): NodeJS.ProcessEnv {
  return { ...process.env, LAB_DIR: mkdtempSync(join(tmpdir(), 'faultline-secrets-')) };
}

function token(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(NODE, [CLI, 'token', '--subject', 'alice'], { env, encoding: 'utf8' });
}

describe("the lab's secrets", () => {
  it('are generated once per lab, readable by the owner only, and differ between labs', () => {
    const env = freshLab();
    const first = ensureLabSecrets(env);
    expect(statSync(labSecretsPath(env)).mode & 0o777).toBe(0o600);
    expect(ensureLabSecrets(env)).toEqual(first);
    expect(readLabSecrets(env)).toEqual(first);
    expect(first.adminToken).not.toBe(first.jwtSecret);
    expect(ensureLabSecrets(freshLab())).not.toEqual(first);
  });

  it('a secrets file others can read is tightened to 0600', () => {
    const env = freshLab();
    ensureLabSecrets(env);
    chmodSync(labSecretsPath(env), 0o644);
    ensureLabSecrets(env);
    expect(statSync(labSecretsPath(env)).mode & 0o777).toBe(0o600);
  });

  it('live in a lab dir only its owner can enter: a lab dir others can read is tightened to 0700', () => {
    const env = { ...process.env, LAB_DIR: join(mkdtempSync(join(tmpdir(), 'faultline-secrets-')), 'lab') };
    mkdirSync(env.LAB_DIR, { mode: 0o755 });
    chmodSync(env.LAB_DIR, 0o755);
    ensureLabSecrets(env);
    expect(statSync(env.LAB_DIR).mode & 0o777).toBe(0o700);
  });

  it('a secrets file from an older lab keeps its secrets and gains the database and Grafana passwords, each its own', () => {
    const env = freshLab();
    const older = { adminToken: 'a'.repeat(43), jwtSecret: 'j'.repeat(43) };
    writeFileSync(labSecretsPath(env), JSON.stringify(older), { mode: 0o644 });
    const secrets = ensureLabSecrets(env);
    expect(secrets).toMatchObject(older);
    const added = [secrets.databasePassword, secrets.postgresPassword, secrets.grafanaAdminPassword];
    expect(new Set(added).size).toBe(3);
    for (const password of added) expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(labSecretsPath(env)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(labSecretsPath(env), 'utf8'))).toEqual(secrets);
  });

  it('make token signs with the lab secret the gateway is given, whatever JWT_SECRET says', async () => {
    const env = freshLab();
    const { jwtSecret } = ensureLabSecrets(env);
    const minted = token({ ...env, JWT_SECRET: 'a-secret-from-the-environment-0123456789' });
    expect(minted.status).toBe(0);
    expect(await verifyToken(jwtSecret, minted.stdout.trim())).toEqual({ subject: 'alice' });
    await expect(verifyToken('a-secret-from-the-environment-0123456789', minted.stdout.trim())).rejects.toThrow();
  });

  it('make token before the lab was ever started is one line naming the fix, exit 2', () => {
    const result = token(freshLab());
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no secrets yet .*make up/);
  });
});
