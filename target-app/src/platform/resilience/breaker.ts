/**
 * A circuit breaker (cockatiel) that reports itself: breaker_state {breaker} (0 closed,
 * 1 half-open, 2 open) and breaker_transitions_total {breaker, to}. `reconfigure` swaps the
 * policy when a switch changes its thresholds (the old policy's listener is removed, so a call
 * still running on it cannot write the state); a disabled breaker just runs the call. It wraps
 * one attempt: retries belong outside it, so a half-open trial is exactly one call. Errors that
 * `isFailure` rejects (the caller's own deadline) pass through without counting.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy, type IDisposable } from 'cockatiel';
import type { ServiceMetrics } from '../metrics.ts';
import { resilienceMetrics } from './resilience-metrics.ts';

export { BrokenCircuitError };

export interface BreakerOptions {
  /** Run calls through the breaker; when false every call goes straight through. Default true. */
  enabled?: boolean;
  /** Consecutive failures that open the circuit; default 5. */
  consecutiveFailures?: number;
  /** How long the circuit stays open before a half-open trial call (ms); default 5000. */
  halfOpenAfterMs?: number;
  /** Whether a thrown error counts as a failure of the dependency; default every error. */
  isFailure?: (error: unknown) => boolean;
}

type StateName = 'closed' | 'half_open' | 'open';
const STATE_VALUE: Record<StateName, number> = { closed: 0, half_open: 1, open: 2 };

function nameOf(state: CircuitState): StateName {
  if (state === CircuitState.HalfOpen) return 'half_open';
  if (state === CircuitState.Closed) return 'closed';
  return 'open';
}

export class Breaker {
  readonly name: string;
  private readonly metrics: ReturnType<typeof resilienceMetrics>;
  private policy!: CircuitBreakerPolicy;
  private listener: IDisposable | undefined;
  private enabled = true;
  private stateName: StateName = 'closed';

  constructor(name: string, metrics: ServiceMetrics, options: BreakerOptions = {}) {
    this.name = name;
    this.metrics = resilienceMetrics(metrics);
    this.reconfigure(options);
  }

  /** Replaces the policy (a new breaker starts closed). */
  reconfigure(options: BreakerOptions): void {
    this.enabled = options.enabled ?? true;
    this.listener?.dispose();
    const isFailure = options.isFailure ?? (() => true);
    // A half-open trial must prove the dependency healthy: one that ends any other way (the
    // caller's deadline included) opens the circuit again; cockatiel would close it.
    const policy: CircuitBreakerPolicy = circuitBreaker(
      handleWhen((error) => isFailure(error) || policy.state === CircuitState.HalfOpen),
      { halfOpenAfter: options.halfOpenAfterMs ?? 5_000, breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5) },
    );
    this.policy = policy;
    this.listener = policy.onStateChange((state) => this.record(nameOf(state)));
    this.record('closed');
  }

  get state(): StateName {
    return this.stateName;
  }

  /** Runs fn through the breaker; throws BrokenCircuitError at once while open. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return await fn();
    return await this.policy.execute(fn);
  }

  private record(state: StateName): void {
    if (state !== this.stateName) this.metrics.breakerTransitions.inc({ breaker: this.name, to: state });
    this.stateName = state;
    this.metrics.breakerState.set({ breaker: this.name }, STATE_VALUE[state]);
  }
}

export function isBrokenCircuit(error: unknown): boolean {
  return error instanceof BrokenCircuitError;
}
