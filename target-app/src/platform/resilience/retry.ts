/**
 * Retries of outbound calls: `none`, `naive` (again at once), `storm` (again at once with no
 * retry budget: the unprotected client whose every failure costs maxAttempts calls, so a
 * retry storm can show) or `backoff` (exponential with full jitter, AWS style:
 * sleep = random(0, min(cap, base * 2^attempt))). `naive` and `backoff` are bounded by a retry
 * budget (retries may add at most `budgetRatio` of the requests in the last 10 s, plus a small
 * floor); every policy stops at the request deadline. Retries are counted in retries_total
 * {server_address}, refusals in retries_denied_total {server_address, reason}.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceMetrics } from '../metrics.ts';
import { resilienceMetrics } from './resilience-metrics.ts';

export type RetryPolicyName = 'none' | 'naive' | 'storm' | 'backoff';

export interface RetryOptions {
  /** Which policy; default 'none'. */
  policy?: RetryPolicyName;
  /** Attempts in all, the first included; default 3. */
  maxAttempts?: number;
  /** First backoff ceiling (ms); default 25. */
  baseDelayMs?: number;
  /** Largest backoff ceiling (ms); default 1000. */
  maxDelayMs?: number;
  /** Retries allowed as a fraction of requests over the last 10 s; default 0.2. */
  budgetRatio?: number;
  /** Retries per second always allowed, whatever the ratio; default 5. */
  budgetMinPerSecond?: number;
}

const WINDOW_SECONDS = 10;

/** Requests and retries per second over a sliding window of WINDOW_SECONDS. */
class RetryBudget {
  private readonly requests = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly retries = new Array<number>(WINDOW_SECONDS).fill(0);
  private second = Math.floor(Date.now() / 1000);

  private advance(): number {
    const now = Math.floor(Date.now() / 1000);
    for (let s = this.second + 1; s <= now && s - this.second <= WINDOW_SECONDS; s++) {
      this.requests[s % WINDOW_SECONDS] = 0;
      this.retries[s % WINDOW_SECONDS] = 0;
    }
    this.second = now;
    return now % WINDOW_SECONDS;
  }

  recordRequest(): void {
    this.requests[this.advance()]! += 1;
  }

  tryRetry(ratio: number, minPerSecond: number): boolean {
    const slot = this.advance();
    const requests = this.requests.reduce((a, b) => a + b, 0);
    const retries = this.retries.reduce((a, b) => a + b, 0);
    if (retries + 1 > minPerSecond * WINDOW_SECONDS + ratio * requests) return false;
    this.retries[slot]! += 1;
    return true;
  }
}

export interface RetryCall<T> {
  /** One attempt; `attempt` counts from 0 (pick another instance on a retry). */
  attempt: (attempt: number) => Promise<T>;
  /** Whether a thrown error is worth another attempt. */
  retryable: (error: unknown) => boolean;
  /** Absolute deadline (epoch ms): no retry starts after it. */
  deadline?: number;
}

export class Retrier {
  readonly peer: string;
  private readonly metrics: ReturnType<typeof resilienceMetrics>;
  private readonly budget = new RetryBudget();
  private options: Required<RetryOptions>;

  constructor(peer: string, metrics: ServiceMetrics, options: RetryOptions = {}) {
    this.peer = peer;
    this.metrics = resilienceMetrics(metrics);
    this.options = Retrier.withDefaults(options);
  }

  static withDefaults(options: RetryOptions): Required<RetryOptions> {
    return { policy: 'none', maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 1_000, budgetRatio: 0.2, budgetMinPerSecond: 5, ...options };
  }

  reconfigure(options: RetryOptions): void {
    this.options = Retrier.withDefaults(options);
  }

  /** Backoff before retry number `retry` (1-based): full jitter under an exponential ceiling. */
  delayMs(retry: number): number {
    const { policy, baseDelayMs, maxDelayMs } = this.options;
    if (policy !== 'backoff') return 0;
    return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  }

  async run<T>(call: RetryCall<T>): Promise<T> {
    const { policy, maxAttempts, budgetRatio, budgetMinPerSecond } = this.options;
    this.budget.recordRequest();
    const attempts = policy === 'none' ? 1 : Math.max(1, maxAttempts);
    for (let attempt = 0; ; attempt++) {
      try {
        return await call.attempt(attempt);
      } catch (error) {
        if (attempt + 1 >= attempts || !call.retryable(error)) throw error;
        const delay = this.delayMs(attempt + 1);
        if (call.deadline !== undefined && Date.now() + delay >= call.deadline) {
          this.metrics.retriesDenied.inc({ server_address: this.peer, reason: 'deadline' });
          throw error;
        }
        if (policy !== 'storm' && !this.budget.tryRetry(budgetRatio, budgetMinPerSecond)) {
          this.metrics.retriesDenied.inc({ server_address: this.peer, reason: 'budget' });
          throw error;
        }
        this.metrics.retries.inc({ server_address: this.peer });
        if (delay > 0) await sleep(delay);
      }
    }
  }
}
