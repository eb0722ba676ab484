/**
 * Calls to pricing. Breaker off: a plain call with a timeout (and the retry policy).
 * Breaker on: each attempt runs through a circuit breaker (the retrier outside it, so a
 * half-open trial is one call and an open circuit stops the retries); when the call fails or
 * the circuit is open or half-open, the last price pricing gave for that product is served
 * instead (marked as a fallback).
 */
import type { HttpClient } from '../../platform/http-client.ts';
import { BrokenCircuitError, type Breaker } from '../../platform/resilience/breaker.ts';
import type { Retrier } from '../../platform/resilience/retry.ts';
import { failOn5xx, isRetryable, upstreamProblem } from './forward.ts';

export interface PriceAnswer {
  status: number;
  body: unknown;
  /** live: pricing answered; fallback: last known price while pricing fails. */
  source: 'live' | 'fallback';
}

/** Most products whose last price is remembered (oldest forgotten first). */
const LAST_KNOWN_LIMIT = 100_000;

export class PricingClient {
  private readonly http: HttpClient;
  private readonly origin: string;
  private readonly breaker: Breaker;
  private readonly retrier: Retrier;
  private readonly settings: () => { breaker: boolean; timeoutMs: number };
  private readonly lastKnown = new Map<number, unknown>();
  private readonly fallbacks: (reason: string) => void;

  constructor(options: {
    http: HttpClient;
    origin: string;
    breaker: Breaker;
    retrier: Retrier;
    settings: () => { breaker: boolean; timeoutMs: number };
    onFallback: (reason: string) => void;
  }) {
    this.http = options.http;
    this.origin = options.origin;
    this.breaker = options.breaker;
    this.retrier = options.retrier;
    this.settings = options.settings;
    this.fallbacks = options.onFallback;
  }

  private remember(id: number, body: unknown): void {
    this.lastKnown.delete(id);
    this.lastKnown.set(id, body);
    if (this.lastKnown.size > LAST_KNOWN_LIMIT) this.lastKnown.delete(this.lastKnown.keys().next().value!);
  }

  async price(id: number, deadline: number): Promise<PriceAnswer> {
    const { timeoutMs, breaker } = this.settings();
    const attempt = async () => failOn5xx('pricing', await this.http.request({ origin: this.origin, path: `/prices/${id}`, deadline, timeoutMs }));
    // cockatiel holds every call that comes during a half-open trial until the trial ends (a
    // whole pricing timeout while pricing is slow); only the trial may wait, the others fail fast
    const guarded = () => (breaker && this.breaker.state === 'half_open' ? Promise.reject(new BrokenCircuitError()) : this.breaker.execute(attempt));
    try {
      const result = await this.retrier.run({ deadline, retryable: isRetryable, attempt: guarded });
      if (result.status === 200) this.remember(id, result.body);
      return { status: result.status, body: result.body, source: 'live' };
    } catch (error) {
      const last = this.lastKnown.get(id);
      if (breaker && last !== undefined) {
        this.fallbacks(this.breaker.state === 'closed' ? 'error' : 'open');
        return { status: 200, body: last, source: 'fallback' };
      }
      throw upstreamProblem('pricing', error);
    }
  }
}
