// A Rate threshold on a submetric that never gets a sample: skipped while running, and at the end
// k6 cannot compute a rate of nothing, logs "Threshold error" and does not count it as crossed:
// exit 0 (k6 metrics/thresholds.go, internal/metrics/engine/engine.go).
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { 'http_req_failed{name:never-used}': ['rate<0.01'] },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
