// No idle VU when an iteration is due: the iteration is dropped at once (dropped_iterations + 1)
// and, at maxVUs, k6 warns once (lib/executor/constant_arrival_rate.go).
import http from 'k6/http';

export const options = {
  scenarios: {
    busy: { executor: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 1, maxVUs: 1 },
  },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/delay/1200`);
}
