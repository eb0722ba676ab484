import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { counterValue, metricValue, patchSwitches, startGatewayLab, type GatewayLab } from './gateway-lab.ts';
import { scrapeSum } from './metrics-scrape.ts';

/** The breaker and the retries against a real pricing through a real Toxiproxy. */
describe('gateway: breaker per attempt, deadlines, storm retries', () => {
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
    // A fresh breaker (closed) for every test.
    await patchSwitches(lab.gateway, { breaker: 'off', retries: 'none' });
  });

  const pricingCalls = () => scrapeSum(lab.url, 'http_client_request_duration_seconds_count', { server_address: 'pricing' });
  const breakerState = () => metricValue(lab.url, 'breaker_state{breaker="pricing"}');

  it('callers whose own deadline runs out never open the breaker of a healthy pricing', async () => {
    await patchSwitches(lab.gateway, { breaker: 'on', breakerConsecutiveFailures: 3, breakerHalfOpenAfterMs: 60_000, pricingTimeoutMs: 2_000 });
    await patchSwitches(lab.pricing, { addedLatencyMs: 200 });
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${lab.url}/products/${100 + i}/price`, { headers: { 'x-request-timeout-ms': '50' } });
      expect(res.status).toBe(504);
    }
    expect(await breakerState()).toBe(0);
    const healthy = await fetch(`${lab.url}/products/100/price`);
    expect(healthy.headers.get('x-price-source')).toBe('live');
  });

  it('a half-open trial is exactly one call to pricing, whatever the retry policy', async () => {
    await patchSwitches(lab.gateway, {
      breaker: 'on',
      breakerConsecutiveFailures: 2,
      breakerHalfOpenAfterMs: 300,
      pricingTimeoutMs: 500,
      retries: 'backoff',
      retryMaxAttempts: 3,
      retryBaseDelayMs: 1,
    });
    await patchSwitches(lab.pricing, { errorRate: 1 });
    for (let i = 0; i < 10 && (await breakerState()) !== 2; i++) expect((await fetch(`${lab.url}/products/200/price`)).status).toBe(502);
    expect(await breakerState()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const before = await pricingCalls();
    expect((await fetch(`${lab.url}/products/200/price`)).status).toBe(502);
    expect((await pricingCalls()) - before).toBe(1);
    expect(await breakerState()).toBe(2);
  });

  it('while a half-open trial waits on a slow pricing, other reads get the last known price at once', async () => {
    await patchSwitches(lab.gateway, { breaker: 'on', breakerConsecutiveFailures: 2, breakerHalfOpenAfterMs: 300, pricingTimeoutMs: 2_000 });
    expect((await fetch(`${lab.url}/products/250/price`)).headers.get('x-price-source')).toBe('live');
    await patchSwitches(lab.pricing, { errorRate: 1 });
    for (let i = 0; i < 10 && (await breakerState()) !== 2; i++) await fetch(`${lab.url}/products/250/price`);
    expect(await breakerState()).toBe(2);
    await patchSwitches(lab.pricing, { addedLatencyMs: 800 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const before = await pricingCalls();
    const trial = fetch(`${lab.url}/products/250/price`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await breakerState()).toBe(1);
    const started = performance.now();
    const other = await fetch(`${lab.url}/products/250/price`);
    const waited = performance.now() - started;
    expect([other.status, other.headers.get('x-price-source')]).toEqual([200, 'fallback']);
    // the trial has 700 ms to go: a read that waited for it would take that long
    expect(waited).toBeLessThan(300);
    expect((await trial).headers.get('x-price-source')).toBe('fallback');
    expect((await pricingCalls()) - before).toBe(1);
  });

  it('after a reconfigure, a call still running on the old breaker does not write breaker_state', async () => {
    await patchSwitches(lab.gateway, { breaker: 'on', breakerConsecutiveFailures: 1, breakerHalfOpenAfterMs: 60_000, pricingTimeoutMs: 2_000 });
    await patchSwitches(lab.pricing, { addedLatencyMs: 400, errorRate: 1 });
    const inFlight = fetch(`${lab.url}/products/300/price`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await patchSwitches(lab.gateway, { breakerHalfOpenAfterMs: 30_000 });
    expect((await inFlight).status).toBe(502);
    // The old policy opened on that failure; the breaker in force never saw a call.
    expect(await breakerState()).toBe(0);
  });

  it('storm retries every failure at once with no budget; backoff stays within its budget', async () => {
    await patchSwitches(lab.pricing, { errorRate: 1 });
    const retried = () => counterValue(lab.url, 'retries_total{server_address="pricing"}');
    const denied = () => counterValue(lab.url, 'retries_denied_total{server_address="pricing",reason="budget"}');
    const run = async (retries: 'storm' | 'backoff') => {
      await patchSwitches(lab.gateway, { retries, retryMaxAttempts: 3, retryBaseDelayMs: 1, retryMaxDelayMs: 2, pricingTimeoutMs: 500 });
      const [retriesBefore, deniedBefore] = [await retried(), await denied()];
      for (let i = 0; i < 40; i++) expect((await fetch(`${lab.url}/products/400/price`)).status).toBe(502);
      return { retries: (await retried()) - retriesBefore, denied: (await denied()) - deniedBefore };
    };
    expect(await run('storm')).toEqual({ retries: 80, denied: 0 });
    const backoff = await run('backoff');
    expect(backoff.retries).toBeLessThan(80);
    expect(backoff.denied).toBeGreaterThan(0);
  });
});
