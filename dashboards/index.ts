/** Every dashboard, in the order the generator writes them and `faultline dashboards` lists them. */
import autoscaling from './autoscaling.ts';
import cache from './cache.ts';
import type { DashboardModule } from './frame.ts';
import load from './load.ts';
import logsTraces from './logs-traces.ts';
import resilience from './resilience.ts';
import serviceOverview from './service-overview.ts';

export const DASHBOARDS: readonly DashboardModule[] = [serviceOverview, cache, resilience, autoscaling, load, logsTraces];
