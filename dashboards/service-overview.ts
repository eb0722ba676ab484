/** Service overview: RED per service and route from the server histograms, exemplars to traces. */
import { defineDashboard } from './frame.ts';
import { graph } from './panels.ts';
import { red } from './queries.ts';

export default defineDashboard({
  uid: 'faultline-service-overview',
  title: 'Faultline / Service overview',
  description: 'Rate, errors and duration of every service and route of the shop, with fault windows shaded. Click an exemplar dot to open its trace.',
  main: [red.requestsByService, red.errorRatioByService, red.p99ByRoute],
  rows: [
    {
      title: 'Rate and errors',
      panels: [
        graph({ title: 'Requests per second by service', healthy: 'each service follows the offered load; the gateway carries the most.', broken: 'a service drops to zero (down or unreachable) or departs from the load the gateway sees.', queries: [red.requestsByService] }),
        graph({ title: 'Requests per second by route', healthy: 'routes keep their share of the load through a fault.', broken: 'a route collapses, or retries make a downstream route climb above the offered load.', queries: [red.requestsByRoute] }),
        graph({ title: '5xx share by service', healthy: 'at or near 0 %, also during a fault when the pattern under test is on.', broken: 'rises with the fault window and stays up after it ends.', queries: [red.errorRatioByService] }),
        graph({ title: '5xx per second by route', healthy: 'flat at zero.', broken: 'a burst inside the fault window names the route that fails.', queries: [red.errorsByRoute] }),
      ],
    },
    {
      title: 'Duration',
      panels: [
        graph({ title: 'p99 latency by route (exemplars link to traces)', healthy: 'flat, a few milliseconds, with a bounded bump during a fault.', broken: 'climbs to the timeout during a fault; exemplar dots at the top open the slow traces.', queries: [red.p99ByRoute] }),
        graph({ title: 'p50 and p95 latency by service', healthy: 'p95 within a few times p50.', broken: 'p95 pulls away from p50: a dependency is slow or a queue is building.', queries: [red.p50ByService, red.p95ByService] }),
        graph({ title: 'p99 of outbound calls by peer', healthy: 'each peer answers in milliseconds.', broken: 'one peer climbs to the timeout: the faulted edge.', queries: [red.clientP99ByPeer] }),
        graph({ title: 'Requests in flight by instance', healthy: 'small and steady (rate × latency).', broken: 'grows without bound: requests queue behind a slow dependency.', queries: [red.inFlight] }),
        graph({ title: 'Event-loop utilisation by instance', healthy: 'well below 100 %.', broken: 'pinned near 100 %: the instance is CPU-bound and latency follows.', queries: [red.eventLoop], width: 24 }),
      ],
    },
  ],
});
