// per-vu-iterations: each of 3 VUs runs exactly 2 iterations (k6 docs: executors/per-vu-iterations).
import http from 'k6/http';

export const options = {
  scenarios: { each: { executor: 'per-vu-iterations', vus: 3, iterations: 2, maxDuration: '10s' } },
};

export default function () {
  http.get(`${__ENV.BASE}/`);
}
