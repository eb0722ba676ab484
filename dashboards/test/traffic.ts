/**
 * Real traffic for the app-side proof, bounded in count and time: product reads, prices and orders
 * through the gateway at a fixed pace, in phases that each make a panel's failure happen for real:
 * the gateway→pricing edge taken down (errors, retries, fallbacks, warnings in the log), then made
 * slow under tight timeouts and no retry budget (calls cut by timeout and deadline, 504s, refused
 * retries), then bursts against a concurrency limit of one (shed requests). Faults are reported on
 * faultline_fault_active as the runner reports them, and switches are set back when a phase ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabMetrics } from '../../chaos/metrics.ts';
import { faultType } from '../../chaos/registry.ts';
import { ToxiproxyClient } from '../../chaos/toxiproxy.ts';
import { applySwitches } from '../../lab/runner/variant.ts';
import type { StackHandle } from '../../lab/stack/index.ts';
import { mintToken } from '../../target-app/src/contracts/customer-token.ts';
import { DEADLINE_HEADER } from '../../target-app/src/platform/http-server.ts';
import { gatewaySwitches, type GatewaySwitches } from '../../target-app/src/services/gateway/config.ts';

export const PROOF_SCENARIO = 'dashboards-proof';
export const PROOF_VARIANT = 'app';

/** Ticks per second; each tick sends `burst` requests at once. */
const RATE = 40;
/** The pricing edge's added delay in the slow phase, ms: past pricingTimeoutMs and past the short deadlines. */
const SLOW_PRICING_MS = 300;
/** The deadline half the slow phase's price requests carry, ms: under pricingTimeoutMs, so the deadline cuts the call (504). */
const SHORT_DEADLINE_MS = 40;

/** Products the mixed phases read and price: 1..PRODUCTS. */
const PRODUCTS = 50;
/** How long the gateway may take to price each of them once before the phases (a busy machine at the start). */
const PRIME_WITHIN_MS = 15_000;

type Mode = 'mixed' | 'unseen-prices' | 'bursts';

interface Phase {
  phase: 'steady' | 'fault' | 'recovery';
  seconds: number;
  mode: Mode;
  fault?: { type: 'proxy_down' | 'latency'; attributes: Record<string, number> };
  switches?: Partial<GatewaySwitches>;
  /** Requests sent at once per tick (default 1). */
  burst?: number;
  /** Ticks per second (default RATE). */
  rate?: number;
}

const PHASES: Phase[] = [
  { phase: 'steady', seconds: 4, mode: 'mixed' },
  // during the outage, prices of products never asked before: no last known price to fall back on,
  // so the gateway fails them and logs it (the log panels' data)
  { phase: 'fault', seconds: 3, mode: 'mixed', fault: { type: 'proxy_down', attributes: {} } },
  { phase: 'recovery', seconds: 3, mode: 'mixed' },
  // no breaker to stop the calls, a 50 ms timeout, and a budget of only the floor's few retries a second
  { phase: 'fault', seconds: 3, mode: 'unseen-prices', fault: { type: 'latency', attributes: { latency: SLOW_PRICING_MS } }, switches: { breaker: 'off', pricingTimeoutMs: 50, retryBudgetRatio: 0 } },
  // one request at a time and no queue: every burst but its first request is shed
  { phase: 'fault', seconds: 2, mode: 'bursts', switches: { shedding: 'on', shedConcurrency: 1, shedMaxQueue: 0, shedQueueTimeoutMs: 0 }, burst: 5, rate: 10 },
];

export interface TrafficReport {
  start: Date;
  end: Date;
  requests: number;
  statuses: Record<string, number>;
}

/** The gateway's defaults for the switches a phase sets: what it is set back to. */
function defaultsOf(switches: Partial<GatewaySwitches>): Partial<GatewaySwitches> {
  const defaults = gatewaySwitches.parse({});
  return Object.fromEntries(Object.keys(switches).map((k) => [k, defaults[k as keyof GatewaySwitches]]));
}

