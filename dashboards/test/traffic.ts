/**
 * Real traffic for the app-side proof, bounded in count and time: product reads, prices and orders
 * through the gateway at a fixed pace, with a real fault (the gateway→pricing edge taken down
 * through Toxiproxy) in the middle, reported on faultline_fault_active as the runner reports it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LabMetrics } from '../../chaos/metrics.ts';
import { faultType } from '../../chaos/registry.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import type { PortMap } from '../../lab/ports.ts';
import { mintToken } from '../../target-app/src/contracts/customer-token.ts';

export const PROOF_SCENARIO = 'dashboards-proof';
export const PROOF_VARIANT = 'app';

/** Requests per second, and the seconds of steady / faulted / recovered traffic. */
const RATE = 40;
const PHASES = [
  { phase: 'steady', seconds: 4, fault: false },
  { phase: 'fault', seconds: 3, fault: true },
  { phase: 'recovery', seconds: 3, fault: false },
] as const;

export interface TrafficReport {
  start: Date;
  end: Date;
  requests: number;
  statuses: Record<string, number>;
}

export async function driveTraffic(ports: PortMap, jwtSecret: string): Promise<TrafficReport> {
  const metrics = new LabMetrics();
  await metrics.listen(ports.labMetrics);
  const toxiproxy = new ToxiproxyClient(ports.toxiproxy);
  const token = await mintToken({ secret: jwtSecret, subject: 'dashboards-proof', ttlSeconds: 600 });
  const gateway = `http://127.0.0.1:${ports.gateway}`;
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const fault = { fault: 'proxy_down', target: 'gateway-pricing', scenario: PROOF_SCENARIO, variant: PROOF_VARIANT };
  let n = 0;
  // during the outage, prices of products never asked before: no last known price to fall back on,
  // so the gateway fails them and logs it (the log panels' data)
  const request = (i: number, faulted: boolean): Promise<void> => {
    const order = i % 10 === 0;
    const priced = faulted ? 500 + i : 1 + (i % 50);
    const call = order
      ? fetch(`${gateway}/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `proof-${Date.now()}-${i}` }, body: JSON.stringify({ items: [{ productId: 1 + (i % 20), quantity: 1 }] }) })
      : fetch(i % 5 === 0 ? `${gateway}/products?page=1` : i % 3 === 0 ? `${gateway}/products/${priced}/price` : `${gateway}/products/${1 + (i % 50)}`);
    return call
      .then(async (res) => {
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      })
      .catch(() => {
        statuses['0'] = (statuses['0'] ?? 0) + 1;
      });
  };
  const start = new Date();
  try {
    for (const step of PHASES) {
      metrics.setPhase(PROOF_SCENARIO, PROOF_VARIANT, step.phase);
      const applied = step.fault ? await faultType('proxy_down').apply({ toxiproxy }, 'gateway-pricing', {} as never, 'dashboards-proof') : undefined;
      if (applied) metrics.setFault(fault, true);
      try {
        const until = Date.now() + step.seconds * 1000;
        while (Date.now() < until) {
          const p = request(n++, applied !== undefined).finally(() => inFlight.delete(p));
          inFlight.add(p);
          await sleep(1000 / RATE);
        }
      } finally {
        await applied?.revert();
        if (applied) metrics.setFault(fault, false);
      }
    }
    await Promise.all(inFlight);
    // the last scrapes of the runner's series and the app's counters land before the range ends
    await sleep(3000);
    metrics.setPhase(PROOF_SCENARIO, PROOF_VARIANT, undefined);
    await sleep(1500);
  } finally {
    await metrics.close();
  }
  return { start, end: new Date(), requests: n, statuses };
}
