/**
 * Readiness on the public port says which dependency failed, never its error text (addresses,
 * user names, driver messages); the admin port, behind the admin token, says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testServiceConfig } from '../src/platform/config.ts';
import { createService, type Service } from '../src/platform/service.ts';
import { adminHeaders } from './admin-calls.ts';

const DRIVER_ERROR = 'password authentication failed for user "faultline" at 127.0.0.1:20432';
const switches = z.object({});
let service: Service<typeof switches>;

beforeAll(async () => {
  service = createService({ config: testServiceConfig('probe', { port: 0, adminPort: 0, telemetry: false }), switches });
  service.readiness('postgres', () => Promise.reject(new Error(DRIVER_ERROR)));
  service.readiness('redis', () => Promise.resolve());
  await service.listen();
});

afterAll(async () => {
  await service?.shutdown();
});

describe('readiness', () => {
  it('on the public port names the failed dependency and nothing of its error', async () => {
    const response = await fetch(`http://127.0.0.1:${service.port}/readyz`);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).not.toContain('password');
    expect(text).not.toContain('127.0.0.1');
    expect(JSON.parse(text)).toMatchObject({ checks: { postgres: 'failed', redis: 'ok' }, detail: expect.stringContaining('postgres') });
  });

  it('on the admin port, with the admin token, gives the error itself', async () => {
    const base = `http://127.0.0.1:${service.adminPort}/admin/readyz`;
    expect((await fetch(base)).status).toBe(401);
    const response = await fetch(base, { headers: adminHeaders });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ checks: { postgres: DRIVER_ERROR, redis: 'ok' } });
  });
});
