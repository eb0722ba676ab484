/** Autoscaling: desired vs current catalog replicas against the metric that drives them. */
import { defineDashboard } from './frame.ts';
import { graph } from './panels.ts';
import { autoscaling as q } from './queries.ts';

export default defineDashboard({
  uid: 'faultline-autoscaling',
  title: 'Faultline / Autoscaling',
  description: 'The autoscaler (Kubernetes HPA algorithm) sets desired catalog replicas from Prometheus metrics; the gateway and the scrape targets show what actually runs.',
  main: [q.desired, q.current, q.metricAverage, q.metricTarget],
  rows: [
    {
      title: 'Replicas',
      panels: [
        graph({ title: 'Desired vs current replicas', healthy: 'current follows desired within a start time; both steady at steady load.', broken: 'current lags desired for long, or desired oscillates (flapping).', queries: [q.desired, q.current, q.scraped] }),
        graph({ title: 'Driving metric: its average per instance against the target', healthy: 'the average crosses the target only briefly: replicas follow and bring it back within the tolerance.', broken: 'the average stays above the target while replicas do not grow, or swings across it as replicas flap.', queries: [q.metricAverage, q.metricTarget] }),
        graph({ title: 'Requests per second per catalog instance', healthy: 'load spreads evenly over the instances, new ones take their share.', broken: 'a new instance gets no traffic, or one instance carries all of it.', queries: [q.ratePerInstance] }),
        graph({ title: 'Mean event-loop utilisation of the catalog', healthy: 'falls as instances are added, well below 100 %.', broken: 'stays pinned near 100 % as instances are added: the machine, not the instance count, is the limit.', queries: [q.utilisation] }),
      ],
    },
  ],
});
