// constant-arrival-rate: iteration k is due at k·timeUnit/rate, so 5/s over 1 s starts exactly 5,
// and the scenario lasts its whole duration (k6 docs: executors/constant-arrival-rate).
import http from 'k6/http';

export const options = {
  scenarios: { steady: { executor: 'constant-arrival-rate', rate: 5, timeUnit: '1s', duration: '1s', preAllocatedVUs: 2 } },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
