import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
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
