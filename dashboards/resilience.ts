/** Resilience: breaker, retries and their budget, shedding, deadlines, ejections, pool waits, the order stream's lag. */
import { defineDashboard } from './frame.ts';
import { graph, states } from './panels.ts';
import { resilience as q, worker } from './queries.ts';

export default defineDashboard({
  uid: 'faultline-resilience',
  title: 'Faultline / Resilience',
  description: "How the gateway and services defend themselves while a dependency fails: the circuit breaker, retries within a budget, load shedding, deadlines, outlier ejection, connection pools and the worker's backlog on the order stream.",
  main: [q.breakerState, q.retries, q.shed, q.deadlineResponses],
  rows: [
    {
      title: 'Circuit breaker and fallbacks',
      panels: [
        states(
          { title: 'Breaker state', healthy: 'closed; opens inside a fault window and closes again through half-open after it.', broken: 'stays open after the fault ended, or never opens while the dependency fails.', queries: [q.breakerState] },
          [
            { value: 0, text: 'closed', color: 'green' },
            { value: 1, text: 'half-open', color: 'yellow' },
            { value: 2, text: 'open', color: 'red' },
          ],
        ),
        graph({ title: 'Breaker transitions', healthy: 'one open, one half-open and one close per fault.', broken: 'flapping: many transitions in a short time.', queries: [q.breakerTransitions] }),
        graph({ title: 'Prices from the last known value', healthy: 'zero outside faults; covers the pricing requests while the breaker is open.', broken: 'zero while pricing fails: callers get errors instead of a fallback.', queries: [q.priceFallbacks], width: 24 }),
      ],
    },
    {
      title: 'Retries, shedding and deadlines',
      panels: [
        graph({ title: 'Retries and refused retries', healthy: 'a few retries during a fault, capped by the budget (refusals appear).', broken: 'retries grow with failures without refusals: a retry storm.', queries: [q.retries, q.retriesDenied] }),
        graph({ title: 'Retries as a share of outbound calls', healthy: 'below the retry budget (about 10 %).', broken: 'above the budget: retries multiply the load on a failing peer.', queries: [q.retryShare] }),
        graph({ title: 'Requests shed', healthy: 'zero at normal load; early 503s instead of queueing under overload.', broken: 'zero while latency climbs: nothing bounds the queue.', queries: [q.shed] }),
        graph({ title: '504 deadline exceeded', healthy: 'zero; a short burst at most when a dependency stalls.', broken: 'sustained: requests wait past their deadline.', queries: [q.deadlineResponses] }),
        graph({ title: 'Outbound calls cut by deadline or timeout', healthy: 'zero outside a latency fault.', broken: 'every call to a peer times out.', queries: [q.deadlineCalls], width: 24 }),
      ],
    },
    {
      title: 'Failover, pools and the order stream',
      panels: [
        graph({ title: 'Catalog instances ejected', healthy: 'zero; one while an instance is faulted, back to zero after.', broken: 'an instance stays ejected after recovery, or a failing one is never ejected.', queries: [q.ejected, q.ejections] }),
        graph({ title: 'Database pool: in use and waiting', healthy: 'connections in use below the pool size, nobody waiting.', broken: 'the pool is full and checkouts queue: the database is the bottleneck.', queries: [q.poolUsed, q.poolPending] }),
        graph({ title: 'Order stream lag (entries not yet handled)', healthy: 'near zero: the worker confirms orders as fast as they are placed, and catches up after a fault.', broken: 'grows during a fault and does not come back down: the worker is stuck or too slow.', queries: [worker.streamLag], width: 24 }),
      ],
    },
  ],
});
