import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceConfig } from '../src/platform/config.ts';
import { PROBLEM_CONTENT_TYPE } from '../src/platform/problem.ts';
import { createApp, type PricingService } from '../src/services/pricing/app.ts';

describe('pricing', () => {
  let pricing: PricingService;
  let url: string;
  beforeAll(async () => {
    pricing = createApp({ service: testServiceConfig('pricing') });
    const { port } = await pricing.listen();
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await pricing.shutdown();
  });

  it('answers the same price for a product every time, different across products', async () => {
    const first = await (await fetch(`${url}/prices/42`)).json();
    const again = await (await fetch(`${url}/prices/42`)).json();
    const other = await (await fetch(`${url}/prices/43`)).json();
    expect(first).toEqual(again);
    expect(first).toMatchObject({ productId: 42, currency: 'EUR' });
    expect((first as { amount: number }).amount).toBeGreaterThanOrEqual(999);
    expect(other).not.toEqual(first);
  });

  it('refuses a malformed id with a 400 problem', async () => {
    const res = await fetch(`${url}/prices/-1`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('misbehaves on demand through its switches (latency, errors) and recovers', async () => {
    pricing.switches.patch({ addedLatencyMs: 200 });
    let started = performance.now();
    expect((await fetch(`${url}/prices/1`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    pricing.switches.patch({ addedLatencyMs: 0, errorRate: 1 });
    expect((await fetch(`${url}/prices/1`)).status).toBe(500);
    pricing.switches.patch({ errorRate: 0 });
    started = performance.now();
    expect((await fetch(`${url}/prices/1`)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(150);
  });
});
