/**
 * The compose inputs the lab writes per run carry its secrets (the JWT secret, the admin token,
 * the database passwords, Grafana's admin password): every env file is 0600 in a 0700 folder,
 * and the committed defaults carry none and create no Grafana admin with a known password.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePorts } from '../ports.ts';
import { ensureLabSecrets } from '../secrets.ts';
import type { StackContext } from '../stack/context.ts';
import { DEFAULT_INPUTS_DIR, writeComposeInputs } from '../stack/compose/inputs.ts';
import { loadTopology } from '../stack/topology.ts';

describe('the compose inputs', () => {
  it('hold the secrets in env files only their owner can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-inputs-'));
    const env = { LAB_DIR: dir };
    const ctx: StackContext = { env, ports: resolvePorts(env), dir, logsDir: join(dir, 'logs'), runDir: join(dir, 'run'), toolsBin: '' };
    const secrets = ensureLabSecrets(env);
    writeComposeInputs(ctx, await loadTopology(env), { appConfig: {} }, secrets);

    const envDir = join(dir, 'env');
    expect(statSync(envDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(envDir);
    expect(files).toEqual(expect.arrayContaining(['gateway.env', 'orders.env', 'postgres.env', 'grafana.env']));
    for (const file of files) expect(`${file} ${(statSync(join(envDir, file)).mode & 0o777).toString(8)}`).toBe(`${file} 600`);
    const text = (file: string): string => readFileSync(join(envDir, file), 'utf8');
    expect(text('gateway.env')).toContain(`JWT_SECRET='${secrets.jwtSecret}'`);
    expect(text('gateway.env')).toContain(`ADMIN_TOKEN='${secrets.adminToken}'`);
    expect(text('orders.env')).toContain(`:${secrets.databasePassword}@`);
    expect(text('postgres.env')).toBe(`POSTGRES_PASSWORD='${secrets.postgresPassword}'\nFAULTLINE_DB_PASSWORD='${secrets.databasePassword}'\n`);
    expect(text('grafana.env')).toBe(`GF_SECURITY_ADMIN_PASSWORD='${secrets.grafanaAdminPassword}'\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('committed for a plain docker compose up, carry no secret and create no Grafana admin', () => {
    const envDir = join(DEFAULT_INPUTS_DIR, 'env');
    for (const file of readdirSync(envDir)) expect(readFileSync(join(envDir, file), 'utf8')).not.toMatch(/JWT_SECRET|ADMIN_TOKEN|PASSWORD=|postgres:\/\/[^@]*:[^@]*@/);
    expect(readFileSync(join(envDir, 'grafana.env'), 'utf8')).toBe(`GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION='true'\n`);
  });
});
