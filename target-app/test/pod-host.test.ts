/**
 * A service binds 127.0.0.1, or in a Kubernetes pod its own address (POD_IP from the downward
 * API, as deploy/kubernetes/ sets it): never a wildcard, never an address that is not the pod's.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, serviceConfigFromEnv, serviceEnvSchema } from '../src/platform/config.ts';

const config = (env: Record<string, string>) => serviceConfigFromEnv(parseEnv(serviceEnvSchema, { SERVICE_NAME: 'catalog', ...env }));

describe('the bind address', () => {
  it('is 127.0.0.1 by default', () => {
    expect(config({}).host).toBe('127.0.0.1');
  });
  it("is the pod's address when HOST names POD_IP", () => {
    expect(config({ HOST: '203.0.113.7', POD_IP: '203.0.113.7' }).host).toBe('203.0.113.7');
  });
  it('refuses the wildcard and any address that is not the pod\'s', () => {
    expect(() => config({ HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => config({ HOST: '0.0.0.0', POD_IP: '203.0.113.7' })).toThrow(/127.0.0.1, or in a pod its POD_IP only/);
    expect(() => config({ HOST: '203.0.113.8', POD_IP: '203.0.113.7' })).toThrow(ConfigError);
    expect(() => config({ HOST: 'localhost' })).toThrow(ConfigError);
  });
});
