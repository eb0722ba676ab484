/** The resilience metrics of contract 3, created once per service registry. */
import type { ServiceMetrics } from '../metrics.ts';

function create(metrics: ServiceMetrics) {
  return {
    breakerState: metrics.gauge({ name: 'breaker_state', help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.', labelNames: ['breaker'] }),
    breakerTransitions: metrics.counter({ name: 'breaker_transitions_total', help: 'Circuit breaker state changes, by the state entered.', labelNames: ['breaker', 'to'] }),
    retries: metrics.counter({ name: 'retries_total', help: 'Retried outbound calls, by peer.', labelNames: ['server_address'] }),
    retriesDenied: metrics.counter({ name: 'retries_denied_total', help: 'Retries refused by the retry budget or the deadline, by peer.', labelNames: ['server_address', 'reason'] }),
    shed: metrics.counter({ name: 'shed_requests_total', help: 'Requests refused by load shedding, by reason.', labelNames: ['reason'] }),
    deadlineExceeded: metrics.counter({
      name: 'request_deadline_exceeded_total',
      help: 'Requests whose deadline passed, by where it was noticed (arrival, shed_queue, db_pool, db_statement, redis, cache_wait, http_client).',
      labelNames: ['stage'],
    }),
  };
}

const cache = new WeakMap<ServiceMetrics, ReturnType<typeof create>>();

export function resilienceMetrics(metrics: ServiceMetrics): ReturnType<typeof create> {
  let found = cache.get(metrics);
  if (!found) {
    found = create(metrics);
    cache.set(metrics, found);
  }
  return found;
}
