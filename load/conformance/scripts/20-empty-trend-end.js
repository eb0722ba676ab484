// A Trend with no samples is judged at the end with every aggregate 0 (k6's TrendSink): 'avg<100'
// holds, 'max>0' is crossed, so the test fails with 99.
import { Trend } from 'k6/metrics';

const unused = new Trend('unused_trend', true);

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { unused_trend: ['avg<100', 'max>0'] },
};

export default async function () {
  if (unused === undefined) unused.add(1);
}
