import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mintToken } from '../src/contracts/customer-token.ts';
import { catalogProxyPort, MAX_CATALOG_INSTANCES } from '../src/contracts/topology.ts';
import { PROBLEM_CONTENT_TYPE, problemType } from '../src/platform/problem.ts';
import { counterValue, metricValue, patchSwitches, startGatewayLab, type GatewayLab } from './gateway-lab.ts';
import { adminHeaders } from './admin-calls.ts';

/** Gateway edge behaviour against real pricing through a real Toxiproxy (no catalog needed). */
describe('gateway: input, auth, breaker, shedding, deadlines', () => {
  let lab: GatewayLab;
  beforeAll(async () => {
    lab = await startGatewayLab({ gatewaySwitches: { retries: 'none' } });
  });
  afterAll(async () => {
    await lab?.stop();
  });
  beforeEach(async () => {
    await lab.toxiproxy.reset();
    await patchSwitches(lab.pricing, { addedLatencyMs: 0, errorRate: 0 });
  });

  async function expectProblem(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    const body = (await res.json()) as { type: string; status: number };
    expect(body.type).toBe(problemType(code as never));
    expect(body.status).toBe(status);
  }

  it('answers bad input with the right status as application/problem+json', async () => {
    await expectProblem(await fetch(`${lab.url}/products/abc`), 400, 'invalid-parameter');
    await expectProblem(await fetch(`${lab.url}/products/0/price`), 400, 'invalid-parameter');
    await expectProblem(await fetch(`${lab.url}/products?size=1000`), 400, 'invalid-parameter');
    await expectProblem(await fetch(`${lab.url}/no/such/route`), 404, 'route-not-found');
    const token = await mintToken({ secret: lab.stack.secrets.jwtSecret, subject: 'alice' });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await expectProblem(await fetch(`${lab.url}/orders`, { method: 'POST', headers: auth, body: '{"productId":' }), 400, 'malformed-body');
    await expectProblem(await fetch(`${lab.url}/orders`, { method: 'POST', headers: auth, body: '[1,2]' }), 422, 'invalid-body');
    await expectProblem(await fetch(`${lab.url}/orders`, { method: 'POST', headers: auth, body: JSON.stringify({ note: 'x'.repeat(64 * 1024) }) }), 413, 'body-too-large');
  });

  it('refuses the order routes without a valid bearer token (401)', async () => {
    const body = JSON.stringify({ productId: 1, quantity: 1 });
    const headers = { 'content-type': 'application/json' };
    await expectProblem(await fetch(`${lab.url}/orders`, { method: 'POST', headers, body }), 401, 'unauthorized');
    const expired = await mintToken({ secret: lab.stack.secrets.jwtSecret, subject: 'alice', ttlSeconds: 60, now: Date.now() - 3_600_000 });
    const res = await fetch(`${lab.url}/orders/abc`, { headers: { authorization: `Bearer ${expired}` } });
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    await expectProblem(res, 401, 'unauthorized');
    const forged = await mintToken({ secret: 'another-secret-of-sixteen-chars', subject: 'mallory' });
    await expectProblem(await fetch(`${lab.url}/orders/abc`, { headers: { authorization: `Bearer ${forged}` } }), 401, 'unauthorized');
    await expectProblem(await fetch(`${lab.url}/orders/abc`, { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } }), 401, 'unauthorized');
  });

  it('with the breaker on and pricing faulted, fails fast with the last known price, then closes after recovery', async () => {
    await patchSwitches(lab.gateway, { breaker: 'on', breakerConsecutiveFailures: 3, breakerHalfOpenAfterMs: 1_000, pricingTimeoutMs: 200, retries: 'none' });
    const live = await fetch(`${lab.url}/products/7/price`);
    expect(live.status).toBe(200);
    expect(live.headers.get('x-price-source')).toBe('live');
    const price = await live.json();

    await lab.toxiproxy.addToxic('gateway-pricing', { name: 'blackhole', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${lab.url}/products/7/price`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-price-source')).toBe('fallback');
    }
    expect(await metricValue(lab.url, 'breaker_state{breaker="pricing"}')).toBe(2);
    const started = performance.now();
    const fast = await fetch(`${lab.url}/products/7/price`);
    const elapsed = performance.now() - started;
    expect(fast.status).toBe(200);
    expect(fast.headers.get('x-price-source')).toBe('fallback');
    expect(await fast.json()).toEqual(price);
    expect(elapsed).toBeLessThan(150); // open circuit: no wait for the 200 ms timeout
    // no last known price for another product: the failure shows
    expect((await fetch(`${lab.url}/products/8/price`)).status).toBe(502);

    await lab.toxiproxy.removeToxic('gateway-pricing', 'blackhole');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const recovered = await fetch(`${lab.url}/products/7/price`);
    expect(recovered.headers.get('x-price-source')).toBe('live');
    expect(await metricValue(lab.url, 'breaker_state{breaker="pricing"}')).toBe(0);
    expect(await metricValue(lab.url, 'breaker_transitions_total{breaker="pricing",to="closed"}')).toBeGreaterThanOrEqual(1);
  });

  it('with the breaker off, a faulted pricing is a plain timeout and no fallback', async () => {
    await patchSwitches(lab.gateway, { breaker: 'off', pricingTimeoutMs: 200 });
    expect((await fetch(`${lab.url}/products/9/price`)).status).toBe(200);
    await lab.toxiproxy.addToxic('gateway-pricing', { name: 'blackhole', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await fetch(`${lab.url}/products/9/price`);
      expect(res.status).toBe(502);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    }
  });

  it('sheds load beyond the concurrency limit with 503 and Retry-After', async () => {
    await patchSwitches(lab.gateway, { breaker: 'off', pricingTimeoutMs: 2_000, shedding: 'on', shedConcurrency: 2, shedQueueTimeoutMs: 50, shedMaxQueue: 4 });
    await patchSwitches(lab.pricing, { addedLatencyMs: 300 });
    const shedBefore = await counterValue(lab.url, 'shed_requests_total{reason="queue_timeout"}') + (await counterValue(lab.url, 'shed_requests_total{reason="queue_full"}'));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${lab.url}/products/${i + 1}/price`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    const shed = answers.filter((r) => r.status === 503);
    expect(shed).toHaveLength(10);
    for (const res of shed) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    }
    const shedAfter = await counterValue(lab.url, 'shed_requests_total{reason="queue_timeout"}') + (await counterValue(lab.url, 'shed_requests_total{reason="queue_full"}'));
    expect(shedAfter - shedBefore).toBe(10);
    // unbounded again: every request waits its turn
    await patchSwitches(lab.gateway, { shedding: 'off' });
    const all = await Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${lab.url}/products/${i + 1}/price`)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('propagates the caller deadline downstream and answers 504 when it passes', async () => {
    await patchSwitches(lab.gateway, { breaker: 'off', pricingTimeoutMs: 2_000, shedding: 'off' });
    await patchSwitches(lab.pricing, { addedLatencyMs: 500 });
    const started = performance.now();
    const res = await fetch(`${lab.url}/products/3/price`, { headers: { 'x-request-timeout-ms': '100' } });
    expect(performance.now() - started).toBeLessThan(400);
    expect(res.status).toBe(504);
    const seen = await (await fetch(`${lab.url}/products/3/price`, { headers: { 'x-request-timeout-ms': '0' } })).json();
    expect(seen).toMatchObject({ status: 504 });
  });

  it('retries a failing pricing with backoff, and no more than the retry budget allows', async () => {
    // ratio 0 leaves only the budget's floor: 5 retries a second over its 10 s window
    const FLOOR = 5 * 10;
    await patchSwitches(lab.gateway, { breaker: 'off', retries: 'backoff', retryMaxAttempts: 3, retryBaseDelayMs: 5, retryBudgetRatio: 0, pricingTimeoutMs: 500 });
    await patchSwitches(lab.pricing, { errorRate: 1 });
    try {
      const retries = () => counterValue(lab.url, 'retries_total{server_address="pricing"}');
      const denied = () => counterValue(lab.url, 'retries_denied_total{server_address="pricing",reason="budget"}');
      const before = { retries: await retries(), denied: await denied() };
      expect((await fetch(`${lab.url}/products/5/price`)).status).toBe(502);
      expect((await retries()) - before.retries).toBe(2);
      // 40 more failing requests want 80 retries: the budget lets through at most its floor
      for (let i = 0; i < 40; i++) expect((await fetch(`${lab.url}/products/5/price`)).status).toBe(502);
      expect((await retries()) - before.retries).toBeLessThanOrEqual(FLOOR);
      expect((await denied()) - before.denied).toBeGreaterThanOrEqual(1);
    } finally {
      await patchSwitches(lab.gateway, { retries: 'none', retryBudgetRatio: 0.2 });
    }
  });

  it('rate-limits a client beyond its requests per second with 429 and Retry-After', async () => {
    await patchSwitches(lab.gateway, { breaker: 'off', shedding: 'off', rateLimitPerSecond: 5 });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${lab.url}/products/1/price`)));
      const limited = answers.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(5);
      expect(limited[0]!.headers.get('retry-after')).toBe('1');
      await expectProblem(limited[0]!, 429, 'rate-limited');
    } finally {
      await patchSwitches(lab.gateway, { rateLimitPerSecond: 10_000 });
    }
  });

  it('validates admin changes and never exposes admin on the public port', async () => {
    const bad = await fetch(`http://127.0.0.1:${lab.gateway.adminPort}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify({ retries: 'sometimes' }) });
    expect(bad.status).toBe(422);
    const unknown = await fetch(`http://127.0.0.1:${lab.gateway.adminPort}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify({ nosuch: 1 }) });
    expect(unknown.status).toBe(422);
    const config = (await (await fetch(`http://127.0.0.1:${lab.gateway.adminPort}/admin/config`, { headers: adminHeaders })).json()) as { switches: Record<string, unknown> };
    expect(config.switches.retries).toBe('none');
    expect((await fetch(`${lab.url}/admin/config`, { headers: adminHeaders })).status).toBe(404);
    const second = `http://127.0.0.1:${catalogProxyPort(lab.ports, 2)}`;
    const put = await fetch(`http://127.0.0.1:${lab.gateway.adminPort}/admin/upstreams/catalog`, { method: 'PUT', headers: adminHeaders, body: JSON.stringify({ urls: [second] }) });
    expect(await put.json()).toEqual({ urls: [second] });
    expect(await metricValue(lab.url, 'catalog_replicas')).toBe(1);
  });

  it('refuses every admin call without the admin token (401 problem+json)', async () => {
    const admin = `http://127.0.0.1:${lab.gateway.adminPort}`;
    const patch = { method: 'PATCH', body: JSON.stringify({ retries: 'naive' }) };
    await expectProblem(await fetch(`${admin}/admin/config`), 401, 'unauthorized');
    await expectProblem(await fetch(`${admin}/admin/config`, { ...patch, headers: { 'content-type': 'application/json' } }), 401, 'unauthorized');
    await expectProblem(await fetch(`${admin}/admin/config`, { ...patch, headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-lab-token' } }), 401, 'unauthorized');
    await expectProblem(await fetch(`${admin}/admin/upstreams/catalog`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ urls: ['http://127.0.0.1:9'] }) }), 401, 'unauthorized');
    const config = (await (await fetch(`${admin}/admin/config`, { headers: adminHeaders })).json()) as { switches: Record<string, unknown> };
    expect(config.switches.retries).toBe('none');
  });

  it('accepts catalog upstreams only on loopback and on the lab catalog upstream ports', async () => {
    const admin = `http://127.0.0.1:${lab.gateway.adminPort}/admin/upstreams/catalog`;
    const before = (await (await fetch(admin, { headers: adminHeaders })).json()) as { urls: string[] };
    const last = catalogProxyPort(lab.ports, MAX_CATALOG_INSTANCES);
    for (const url of ['http://10.0.0.1:8080', 'http://example.com', `http://127.0.0.1:${last + 1}`, `http://127.0.0.1:${lab.ports.postgres}`, `https://127.0.0.1:${last}`, 'file:///etc/passwd']) {
      await expectProblem(await fetch(admin, { method: 'PUT', headers: adminHeaders, body: JSON.stringify({ urls: [url] }) }), 422, 'invalid-body');
    }
    expect(await (await fetch(admin, { headers: adminHeaders })).json()).toEqual(before);
    const ok = await fetch(admin, { method: 'PUT', headers: adminHeaders, body: JSON.stringify({ urls: [`http://127.0.0.1:${last}`] }) });
    expect(ok.status).toBe(200);
    await fetch(admin, { method: 'PUT', headers: adminHeaders, body: JSON.stringify(before) });
  });
});
