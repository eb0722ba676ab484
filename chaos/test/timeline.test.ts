import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolvePorts } from '../../lab/ports.ts';
import { startToxiproxy, type TestServer } from '../../lab/runner/test/servers.ts';
import { ToxiproxyClient } from '../toxiproxy.ts';
import { playTimeline, type TimelineEntry } from '../timeline.ts';
import { parseAttributes } from '../registry.ts';

const ports = resolvePorts(process.env);
let toxiproxy: TestServer;
let client: ToxiproxyClient;

function entry(id: string, fault: string, target: string, at: number, duration: number, raw: Record<string, unknown>): TimelineEntry {
  return { id, fault, target, at, duration, attributes: parseAttributes(fault, raw, 'test') };
}

async function toxicNames(): Promise<string[]> {
  const proxies = await client.proxies();
  return Object.values(proxies).flatMap((p) => p.toxics.map((t) => `${p.name}/${t.name}`)).sort();
}

beforeAll(async () => {
  toxiproxy = await startToxiproxy(ports.toxiproxy);
  client = new ToxiproxyClient(ports.toxiproxy);
});
afterAll(async () => {
  await toxiproxy?.stop();
});
beforeEach(async () => {
  await client.populate([
    { name: 'a', listen: `127.0.0.1:${ports.proxyCatalog}`, upstream: `127.0.0.1:${ports.catalog}` },
    { name: 'b', listen: `127.0.0.1:${ports.proxyPricing}`, upstream: `127.0.0.1:${ports.pricing}` },
  ]);
  await client.reset();
});

describe('the timeline', () => {
  it('applies each fault at its offset and reverts it when its duration ends', async () => {
    const start = Date.now();
    const changes: string[] = [];
    const timeline = playTimeline(
      [entry('one', 'latency', 'a', 0.2, 0.4, { latency: 50 }), entry('two', 'proxy_down', 'b', 0.4, 0.4, {})],
      { context: { toxiproxy: client }, startAt: start, onChange: (r) => changes.push(`${r.entry.id}:${r.state}`) },
    );
    await sleep(100);
    expect(await toxicNames()).toEqual([]);
    await sleep(200); // t=0.3: one is on
    expect(await toxicNames()).toEqual(['a/faultline-one']);
    await sleep(200); // t=0.5: both on
    expect((await client.proxy('b')).enabled).toBe(false);
    await timeline.finished;
    expect(await toxicNames()).toEqual([]);
    expect((await client.proxy('b')).enabled).toBe(true);
    expect(changes).toEqual(['one:active', 'two:active', 'one:reverted', 'two:reverted']);
    const [one, two] = timeline.records;
    expect(one!.appliedAt! - start).toBeGreaterThanOrEqual(200);
    expect(one!.appliedAt! - start).toBeLessThan(400);
    expect(one!.revertedAt! - start).toBeGreaterThanOrEqual(600);
    expect(two!.revertedAt! - start).toBeGreaterThanOrEqual(800);
  });

  it('stop() cancels what has not started and reverts what is on, newest first', async () => {
    const order: string[] = [];
    const timeline = playTimeline(
      [entry('early', 'latency', 'a', 0, 30, { latency: 10 }), entry('mid', 'latency', 'b', 0.1, 30, { latency: 10 }), entry('late', 'latency', 'a', 20, 1, { latency: 10 })],
      { context: { toxiproxy: client }, onChange: (r) => r.state === 'reverted' && order.push(r.entry.id) },
    );
    await sleep(300);
    expect(timeline.active().map((r) => r.entry.id)).toEqual(['early', 'mid']);
    await timeline.stop();
    await timeline.finished;
    expect(order).toEqual(['mid', 'early']);
    expect(timeline.records.map((r) => r.state)).toEqual(['reverted', 'reverted', 'cancelled']);
    expect(await toxicNames()).toEqual([]);
  });

  it('a fault that fails to apply stops the timeline, reverts the others and rejects with the cause', async () => {
    const timeline = playTimeline(
      [entry('ok', 'latency', 'a', 0, 30, { latency: 10 }), entry('bad', 'latency', 'missing-proxy', 0.2, 1, { latency: 10 })],
      { context: { toxiproxy: client } },
    );
    await expect(timeline.finished).rejects.toThrow(/missing-proxy/);
    expect(timeline.records.map((r) => r.state)).toEqual(['reverted', 'failed']);
    expect(await toxicNames()).toEqual([]);
  });

  it('an empty timeline is finished at once', async () => {
    await playTimeline([], { context: { toxiproxy: client } }).finished;
  });
});
