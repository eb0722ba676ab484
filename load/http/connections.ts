/**
 * One undici Agent for the whole test: a keep-alive pool per origin, one request per connection
 * at a time (pipelining 1) and as many connections as requests in flight (rate × latency), so the
 * pool never queues a due request behind a slow one. Its connector stamps each new socket with
 * its dial time, which is how a request learns whether it paid for connecting.
 */
import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';

export const DIALED = Symbol('faultline.dialed');

export interface DialTimes {
  startMs: number;
  endMs: number;
  /** Set by the first request written on the socket: later ones reuse it. */
  used: boolean;
}

type DialedSocket = Socket & { [DIALED]?: DialTimes };

/** Dial timeout, as k6's dialer (js/runner.go, BaseDialer: net.Dialer{Timeout: 30 * time.Second}): a connection not made in 30 s is error 1211. */
const DIAL_TIMEOUT_MS = 30_000;

let agent: Agent | undefined;

export function connectionAgent(): Agent {
  if (agent !== undefined) return agent;
  const dial = buildConnector({ timeout: DIAL_TIMEOUT_MS });
  const connect: buildConnector.connector = (options, callback) => {
    const startMs = performance.now();
    dial(options, (error, socket) => {
      if (socket) (socket as DialedSocket)[DIALED] = { startMs, endMs: performance.now(), used: false };
      // undici's callback overloads differ on error and success
      if (error) callback(error, null);
      else callback(null, socket!);
    });
  };
  // no header or body timeout of undici's own: each exchange has k6's whole-request timeout
  // (client.ts), and undici's would cost a timer per request for nothing
  agent = new Agent({ connect, pipelining: 1, connections: null, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
  return agent;
}

export async function closeConnections(): Promise<void> {
  const current = agent;
  agent = undefined;
  await current?.destroy();
}
