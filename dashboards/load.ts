/** Load: the load engine's own series, so a run that did not offer its load is seen as such. */
import { defineDashboard } from './frame.ts';
import { graph } from './panels.ts';
import { load as q } from './queries.ts';

export default defineDashboard({
  uid: 'faultline-load',
  title: 'Faultline / Load',
  description: 'The load engine (open model, arrival rate): planned vs achieved iterations, dropped iterations, VUs, client latency, checks and start lag, for the selected variant and run.',
  main: [q.planned, q.achieved, q.p99, q.startLagP99],
  rows: [
    {
      title: 'Arrival rate',
      panels: [
        graph({ title: 'Planned vs achieved arrival rate', healthy: 'achieved sits on planned.', broken: 'achieved below planned: the engine could not start iterations on time (the run is inconclusive).', queries: [q.planned, q.achieved] }),
        graph({ title: 'Dropped iterations', healthy: 'zero.', broken: 'above zero: no VU was free when an iteration was due.', queries: [q.dropped] }),
        graph({ title: 'Virtual users: active and allocated', healthy: 'active well below allocated.', broken: 'active at allocated: the pool is exhausted, iterations drop.', queries: [q.vus, q.vusMax] }),
        graph({ title: 'Iteration start lag (p99)', healthy: 'a millisecond or less.', broken: 'tens of milliseconds or more: the engine is starved of CPU and the schedule slips.', queries: [q.startLagP99] }),
      ],
    },
    {
      title: 'What the client saw',
      panels: [
        graph({ title: 'Client latency p50 / p95 / p99', healthy: 'close to the server-side latency, bounded during a fault.', broken: 'p99 at the timeout during the fault window.', queries: [q.p50, q.p95, q.p99] }),
        graph({ title: 'Requests by status', healthy: '200s only.', broken: '5xx or status 0 (no answer) during the fault window.', queries: [q.requestsByStatus] }),
        graph({ title: 'Failed requests and passed checks (share)', healthy: 'failed at 0 %, checks at 100 %.', broken: 'failed rises and checks fall with the fault.', queries: [q.failedShare, q.checks], width: 24 }),
      ],
    },
  ],
});
