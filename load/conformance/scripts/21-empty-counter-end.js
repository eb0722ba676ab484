// A Counter with no samples is 0 at the end: 'count==0' holds (exit 0).
import { Counter } from 'k6/metrics';

const unused = new Counter('unused_counter');

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { unused_counter: ['count==0'] },
};

export default async function () {
  if (unused === undefined) unused.add(1);
}
