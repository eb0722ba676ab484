// startTime delays a scenario; two scenarios run on one clock and each tags its samples with
// scenario=<name> (k6 docs: scenarios, options common to all executors).
import http from 'k6/http';

export const options = {
  scenarios: {
    first: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 },
    later: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 1, startTime: '1s' },
  },
  thresholds: {
    'http_reqs{scenario:first}': ['count==2'],
    'http_reqs{scenario:later}': ['count==4'],
  },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