/** Drives the phases through the gateway; `metrics` is the runner's registry the fault windows and phases are reported on. */
export async function driveTraffic(stack: StackHandle, metrics: LabMetrics): Promise<TrafficReport> {
  const ports = stack.ports;
  const toxiproxy = new ToxiproxyClient(ports.toxiproxy);
  const token = await mintToken({ secret: stack.secrets.jwtSecret, subject: 'dashboards-proof', ttlSeconds: 600 });
  const gateway = `http://127.0.0.1:${ports.gateway}`;
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  let unseen = 500;
  const request = (i: number, mode: Mode, faulted: boolean): Promise<void> => {
    const order = mode === 'mixed' && i % 10 === 0;
    const call =
      mode === 'unseen-prices'
        ? fetch(`${gateway}/products/${unseen++}/price`, i % 2 === 0 ? { headers: { [DEADLINE_HEADER]: String(SHORT_DEADLINE_MS) } } : {})
        : order
          ? fetch(`${gateway}/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `proof-${Date.now()}-${i}` }, body: JSON.stringify({ items: [{ productId: 1 + (i % 20), quantity: 1 }] }) })
          : fetch(i % 5 === 0 ? `${gateway}/products?page=1` : i % 3 === 0 ? `${gateway}/products/${faulted ? unseen++ : 1 + (i % PRODUCTS)}/price` : `${gateway}/products/${1 + (i % PRODUCTS)}`);
    return call
      .then(async (res) => {
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      })
      .catch(() => {
        statuses['0'] = (statuses['0'] ?? 0) + 1;
      });
  };
  await primePrices(gateway);
  const start = new Date();
  for (const [index, step] of PHASES.entries()) {
    metrics.setPhase(PROOF_SCENARIO, PROOF_VARIANT, step.phase);
    if (step.switches) await applySwitches(stack, { gateway: step.switches }, `dashboards proof, phase ${index + 1}`);
    const type = step.fault && faultType(step.fault.type);
    const applied = step.fault && type ? await type.apply({ toxiproxy }, 'gateway-pricing', type.attributes.parse(step.fault.attributes), `dashboards-proof-${index}`) : undefined;
    const labels = step.fault && { fault: step.fault.type, target: 'gateway-pricing', scenario: PROOF_SCENARIO, variant: PROOF_VARIANT };
    if (labels) metrics.setFault(labels, true);
    try {
      const until = Date.now() + step.seconds * 1000;
      while (Date.now() < until) {
        for (let b = 0; b < (step.burst ?? 1); b++) {
          const p = request(n++, step.mode, applied !== undefined).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await sleep(1000 / (step.rate ?? RATE));
      }
      await Promise.all(inFlight);
    } finally {
      await applied?.revert();
      if (labels) metrics.setFault(labels, false);
      if (step.switches) await applySwitches(stack, { gateway: defaultsOf(step.switches) }, `dashboards proof, phase ${index + 1} ending`);
    }
  }
  // the last scrapes of the runner's series and the app's counters land before the range ends
  await sleep(3000);
  metrics.setPhase(PROOF_SCENARIO, PROOF_VARIANT, undefined);
  await sleep(1500);
  return { start, end: new Date(), requests: n, statuses };
}

/**
 * Has the gateway price every product of the mixed phases once, live, before the first fault: the
 * recovery's reads find the breaker still open and answer from these last known prices (the
 * fallback panel's data). Left to the steady phase alone, a machine busy as the traffic began
 * (the breaker opening on its first slow calls) could leave none known.
 */
async function primePrices(gateway: string): Promise<void> {
  const giveUpAt = Date.now() + PRIME_WITHIN_MS;
  for (let id = 1; id <= PRODUCTS; id++) {
    for (;;) {
      const res = await fetch(`${gateway}/products/${id}/price`);
      await res.arrayBuffer();
      if (res.status === 200 && res.headers.get('x-price-source') === 'live') break;
      if (Date.now() > giveUpAt) throw new Error(`dashboards proof: the gateway did not price product ${id} live within ${PRIME_WITHIN_MS / 1000} s before the faults (last answer ${res.status}); the stack is not serving`);
      await sleep(100);
    }
  }
}
