/**
 * The k6 skeleton every scenario's load.ts shares (scripts use the async form, `export default async
 * function` with `await http.asyncRequest(...)`, which both the embedded engine and a real k6 run): the lab's address and run settings from the
 * runner (FAULTLINE_* env), typed variables from the profile, and the open-model executors
 * (arrival rate, so a slow server cannot slow the load: no coordinated omission).
 */
import type { Options, Scenario } from 'k6/options';

/** What the runner passes to every load script. */
export const lab = {
  /** The gateway, the app's public entrance. */
  baseUrl: __ENV.FAULTLINE_BASE_URL ?? 'http://127.0.0.1:8080',
  /** Seconds of load the profile asks for. */
  duration: Number(__ENV.FAULTLINE_DURATION ?? 30),
  profile: __ENV.FAULTLINE_PROFILE ?? 'smoke',
  variant: __ENV.FAULTLINE_VARIANT ?? 'default',
  /** A customer's bearer token for the order routes, signed with the lab's JWT secret (`make token` mints one too). */
  token: __ENV.FAULTLINE_TOKEN ?? '',
};

/** A number from the profile's vars (scenario.ts profiles.<p>.vars), or the default. */
export function numberVar(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name}=${raw} is not a number`);
  return value;
}

export interface ArrivalRate {
  /** Iterations started per second. */
  rate: number;
  /** Seconds (default: the profile's duration). */
  duration?: number;
  /** VUs allocated up front (default: enough for 100 ms responses). */
  preAllocatedVUs?: number;
  /** VUs k6 may grow to when responses slow down (default 10 × preAllocated). */
  maxVUs?: number;
}

/** A constant-arrival-rate scenario: `rate` iterations per second whatever the latency. */
export function constantArrival(a: ArrivalRate): Scenario {
  const pre = a.preAllocatedVUs ?? Math.max(10, Math.ceil(a.rate / 10));
  return {
    executor: 'constant-arrival-rate',
    rate: a.rate,
    timeUnit: '1s',
    duration: `${a.duration ?? lab.duration}s`,
    preAllocatedVUs: pre,
    maxVUs: a.maxVUs ?? pre * 10,
  };
}

/** A ramping-arrival-rate scenario through the given [seconds, rate] stages. */
export function rampingArrival(start: number, stages: [number, number][], vus: { preAllocatedVUs: number; maxVUs: number }): Scenario {
  return {
    executor: 'ramping-arrival-rate',
    startRate: start,
    timeUnit: '1s',
    stages: stages.map(([seconds, target]) => ({ duration: `${seconds}s`, target })),
    ...vus,
  };
}

/** Options for a load script: one scenario named `load`, summary stats the runner reads, thresholds. */
export function openModel(scenario: Scenario, thresholds: Options['thresholds'] = {}): Options {
  return {
    scenarios: { load: scenario },
    thresholds,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    discardResponseBodies: true,
  };
}
