// shared-iterations: 7 iterations in total, shared by 2 VUs (k6 docs: executors/shared-iterations).
import http from 'k6/http';

export const options = {
  scenarios: { pool: { executor: 'shared-iterations', vus: 2, iterations: 7, maxDuration: '10s' } },
};

export default function () {
  http.get(`${__ENV.BASE}/`);
}
