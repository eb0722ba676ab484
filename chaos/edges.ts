/**
 * Where a fault on a proxy shows in the data. Proxies are named `<client>-<peer>[-<i>]`
 * (target-app/src/topology.ts), and the app publishes the metrics of its edges
 * (target-app/src/contracts/telemetry.ts), so a default visibility check can be written once
 * here for every edge a client measures. An edge to one instance of a peer (gateway-catalog-2) is
 * checked on the calls to that instance only (server_port, which the judge fills in as
 * `$target_port`, the proxy's listen port): a fault on one instance must show on that instance.
 */
import { DB_CLIENT_DURATION, DB_SYSTEM_POSTGRES, HTTP_CLIENT_DURATION } from '../target-app/src/contracts/telemetry.ts';
import { grew } from './counter-growth.ts';
import type { VisibilityCheck } from './fault.ts';

export interface Edge {
  client: string;
  peer: string;
  /** The instance of the peer (catalog-i's proxy), when the edge leads to one of several. */
  instance?: number;
}

const DATASTORES = new Set(['postgres', 'redis']);

export function edgeOf(proxy: string): Edge | undefined {
  const match = /^([a-z]+)-([a-z]+)(?:-(\d+))?$/.exec(proxy);
  if (!match) return undefined;
  return { client: match[1]!, peer: match[2]!, ...(match[3] ? { instance: Number(match[3]) } : {}) };
}

/** The client's calls over the edge: to the peer, and to the faulted instance's port when the edge leads to one. */
function callsOver(edge: Edge, extra = ''): string {
  return `{job="${edge.client}",server_address="${edge.peer}"${edge.instance === undefined ? '' : ',server_port="$target_port"'}${extra}}`;
}

/** The client-side mean latency of the edge over the window must reach `seconds`. */
export function edgeLatencyCheck(proxy: string, seconds: number): VisibilityCheck | undefined {
  const edge = edgeOf(proxy);
  if (!edge) return undefined;
  if (edge.peer === 'postgres') {
    const sel = `{job="${edge.client}",db_system_name="${DB_SYSTEM_POSTGRES}"}`;
    return meanCheck(DB_CLIENT_DURATION, sel, seconds, `${edge.client}'s database calls slow down by the added latency`);
  }
  if (DATASTORES.has(edge.peer)) return undefined;
  return meanCheck(HTTP_CLIENT_DURATION, callsOver(edge), seconds, `${edge.client}'s calls to ${peerName(edge)} slow down by the added latency`);
}

/** Calls over the edge must fail (or time out) at least once in the window; no failed call's series at all is no data, not 0. */
export function edgeErrorsCheck(proxy: string): VisibilityCheck | undefined {
  const edge = edgeOf(proxy);
  if (!edge || DATASTORES.has(edge.peer)) return undefined;
  return {
    description: `${edge.client}'s calls to ${peerName(edge)} fail while the fault is on`,
    promql: grew(`${HTTP_CLIENT_DURATION}_count${callsOver(edge, ',error_type!=""')}`),
    op: '>',
    value: 0,
  };
}

const peerName = (edge: Edge) => (edge.instance === undefined ? edge.peer : `${edge.peer}-${edge.instance}`);

function meanCheck(metric: string, selector: string, seconds: number, description: string): VisibilityCheck {
  return {
    description,
    promql: `sum(rate(${metric}_sum${selector}[$window])) / sum(rate(${metric}_count${selector}[$window]))`,
    op: '>=',
    value: seconds,
  };
}
