import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProducts } from './product-reads.ts';
import { counterValue, metricValue, patchSwitches, startGatewayLab, type GatewayLab } from './gateway-lab.ts';

/** Load balancing over two real catalog instances (real Postgres and Redis), each behind its Toxiproxy edge. */
describe('gateway -> catalog: round robin, failover', () => {
  let lab: GatewayLab;
  beforeAll(async () => {
    lab = await startGatewayLab({ catalogReplicas: 2, gatewaySwitches: { retries: 'none', failover: 'off', healthCheckIntervalMs: 100 } });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const read = (total: number, concurrency?: number, during?: (i: number) => Promise<void> | void) => readProducts(lab.url, total, concurrency, during);

  it('spreads requests over every instance in round robin', async () => {
    const before = await Promise.all(lab.catalogs.map((c) => counterValue(`http://127.0.0.1:${c.port}`, 'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/products/:id",http_response_status_code="200"}')));
    const statuses = await read(40, 1);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const after = await Promise.all(lab.catalogs.map((c) => metricValue(`http://127.0.0.1:${c.port}`, 'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/products/:id",http_response_status_code="200"}')));
    expect(after.map((a, i) => a - before[i]!)).toEqual([20, 20]);
    const product = (await (await fetch(`${lab.url}/products/42`)).json()) as { id: number };
    expect(product.id).toBe(42);
  });

  it('with failover off, an unreachable instance fails the requests sent to it', async () => {
    await lab.toxiproxy.setEnabled('gateway-catalog-1', false);
    try {
      const statuses = await read(40);
      expect(statuses.filter((s) => s === 502).length).toBeGreaterThanOrEqual(10);
    } finally {
      await lab.toxiproxy.setEnabled('gateway-catalog-1', true);
    }
  });

  it('with failover on, an unreachable instance costs no failed request and is ejected', async () => {
    await patchSwitches(lab.gateway, { failover: 'on', outlierConsecutiveFailures: 2, outlierEjectionMs: 500 });
    await lab.toxiproxy.setEnabled('gateway-catalog-1', false);
    try {
      const statuses = await read(100);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(await metricValue(lab.url, 'catalog_replicas_eligible')).toBe(1);
    } finally {
      await lab.toxiproxy.setEnabled('gateway-catalog-1', true);
    }
    await new Promise((resolve) => setTimeout(resolve, 800)); // the ejection ends and health checks see it back
    expect(await metricValue(lab.url, 'catalog_replicas_eligible')).toBe(2);
  });

  it('with failover on, a catalog instance stopped under load costs no failed request', async () => {
    let stopped: Promise<void> | undefined;
    const statuses = await read(200, 8, (i) => {
      if (i === 50) stopped = lab.catalogs[0]!.shutdown();
    });
    await stopped;
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
