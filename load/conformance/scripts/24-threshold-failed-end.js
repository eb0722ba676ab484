// A threshold crossed at the end fails the test with 99; the summary export marks each expression
// true when it failed (k6's legacy summary JSON).
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 2 } },
  thresholds: { http_reqs: ['count==4', 'count<2'] },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
